/**
 * A bare terminal for the fleet bench: the portable MqttClient over the Node port's TcpLink,
 * a fresh COSE credential signed with the device's enrolled Ed25519 key (makeCredential, as
 * the terminal runtime makes it), then the wire protocol by hand: login, offer.get, and
 * chunks.get windows kept outstanding. It skips what is the terminal's own cost and not the
 * broker's — manifest checks, chunk hashing, storage — so thousands fit in one process and the
 * broker, not the clients, is what the figures measure.
 *
 * Streaming cycles through the part: when a window has arrived the next one is asked for,
 * wrapping to chunk 0 after the last, so a terminal keeps downloading for as long as the bench
 * wants it to.
 */
import type { Socket } from 'node:net';
import { makeCredential } from '../../../device/session/credential.js';
import type { NodeCrypto, NodeSigner, SystemClock } from '../../../device/ports/node/index.js';
import { TcpLink } from '../../../device/ports/node/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { MqttClient } from '../../../sdk/mqtt/index.js';
import { decodeMessage, downFilter, encodeMessage, parseTopic, topicFor, type DownMessage, type MessageOf, type UpMessage } from '../../../sdk/wire/index.js';

export interface FleetDevice {
  deviceId: string;
  userId: string;
  password: string;
  signer: NodeSigner;
}

export interface TerminalDeps {
  port: number;
  clock: SystemClock;
  crypto: NodeCrypto;
}

export interface StreamPlan {
  transfer: Uint8Array;
  chunkCount: number;
  windowChunks: number;
  windowsOutstanding: number;
  /** Ask for every chunk once, then stop (the cluster bench's "fetch the whole part"); default: cycle until stopStreaming(). */
  onePass?: boolean;
}

type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'v' | 'rid'> : never;

/** Generous: thousands of logins and offers queue at one store during the bench. */
const REQUEST_TIMEOUT_MS = 120_000;
/** A window still incomplete after this is given up and asked for again [FW-7.4.2]. */
const WINDOW_TIMEOUT_MS = 30_000;

interface OpenWindow {
  remaining: number;
  timer: NodeJS.Timeout;
}

export class BenchTerminal {
  private nextRid = 1;
  private readonly waiting = new Map<number, { resolve(m: DownMessage): void; reject(e: FairwayError): void; timer: NodeJS.Timeout }>();
  private readonly windows = new Map<number, OpenWindow>();
  private plan: StreamPlan | undefined;
  private cursor = 0;
  /** Chunks asked for in this plan: a one-pass plan stops at chunkCount. */
  private asked = 0;
  private closed = false;
  /** Chunk payload bytes received since connecting. */
  receivedBytes = 0;
  /** Called for every chunk, with its payload size. */
  onChunk: ((terminal: BenchTerminal, bytes: number) => void) | undefined;
  /** Called once when the connection ends, for whatever reason. */
  onClosed: ((terminal: BenchTerminal) => void) | undefined;

  private constructor(
    readonly device: FleetDevice,
    private readonly client: MqttClient,
  ) {
    client.onMessage((topic, payload) => this.receive(topic, payload));
    client.onClose(() => {
      this.closed = true;
      this.stopStreaming();
      const gone = new FairwayError('closed', `${device.deviceId}: the connection closed`);
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(gone);
      }
      this.waiting.clear();
      this.onClosed?.(this);
    });
  }

  /**
   * CONNECT with a fresh credential, then SUBSCRIBE to the own down tree at QoS 1 [FW-2.5.1].
   * `onSocket` is handed the TCP socket (the slow-consumer phase stops one terminal reading).
   */
  static async connect(device: FleetDevice, deps: TerminalDeps, onSocket?: (socket: Socket) => void): Promise<BenchTerminal> {
    const password = await makeCredential(device.deviceId, device.signer, deps.crypto, deps.clock);
    const client = await MqttClient.connect(new TcpLink('127.0.0.1', deps.port, { connectTimeoutMs: 60_000, ...(onSocket ? { onSocket } : {}) }), deps.clock, {
      clientId: device.deviceId,
      username: device.deviceId,
      password,
      connectTimeoutMs: 60_000,
    });
    const terminal = new BenchTerminal(device, client);
    try {
      await client.subscribe(downFilter(device.deviceId), 1);
    } catch (error) {
      await client.close();
      throw error;
    }
    return terminal;
  }

  get isOpen(): boolean {
    return !this.closed && this.client.isOpen;
  }

  /** Password login; with `wantTicket`, returns the resumption ticket the store issued [FW-4.2.4]. */
  async login(options: { wantTicket?: boolean } = {}): Promise<Uint8Array | undefined> {
    const reply = await this.request({ t: 'login', user: this.device.userId, password: this.device.password, ...(options.wantTicket ? { wantTicket: true } : {}) });
    if (reply.t !== 'login.ok') throw unexpected(this.device.deviceId, 'login.ok', reply);
    return reply.ticket;
  }

  /** Ticket login (no password check at the store) [FW-4.2.5]; returns the next ticket. */
  async resume(ticket: Uint8Array): Promise<Uint8Array | undefined> {
    const reply = await this.request({ t: 'login', user: this.device.userId, ticket });
    if (reply.t !== 'login.ok') throw unexpected(this.device.deviceId, 'login.ok', reply);
    return reply.ticket;
  }

  /** offer.get for `partId`; returns the transfer id. */
  async offer(partId: string): Promise<Uint8Array> {
    const reply = await this.request({ t: 'offer.get', part: partId });
    if (reply.t !== 'offer') throw unexpected(this.device.deviceId, 'offer', reply);
    return reply.transfer;
  }

  /** Keeps `windowsOutstanding` windows of `windowChunks` asked for until stopStreaming(). */
  startStreaming(plan: StreamPlan): void {
    this.plan = plan;
    this.cursor = 0;
    this.asked = 0;
    for (let i = 0; i < plan.windowsOutstanding; i++) this.askWindow();
  }

  stopStreaming(): void {
    this.plan = undefined;
    for (const w of this.windows.values()) clearTimeout(w.timer);
    this.windows.clear();
  }

  /** receipt → charge: the signed receipt for a transfer this terminal was offered. */
  async receipt(receipt: Uint8Array): Promise<MessageOf<'charge'>> {
    const reply = await this.request({ t: 'receipt', receipt });
    if (reply.t !== 'charge') throw unexpected(this.device.deviceId, 'charge', reply);
    return reply;
  }

  /** seat.notices → seat.charges: what the abuse phase sends, junk notices included (each answered notice-refused). */
  async seatNotices(notices: Uint8Array[]): Promise<MessageOf<'seat.charges'>> {
    const reply = await this.request({ t: 'seat.notices', notices });
    if (reply.t !== 'seat.charges') throw unexpected(this.device.deviceId, 'seat.charges', reply);
    return reply;
  }

  async close(): Promise<void> {
    this.stopStreaming();
    await this.client.close();
  }

  /** Asks for the next window, or `again` (a lost window of a one-pass plan, which must not leave a gap). */
  private askWindow(again?: { first: number; count: number }): void {
    const plan = this.plan;
    if (!plan || this.closed) return;
    if (!again && plan.onePass && this.asked >= plan.chunkCount) return;
    const first = again?.first ?? this.cursor;
    const count = again?.count ?? Math.min(plan.windowChunks, plan.chunkCount - first);
    if (!again) {
      this.cursor = (first + count) % plan.chunkCount;
      this.asked += count;
    }
    const rid = this.nextRid++;
    const timer = setTimeout(() => {
      // Lost in a drop or a drain timeout: give the window up and ask again, as a terminal does.
      this.windows.delete(rid);
      this.askWindow(plan.onePass ? { first, count } : undefined);
    }, WINDOW_TIMEOUT_MS);
    this.windows.set(rid, { remaining: count, timer });
    this.publish({ v: 1, t: 'chunks.get', rid, transfer: plan.transfer, ranges: [[first, count]] });
  }

  private request(body: WithoutEnvelope<UpMessage>): Promise<DownMessage> {
    if (this.closed) return Promise.reject(new FairwayError('closed', `${this.device.deviceId}: the connection is closed`));
    const rid = this.nextRid++;
    const reply = new Promise<DownMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rid);
        reject(new FairwayError('timeout', `${this.device.deviceId}: no answer to ${body.t} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(rid, { resolve, reject, timer });
    });
    this.publish({ v: 1, rid, ...body } as UpMessage);
    return reply;
  }

  /** Started, not awaited: the read loop must not wait on a PUBACK it has yet to read. */
  private publish(message: UpMessage): void {
    this.client.publish(topicFor(this.device.deviceId, message.t), encodeMessage(message as never), 1).catch(() => {
      // The connection closed; onClose has failed whatever was waiting.
    });
  }

  private receive(topic: string, payload: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.deviceId !== this.device.deviceId || parsed.dir !== 'down') return;
    const message = decodeMessage(payload, { direction: 'down', expect: parsed.type });
    if (message.t === 'chunk') return this.onChunkMessage(message);
    const rid = (message as { rid?: number }).rid;
    const waiter = rid === undefined ? undefined : this.waiting.get(rid);
    if (!waiter || rid === undefined) return;
    this.waiting.delete(rid);
    clearTimeout(waiter.timer);
    waiter.resolve(message as DownMessage);
  }

  private onChunkMessage(chunk: MessageOf<'chunk'>): void {
    this.receivedBytes += chunk.d.length;
    this.onChunk?.(this, chunk.d.length);
    const window = this.windows.get(chunk.r);
    if (!window) return;
    if (--window.remaining > 0) return;
    clearTimeout(window.timer);
    this.windows.delete(chunk.r);
    this.askWindow();
  }
}

function unexpected(deviceId: string, wanted: string, reply: DownMessage): FairwayError {
  const detail = reply.t === 'refusal' || reply.t === 'error' ? `${reply.t} ${reply.code}: ${reply.message}` : reply.t;
  return new FairwayError('out-of-range', `${deviceId}: expected ${wanted}, got ${detail}`);
}
