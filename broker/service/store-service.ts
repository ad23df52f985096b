/**
 * The store attached to the broker: sessions per connected terminal, the dispatcher, the fair
 * chunk pump, the reply cache, rate limits and the hold-expiry sweep. The broker hands it up
 * messages; it answers through one `send`, which encodes and validates every body.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isFairwayError } from '../../sdk/errors.js';
import type { Crypto, Signer } from '../../sdk/hal/crypto.js';
import { encodeChunkMessage, encodeMessage, MESSAGES, type DownMessage, type DownType, type MessageOf, type UpType } from '../../sdk/wire/index.js';
import type { ContentStore } from '../catalog/content-store.js';
import { ContentUnavailableError } from '../catalog/part-bytes-source.js';
import type { Schema } from '../db/schema.js';
import type { LedgerContext } from '../ledger/context.js';
import { releaseExpired } from '../ledger/holds.js';
import { settleLicences } from '../ledger/licences.js';
import { LocalSharedState } from '../cluster/local-state.js';
import type { SharedState } from '../cluster/shared-state.js';
import type { SweepGate } from '../cluster/sweep-gate.js';
import { CaptureBatcher } from './capture-batcher.js';
import { LookupCache } from './lookup-cache.js';
import { findPart } from '../catalog/catalog-reader.js';
import { activePublicKey } from '../directory/terminals.js';
import { deleteExpiredTickets } from '../directory/tickets.js';
import { ChunkPump, type WindowJob } from './chunk-pump.js';
import { dispatch } from './dispatch.js';
import { EncodedReply } from './encoded-reply.js';
import { ReplyCache } from './reply-cache.js';
import { DEFAULT_STORE_CONFIG, type Session, type StoreConfig, type StoreContext, type StoreEvent } from './store-context.js';
import { OUTAGE_RETRY_AFTER_MS } from './outage.js';
import { BUSY_RETRY_AFTER_MS, errorMessage, salvageRid } from './wire-errors.js';

export type Publish = (deviceId: string, type: DownType, payload: Uint8Array, qos: 0 | 1) => Promise<void>;

export interface StoreServiceOptions {
  db: Kysely<Schema>;
  ledger: LedgerContext;
  content: ContentStore;
  crypto: Crypto;
  clock: { wallMs(): number };
  log: Logger;
  config?: Partial<StoreConfig>;
  /** The store key, to sign seat licences [FW-13.3]. */
  storeKey?: { signer: Signer; kid: Uint8Array };
  /** Sends in flight across all chunk windows; bounds store memory, shares bandwidth fairly. */
  chunkSendsInFlight?: number;
  /** Nonces, guess limits and the second-level reply cache; default: this process's memory. */
  shared?: SharedState;
  /** A cluster's once-per-tick claim for the expiry sweep; without it every tick sweeps. */
  sweepGate?: SweepGate;
  /** Counts for metrics. */
  onEvent?: (event: StoreEvent, labels?: Record<string, string>, amount?: number) => void;
}

const REPLY_CACHE_MS = 10 * 60_000;
/** Expired resumption tickets are deleted at most this often (the expiry sweep runs every few seconds). */
const TICKET_SWEEP_MS = 60_000;
/** How long a revocation may take to reach receipts on open connections. */
const TERMINAL_KEY_TTL_MS = 5_000;
/** Requests one terminal may have unanswered at once; a runtime has one or two. */
export const MAX_REQUESTS_IN_FLIGHT_PER_DEVICE = 32;

export const EXPIRY_SWEEP_MS = 5_000;

export class StoreService {
  private readonly sessions = new Map<string, Session>();
  private readonly replies: ReplyCache;
  private readonly ctx: StoreContext;
  private publish: Publish | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private localState: LocalSharedState | undefined;
  /** Sweeps this node ran (a cluster's gate lets one node sweep each tick). */
  sweepsRun = 0;
  private ticketsSweptAtMs = Number.NEGATIVE_INFINITY;
  /** Work started by messages, so `close` can wait for it instead of cutting a commit short. */
  private readonly running = new Set<Promise<void>>();
  /** Requests being handled per device (bounded: MAX_REQUESTS_IN_FLIGHT_PER_DEVICE). */
  private readonly inFlightByDevice = new Map<string, number>();

  constructor(private readonly options: StoreServiceOptions) {
    const config = { ...DEFAULT_STORE_CONFIG, ...options.config };
    const sharedReplies = options.shared?.replies;
    this.replies = new ReplyCache(REPLY_CACHE_MS, sharedReplies ? { shared: { replies: sharedReplies, log: options.log } } : {});
    const send = (deviceId: string, message: DownMessage | EncodedReply) => this.send(deviceId, message);
    this.ctx = {
      db: options.db,
      ledger: options.ledger,
      content: options.content,
      crypto: options.crypto,
      config,
      ...(options.storeKey ? { storeKey: options.storeKey } : {}),
      log: options.log,
      pump: new ChunkPump(
        async (deviceId, chunk) => {
          await send(deviceId, { v: 1, t: 'chunk', r: chunk.rid, x: chunk.transfer, i: chunk.index, d: chunk.data });
          this.ctx.count('bytes-streamed', undefined, chunk.data.length);
        },
        { inFlight: options.chunkSendsInFlight ?? 64 },
        (deviceId, error) => {
          // Shutting down: chunks still queued cannot go out, and the terminal asks again. Not news.
          if (isFairwayError(error, 'closed')) return;
          options.log.warn({ deviceId, err: error }, 'a chunk could not be sent');
        },
        (job, error) => this.answerFailedWindow(job, error),
      ),
      captures: new CaptureBatcher(options.ledger),
      parts: new LookupCache((id) => findPart(options.db, id), 60 * 60_000, 10_000, () => options.clock.wallMs()),
      terminalKeys: new LookupCache((id) => activePublicKey(options.db, id), TERMINAL_KEY_TTL_MS, 100_000, () => options.clock.wallMs()),
      loginLimiter: (options.shared ?? (this.localState = new LocalSharedState())).loginLimiter,
      cardLimiter: (options.shared ?? this.localState!).cardLimiter,
      send,
      count: (event, labels, amount) => options.onEvent?.(event, labels, amount),
    };
  }

  /**
   * A window whose chunks this node could not read gets one `error` with its rid, never
   * silence [issue 11 §3]: `unavailable` with a retry hint when the database is unreachable
   * (the terminal resends the window after that), `internal` when the part is missing or
   * damaged (an operator must look).
   */
  private async answerFailedWindow(job: WindowJob, error: unknown): Promise<void> {
    const unreadable = error instanceof ContentUnavailableError;
    const unreachable = unreadable && error.reason === 'unreachable';
    const code = unreachable ? 'unavailable' : 'internal';
    this.ctx.count('error', { code });
    this.options.log.warn({ deviceId: job.deviceId, rid: job.rid, err: error, reason: unreadable ? error.reason : undefined }, 'a chunk window could not be read');
    const why = unreachable ? 'part content unreachable now (database down)' : unreadable && error.reason === 'missing' ? 'part content not on this node yet' : 'part content could not be read';
    await this.sendUnasked(job.deviceId, errorMessage(code, `${why}; nothing changed, resend the window later`, job.rid, unreachable ? OUTAGE_RETRY_AFTER_MS : undefined));
  }

  /** Connects the service to the broker's outbound side and starts the expiry sweep. */
  attach(publish: Publish): void {
    this.publish = publish;
    this.sweep = setInterval(() => void this.sweepIfOurs(), EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  /**
   * The one outbound choke point: every body is validated as it is encoded before it leaves.
   * A reply the cache kept arrives already encoded (by `encode` below, or read back from the
   * shared level and decoded against the schema) and goes out as those bytes, unchanged.
   */
  private async send(deviceId: string, reply: DownMessage | EncodedReply): Promise<void> {
    if (!this.publish) throw new Error('store service is not attached to a broker');
    const { message, bytes } = reply instanceof EncodedReply ? reply : this.encode(reply);
    await this.publish(deviceId, message.t, bytes, MESSAGES[message.t].qos);
  }

  /**
   * Validates and encodes one body. `chunk`, one per 16 KiB served, takes the direct encoder
   * (same bytes, same checks, a fraction of the CPU).
   */
  private readonly encode = (message: DownMessage): EncodedReply =>
    new EncodedReply(message, message.t === 'chunk' ? encodeChunkMessage(message) : encodeMessage(message as never));

  onConnect(deviceId: string): void {
    this.sessions.set(deviceId, {});
  }

  onDisconnect(deviceId: string): void {
    this.sessions.delete(deviceId);
    this.ctx.pump.cancel(deviceId);
  }

  onMessage(deviceId: string, type: UpType, bytes: Uint8Array): Promise<void> {
    let session = this.sessions.get(deviceId);
    if (!session) this.sessions.set(deviceId, (session = {}));
    const inFlight = this.inFlightByDevice.get(deviceId) ?? 0;
    if (inFlight >= MAX_REQUESTS_IN_FLIGHT_PER_DEVICE) return this.answerBusy(deviceId, type, bytes);
    this.inFlightByDevice.set(deviceId, inFlight + 1);
    const work = dispatch({ ctx: this.ctx, replies: this.replies, encode: this.encode, deviceId, session, topicType: type, bytes, nowMs: this.options.clock.wallMs() }).catch((e: unknown) =>
      this.options.log.error({ err: e, deviceId, type }, 'dispatch failed'),
    );
    this.running.add(work);
    void work.finally(() => {
      this.running.delete(work);
      const left = (this.inFlightByDevice.get(deviceId) ?? 1) - 1;
      if (left === 0) this.inFlightByDevice.delete(deviceId);
      else this.inFlightByDevice.set(deviceId, left);
    });
    return work;
  }

  /**
   * A terminal with MAX_REQUESTS_IN_FLIGHT_PER_DEVICE requests unanswered is sending without
   * waiting for answers: the next is refused `busy`, not queued, so one terminal cannot hold
   * unbounded work and memory here [issue 12 §5]. The rid is read back only from small
   * requests (cheap), so a flood of large ones costs no decoding.
   */
  private async answerBusy(deviceId: string, type: UpType, bytes: Uint8Array): Promise<void> {
    this.ctx.count('error', { code: 'busy' });
    const rid = bytes.length <= 4096 ? salvageRid(bytes) : undefined;
    await this.sendUnasked(deviceId, errorMessage('busy', `${MAX_REQUESTS_IN_FLIGHT_PER_DEVICE} requests from this terminal (the last a ${type}) are unanswered; wait for them`, rid, BUSY_RETRY_AFTER_MS));
  }

  /**
   * An answer sent outside a handler (the dispatcher sends handlers' replies): a terminal that
   * has gone is not news; anything else is logged, never thrown at the caller.
   */
  private async sendUnasked(deviceId: string, message: MessageOf<'error'>): Promise<void> {
    try {
      await this.send(deviceId, message);
    } catch (e) {
      if (!isFairwayError(e, 'closed')) this.options.log.warn({ deviceId, code: message.code, err: e }, 'an error answer could not be sent');
    }
  }

  /** A publish on the device's own up tree naming no request type [FW-2.2.1]. */
  async onUnroutable(deviceId: string, level: string): Promise<void> {
    this.ctx.count('error', { code: 'unknown-type' });
    await this.send(deviceId, errorMessage('unknown-type', `no request type ${JSON.stringify(level.slice(0, 40))}`));
  }

  /** One tick of the expiry sweep: in a cluster, only on the node that claims the tick. */
  private async sweepIfOurs(): Promise<void> {
    const gate = this.options.sweepGate;
    const nowMs = this.options.clock.wallMs();
    if (gate) {
      try {
        if (!(await gate.claim(nowMs))) return;
      } catch (e) {
        this.options.log.warn({ err: e }, 'could not claim the sweep tick (database unreachable?): skipped');
        return;
      }
    }
    this.sweepsRun++;
    const released = await this.releaseLapsedHolds();
    await this.deleteExpiredTicketsNow(nowMs);
    // In a cluster, one line per tick cluster-wide: operators (and the cluster proof) see which node swept it.
    if (gate) this.options.log.info({ tick: gate.tickOf(nowMs), released }, 'swept lapsed holds');
  }

  /** Expired resumption tickets, at most once a minute: rows of devices never seen again would otherwise stay. */
  private async deleteExpiredTicketsNow(nowMs: number): Promise<void> {
    if (nowMs - this.ticketsSweptAtMs < TICKET_SWEEP_MS) return;
    this.ticketsSweptAtMs = nowMs;
    try {
      const deleted = await deleteExpiredTickets(this.options.db, nowMs);
      if (deleted > 0) this.options.log.info({ deleted }, 'deleted expired resumption tickets');
    } catch (e) {
      this.options.log.warn({ err: e }, 'expired resumption tickets could not be deleted (database unreachable?): next minute');
    }
  }

  async releaseLapsedHolds(): Promise<number> {
    const nowMs = this.options.clock.wallMs();
    await this.settleLapsedLicences(nowMs);
    try {
      return await releaseExpired(this.ctx.ledger, nowMs);
    } catch (e) {
      this.options.log.error({ err: e }, 'hold expiry sweep failed');
      return 0;
    }
  }

  /**
   * Seat licences past their settlement time [FW-13.6]: upfront ones without a receipt are
   * released, per-reception ones settled (later notices get licence-closed). Runs with the
   * hold sweep; returns how many it closed.
   */
  async settleLapsedLicences(nowMs = this.options.clock.wallMs()): Promise<number> {
    try {
      const { released, settled } = await settleLicences(this.ctx.ledger, nowMs);
      return released + settled;
    } catch (e) {
      this.options.log.error({ err: e }, 'licence settlement sweep failed');
      return 0;
    }
  }

  /** Chunks queued for sending, for metrics. */
  get chunksWaiting(): number {
    return this.ctx.pump.waitingChunks;
  }

  /** The reply cache's shared-level hits, misses and failures (a cluster node's resends from other nodes). */
  get replyCacheStats(): Readonly<ReplyCache['stats']> {
    return this.replies.stats;
  }

  /** Devices being streamed to now (chunk windows queued or in flight), for the node registry. */
  get transfersInFlight(): number {
    return this.ctx.pump.streamingDevices;
  }

  /** Resolves once the requests being handled now are answered (a draining node waits for them). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    await Promise.allSettled([...this.running]);
    await this.ctx.pump.idle();
  }
}
