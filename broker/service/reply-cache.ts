/**
 * The store's memory of its answers [FW-3.6.5]: per (device, rid), a SHA-256 digest of the
 * request and the reply bytes as sent, for ten minutes. A resend with the same bytes gets the
 * same reply, byte for byte, without its effect happening twice; a duplicate arriving while
 * the first is still being handled waits for the first's reply instead of running alongside
 * it.
 *
 * Bounded in bytes as well as entries [issue 12 §5]: the request is kept as its 32-byte
 * digest, never its bytes (a terminal sending thousands of distinct 256 KiB requests would
 * otherwise park gigabytes here), and the oldest entries go first when the replies kept
 * exceed the byte budget. Losing an entry early loses only the byte-for-byte shortcut: the
 * database's own idempotency still holds.
 *
 * In a cluster a second level is shared by all nodes (Redis) [issue 11 §3]: a terminal that
 * lost its reply and reconnected to another node finds the first node's answer there. The
 * shared level is a shortcut, not the guarantee — the database's own idempotency (a receipt
 * charges once, a finish writes one row, a seat is charged once) holds without it — so when
 * it is unreachable the request is handled anyway, and the outage is logged once.
 */
import type { Logger } from 'pino';
import type { SharedReplies } from '../cluster/shared-state.js';
import { EncodedReply } from './encoded-reply.js';
import { packSharedReply, requestDigest, unpackSharedReply } from './shared-reply-value.js';

interface Outcome {
  reply: EncodedReply | undefined;
  cached: boolean;
}

interface Entry {
  requestDigest: Uint8Array;
  outcome: Promise<Outcome>;
  expiresAtMs: number;
  /** What the entry holds, as counted against the budget (grows when its reply is kept). */
  bytes: number;
}

/** Per entry beyond the reply: its key, digest, promise and map slot (a generous estimate). */
const ENTRY_OVERHEAD_BYTES = 256;
/** Default byte budget: 64 MiB of replies, about 100,000 typical ones. */
export const REPLY_CACHE_BYTES = 64 * 1024 * 1024;

export interface ReplyCacheOptions {
  maxEntries?: number;
  /** Bytes the kept replies may hold in all (ENTRY_OVERHEAD_BYTES counted per entry); default REPLY_CACHE_BYTES. */
  maxBytes?: number;
  /** The cluster's second level, and where its outages are logged; absent on a single node. */
  shared?: { replies: SharedReplies; log: Logger };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An `error` reply (which changed nothing) and no reply at all are not kept. */
function keepable(reply: EncodedReply | undefined): reply is EncodedReply {
  return reply !== undefined && reply.message.t !== 'error';
}

/**
 * The reply's bytes in a buffer of their own: the encoder returns a view into a slab it
 * shares between messages, which a kept reply would otherwise hold alive for ten minutes.
 */
function compact(reply: EncodedReply | undefined): EncodedReply | undefined {
  return keepable(reply) ? new EncodedReply(reply.message, reply.bytes.slice()) : reply;
}

export class ReplyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private heldBytes = 0;
  /** The shared level failed last time: its recovery is logged, further failures are not. */
  private sharedFailing = false;
  /** Shared-level traffic, for benchmarks and tests. */
  readonly stats = { sharedHits: 0, sharedMisses: 0, sharedFailures: 0 };

  constructor(
    private readonly ttlMs: number,
    private readonly options: ReplyCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxBytes = options.maxBytes ?? REPLY_CACHE_BYTES;
  }

  /** Runs `handle` unless the same request was seen (here or, in a cluster, on any node): then returns the first reply. */
  async run(deviceId: string, rid: number, requestBytes: Uint8Array, nowMs: number, handle: () => Promise<EncodedReply | undefined>): Promise<Outcome> {
    this.prune(nowMs);
    const key = `${deviceId}\u0000${rid}`;
    const digest = requestDigest(requestBytes);
    const seen = this.entries.get(key);
    if (seen && sameBytes(seen.requestDigest, digest)) {
      const first = await seen.outcome.catch(() => undefined);
      if (first && keepable(first.reply)) return { reply: first.reply, cached: true };
    }
    const outcome = this.answer(deviceId, rid, digest, handle);
    const entry: Entry = { requestDigest: digest, outcome, expiresAtMs: nowMs + this.ttlMs, bytes: ENTRY_OVERHEAD_BYTES };
    this.remove(key); // re-insert at the end: the map stays in expiry order
    this.entries.set(key, entry);
    this.heldBytes += entry.bytes;
    const settled = await outcome.catch((e: unknown) => {
      if (this.entries.get(key) === entry) this.remove(key);
      throw e;
    });
    if (this.entries.get(key) === entry) {
      if (!keepable(settled.reply)) this.remove(key);
      else {
        entry.bytes += settled.reply.bytes.length;
        this.heldBytes += settled.reply.bytes.length;
        this.prune(nowMs);
      }
    }
    return settled;
  }

  /**
   * A local miss: the shared level first, then the handler. A fresh answer is kept in the
   * shared level before it is returned (and so before it is sent): once a terminal has heard
   * an answer, every node knows it.
   */
  private async answer(deviceId: string, rid: number, digest: Uint8Array, handle: () => Promise<EncodedReply | undefined>): Promise<Outcome> {
    const shared = this.options.shared;
    if (!shared) return { reply: compact(await handle()), cached: false };
    const sharedKey = `${deviceId}:${rid}`;
    const kept = await this.fromShared(shared, sharedKey, digest);
    if (kept) return { reply: kept, cached: true };
    const reply = compact(await handle());
    if (keepable(reply)) await this.toShared(shared, sharedKey, packSharedReply(digest, reply));
    return { reply, cached: false };
  }

  private async fromShared(shared: NonNullable<ReplyCacheOptions['shared']>, key: string, digest: Uint8Array): Promise<EncodedReply | undefined> {
    let value: Uint8Array | undefined;
    try {
      value = await shared.replies.get(key);
      this.sharedWorked(shared.log);
    } catch (e) {
      this.sharedFailed(shared.log, e);
      return undefined;
    }
    if (value === undefined) {
      this.stats.sharedMisses++;
      return undefined;
    }
    const found = unpackSharedReply(value, digest);
    if (found.kind === 'hit') {
      this.stats.sharedHits++;
      return found.reply;
    }
    this.stats.sharedMisses++;
    if (found.kind === 'unreadable') shared.log.warn({ key, reason: found.reason }, 'a shared reply could not be read: handled as a miss');
    return undefined;
  }

  private async toShared(shared: NonNullable<ReplyCacheOptions['shared']>, key: string, value: Uint8Array): Promise<void> {
    try {
      await shared.replies.putIfAbsent(key, value, this.ttlMs);
      this.sharedWorked(shared.log);
    } catch (e) {
      this.sharedFailed(shared.log, e);
    }
  }

  private sharedFailed(log: Logger, error: unknown): void {
    this.stats.sharedFailures++;
    if (this.sharedFailing) return;
    this.sharedFailing = true;
    // The reason, not the stack: an outage is not a bug (broker/service/outage.ts).
    log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'shared reply cache unreachable: resends are answered from this node and the database until it is back');
  }

  private sharedWorked(log: Logger): void {
    if (!this.sharedFailing) return;
    this.sharedFailing = false;
    log.warn('shared reply cache reachable again');
  }

  /** Oldest first: the expired, then whatever exceeds the entry count or the byte budget. */
  private prune(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs && this.entries.size <= this.maxEntries && this.heldBytes <= this.maxBytes) break;
      this.remove(key);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held against the budget: every entry's overhead and every kept reply. */
  get retainedBytes(): number {
    return this.heldBytes;
  }
}
