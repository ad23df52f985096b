/**
 * The terminal's side of the wire: one MQTT connection at a time to the store, made again
 * with exponential back-off and full jitter whenever it drops [FW-2, FW-7.7], logged in
 * before anything else is sent, and the one outbound choke point for every request.
 *
 * Requests resend the same bytes under the same rid until a reply comes [FW-7.4.1]: on a
 * timer while connected and at once after every reconnect, so a request survives any number
 * of drops; the store's reply cache makes the repeats harmless [FW-3.6]. `chunks.get` is the
 * exception: it is sent once, and the downloader's window timeout asks again [FW-7.4.2].
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Clock, Timer } from '../../sdk/hal/clock.js';
import type { Crypto, Signer } from '../../sdk/hal/crypto.js';
import type { Link } from '../../sdk/hal/link.js';
import { MqttClient } from '../../sdk/mqtt/index.js';
import { decodeMessage, downFilter, encodeMessage, parseTopic, topicFor, type DownMessage, type MessageOf, type UpMessage } from '../../sdk/wire/index.js';
import { DEFAULT_RECONNECT_BACKOFF, DEFAULT_RESEND, fullJitterDelayMs, resendDelayMs, type BackoffPolicy, type ResendPolicy } from './backoff.js';
import { makeCredential } from './credential.js';

/** Error codes that mean "resend the same request after `retryAfterMs`". */
const COME_BACK_LATER: ReadonlySet<string> = new Set(['busy', 'rate-limited', 'unavailable']);

export type Chunk = MessageOf<'chunk'>;
type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'v' | 'rid'> : never;
export type RequestBody = WithoutEnvelope<Exclude<UpMessage, { t: 'chunks.get' }>>;

/** Why the session gave up for good; anything else is retried. */
export type SessionStopReason = 'not-enrolled' | 'login-refused' | 'bad-client-id';

export interface SessionEvents {
  /** The radio came up (connected, subscribed and logged in) or went down. */
  online(info: { balance: number; currency: string; reconnects: number }): void;
  offline(info: { reason: string; retryInMs: number; attempt: number }): void;
  /** The session stopped trying: the store will not take this device or user. */
  refused(reason: SessionStopReason, message: string): void;
  /** Awaited before the next bytes are read, so a slow flash write slows the link down. */
  chunk(chunk: Chunk): void | Promise<void>;
  /** A refusal or error answering a window request (hold-expired, unknown-transfer, busy). */
  chunkReply(reply: DownMessage): void;
  /** MQTT is up and subscribed; login comes next. */
  connected?(): void;
  /** A body that failed to decode, or a reply nobody waits for (counted, never fatal). */
  dropped?(why: string): void;
}

export interface SessionOptions {
  deviceId: string;
  user: string;
  password: string;
  keepAliveSeconds?: number;
  connectTimeoutMs?: number;
  loginTimeoutMs?: number;
  backoff?: BackoffPolicy;
  resend?: ResendPolicy;
}

export interface SessionHal {
  link: Link;
  clock: Clock;
  crypto: Crypto;
  signer: Signer;
}

export interface PendingRequest {
  readonly rid: number;
  readonly reply: Promise<DownMessage>;
  cancel(): void;
}

interface Waiting {
  rid: number;
  type: UpMessage['t'];
  bytes: Uint8Array;
  attempt: number;
  timer: Timer | null;
  resolve(m: DownMessage): void;
  reject(e: unknown): void;
}

export class StoreSession {
  private client: MqttClient | null = null;
  private loggedIn = false;
  private stopped = false;
  private started = false;
  private nextRid: number;
  private reconnects = 0;
  private readonly waiting = new Map<number, Waiting>();
  /** Rids of recent window requests, so their refusals reach the downloader (bounded). */
  private readonly chunkRids = new Set<number>();
  private sleepTimer: Timer | null = null;
  private wake: (() => void) | null = null;
  private readonly backoff: BackoffPolicy;
  private readonly resend: ResendPolicy;
  /**
   * The resumption ticket from the last login.ok [FW-4.2.4], for the next connection's login:
   * in memory only, so a reboot logs in with the password (the ticket is a bearer secret, and
   * the password is in the options anyway).
   */
  private ticket: { bytes: Uint8Array; expMs: number } | null = null;
  /** Counters a UI or a test reads. */
  readonly stats = { connects: 0, drops: 0, requestsSent: 0, resends: 0, droppedBodies: 0, chunkRequests: 0, ticketLogins: 0, passwordLogins: 0, ticketsRefused: 0 };

  constructor(
    private readonly hal: SessionHal,
    private readonly options: SessionOptions,
    private readonly events: SessionEvents,
  ) {
    this.backoff = options.backoff ?? DEFAULT_RECONNECT_BACKOFF;
    this.resend = options.resend ?? DEFAULT_RESEND;
    // A random start keeps rids of a rebooted terminal clear of the store's reply cache [FW-3.6].
    const r = hal.crypto.randomBytes(4);
    this.nextRid = (((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 1) + 1;
  }

  get online(): boolean {
    return this.loggedIn && this.client !== null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sleepTimer?.cancel();
    this.wake?.();
    for (const w of this.waiting.values()) {
      w.timer?.cancel();
      w.reject(new FairwayError('closed', 'the session stopped'));
    }
    this.waiting.clear();
    const client = this.client;
    this.client = null;
    this.loggedIn = false;
    await client?.close().catch(() => undefined);
  }

  /** Drops the connection as a radio fade would (tests and a vendor's "airplane mode"). */
  async dropLink(): Promise<void> {
    await this.client?.close().catch(() => undefined);
  }

  takeRid(): number {
    const rid = this.nextRid;
    this.nextRid = this.nextRid >= 0xffff_ffff ? 1 : this.nextRid + 1;
    return rid;
  }

  /** Sends a request (resent until answered) and resolves with its reply. */
  request(body: RequestBody): PendingRequest {
    const rid = this.takeRid();
    const bytes = encodeMessage({ v: 1, rid, ...body } as never);
    return this.requestEncoded(body.t, rid, bytes);
  }

  /** Re-sends bytes encoded earlier (a persisted receipt) under their own rid [FW-8.1]. */
  requestEncoded(type: UpMessage['t'], rid: number, bytes: Uint8Array): PendingRequest {
    let waiting!: Waiting;
    const reply = new Promise<DownMessage>((resolve, reject) => {
      waiting = { rid, type, bytes, attempt: 0, timer: null, resolve, reject };
    });
    // A caller that walked away (its actor stopped) must not leave an unhandled rejection.
    reply.catch(() => undefined);
    if (this.stopped) waiting.reject(new FairwayError('closed', 'the session stopped'));
    else {
      this.waiting.set(rid, waiting);
      if (this.online) this.transmit(waiting);
    }
    return {
      rid,
      reply,
      cancel: () => {
        waiting.timer?.cancel();
        this.waiting.delete(rid);
      },
    };
  }

  /** A window request: sent once if online, never queued [FW-7.4.2]. False when offline. */
  async requestChunks(body: Omit<MessageOf<'chunks.get'>, 'v' | 'rid' | 't'>): Promise<number | null> {
    if (!this.online || !this.client) return null;
    const rid = this.takeRid();
    const bytes = encodeMessage({ v: 1, t: 'chunks.get', rid, ...body });
    this.stats.chunkRequests++;
    this.chunkRids.add(rid);
    if (this.chunkRids.size > 1024) this.chunkRids.delete(this.chunkRids.values().next().value as number);
    try {
      await this.client.publish(topicFor(this.options.deviceId, 'chunks.get'), bytes, 1);
      return rid;
    } catch {
      return null;
    }
  }

  private transmit(w: Waiting): void {
    w.timer?.cancel();
    const client = this.client;
    if (client && this.loggedIn) {
      if (w.attempt > 0) this.stats.resends++;
      this.stats.requestsSent++;
      client.publish(topicFor(this.options.deviceId, w.type), w.bytes, 1).catch(() => undefined);
    }
    const delayMs = resendDelayMs(this.resend, w.attempt, this.hal.crypto);
    w.attempt++;
    w.timer = this.hal.clock.setTimer(delayMs, () => {
      if (this.waiting.get(w.rid) === w) this.transmit(w);
    });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let reason = 'connect failed';
      try {
        reason = await this.connectOnce();
        attempt = 0;
      } catch (e) {
        const stop = this.stopReason(e);
        if (stop) {
          this.stopped = true;
          this.events.refused(stop.reason, stop.message);
          return;
        }
        reason = e instanceof Error ? e.message : String(e);
      }
      if (this.stopped) return;
      const retryInMs = fullJitterDelayMs(this.backoff, attempt, this.hal.crypto);
      this.events.offline({ reason, retryInMs, attempt });
      attempt++;
      await this.sleep(retryInMs);
    }
  }

  /** One connection's life: resolves with why it ended; throws if it never came up. */
  private async connectOnce(): Promise<string> {
    const { deviceId } = this.options;
    const password = await makeCredential(deviceId, this.hal.signer, this.hal.crypto, this.hal.clock);
    const client = await MqttClient.connect(this.hal.link, this.hal.clock, {
      clientId: deviceId,
      username: deviceId,
      password,
      keepAliveSeconds: this.options.keepAliveSeconds ?? 30,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
    });
    this.stats.connects++;
    const ended = new Promise<string>((resolve) => client.onClose((why) => resolve(why ? why.message : 'closed')));
    client.onMessage((topic, payload) => this.inbound(topic, payload));
    if (this.stopped) {
      await client.close();
      return 'stopped';
    }
    this.client = client;
    try {
      await client.subscribe(downFilter(deviceId), 1);
      this.events.connected?.();
      const ok = await this.login(client, ended);
      this.loggedIn = true;
      if (this.stats.connects > 1) this.reconnects++;
      this.events.online({ balance: ok.balance, currency: ok.currency, reconnects: this.reconnects });
      for (const w of [...this.waiting.values()]) this.transmit(w);
    } catch (e) {
      this.client = null;
      await client.close().catch(() => undefined);
      throw e;
    }
    const why = await ended;
    this.stats.drops++;
    this.client = null;
    this.loggedIn = false;
    return why;
  }

  /**
   * Login goes before every queued request on each new connection [FW-4.2]: with the ticket
   * from the last login.ok when there is one (the store spends no password check on it), with
   * the password otherwise or when the store refuses the ticket [FW-4.2.5].
   */
  private async login(client: MqttClient, ended: Promise<string>): Promise<MessageOf<'login.ok'>> {
    const ticket = this.ticket;
    // A ticket is good for one login: whatever happens to this one, it is not sent again,
    // except after an `error` answer, which changed nothing at the store [FW-10.1].
    this.ticket = null;
    let answer: DownMessage | null = null;
    if (ticket !== null && ticket.expMs > this.hal.clock.wallMs()) {
      answer = await this.loginOnce(client, ended, { ticket: ticket.bytes });
      if (answer.t === 'error') this.ticket = ticket;
      else if (answer.t === 'login.ok') this.stats.ticketLogins++;
      else if (answer.t === 'refusal' && answer.code === 'ticket-refused') {
        this.stats.ticketsRefused++;
        answer = null;
      }
    }
    if (answer === null) {
      answer = await this.loginOnce(client, ended, { password: this.options.password, wantTicket: true });
      // A store that predates tickets refuses the unknown field [FW-4.2]: the password alone, then.
      if (answer.t === 'error' && answer.code === 'bad-request') answer = await this.loginOnce(client, ended, { password: this.options.password });
      if (answer.t === 'login.ok') this.stats.passwordLogins++;
    }
    if (answer.t === 'login.ok') {
      if (answer.ticket !== undefined && answer.ticketExp !== undefined) this.ticket = { bytes: answer.ticket, expMs: answer.ticketExp };
      return answer;
    }
    if (answer.t === 'refusal') throw new LoginRefused(answer.code, answer.message);
    throw new FairwayError('io', `login answered ${answer.t}${'code' in answer ? ` ${answer.code}` : ''}`);
  }

  /** One login request on this connection and its answer, whatever it is. */
  private async loginOnce(client: MqttClient, ended: Promise<string>, proof: { password: string; wantTicket?: true } | { ticket: Uint8Array }): Promise<DownMessage> {
    const rid = this.takeRid();
    const bytes = encodeMessage({ v: 1, t: 'login', rid, user: this.options.user, ...proof });
    const timeoutMs = this.options.loginTimeoutMs ?? 10_000;
    const reply = new Promise<DownMessage>((resolve, reject) => {
      const timer = this.hal.clock.setTimer(timeoutMs, () => {
        this.waiting.delete(rid);
        reject(new FairwayError('timeout', `no login answer within ${timeoutMs} ms`));
      });
      this.waiting.set(rid, {
        rid,
        type: 'login',
        bytes,
        attempt: 0,
        timer,
        resolve: (m) => {
          timer.cancel();
          resolve(m);
        },
        reject,
      });
      void ended.then((why) => {
        timer.cancel();
        this.waiting.delete(rid);
        reject(new FairwayError('link-reset', `link dropped during login: ${why}`));
      });
    });
    reply.catch(() => undefined); // it may fail while the publish below is still in flight
    await client.publish(topicFor(this.options.deviceId, 'login'), bytes, 1);
    return reply;
  }

  private stopReason(e: unknown): { reason: SessionStopReason; message: string } | null {
    if (e instanceof LoginRefused) {
      return { reason: e.code === 'terminal-not-enrolled' ? 'not-enrolled' : 'login-refused', message: e.message };
    }
    const code = (e as { returnCode?: number }).returnCode;
    if (code === 5) return { reason: 'not-enrolled', message: 'the store does not let this device connect (CONNACK 5): it needs enrolment' };
    if (code === 2) return { reason: 'bad-client-id', message: 'the store refused the device id (CONNACK 2)' };
    return null;
  }

  private async inbound(topic: string, payload: Uint8Array): Promise<void> {
    const parsed = parseTopic(topic);
    let message: DownMessage;
    try {
      if (!parsed || parsed.deviceId !== this.options.deviceId || parsed.dir !== 'down') throw new FairwayError('out-of-range', `not one of this device's down topics: ${topic}`);
      message = decodeMessage(payload, { direction: 'down', expect: parsed.type }) as DownMessage;
    } catch (e) {
      this.drop(`undecodable body on ${topic}: ${(e as Error).message}`);
      return;
    }
    if (message.t === 'chunk') {
      await this.events.chunk(message);
      return;
    }
    const rid = 'rid' in message ? message.rid : undefined;
    if (rid !== undefined && this.chunkRids.delete(rid)) {
      this.events.chunkReply(message);
      return;
    }
    const w = rid === undefined ? undefined : this.waiting.get(rid);
    if (!w) {
      this.drop(`${message.t} answers no waiting request (rid ${rid ?? 'none'})`);
      return;
    }
    // busy / rate-limited / unavailable: the store asks us to come back later with the same
    // bytes [FW-7.4.4, FW-10.1]; nothing changed at the store.
    if (message.t === 'error' && COME_BACK_LATER.has(message.code) && w.type !== 'login') {
      w.timer?.cancel();
      w.timer = this.hal.clock.setTimer(message.retryAfterMs ?? 1_000, () => {
        if (this.waiting.get(w.rid) === w) this.transmit(w);
      });
      return;
    }
    w.timer?.cancel();
    this.waiting.delete(w.rid);
    w.resolve(message);
  }

  private drop(why: string): void {
    this.stats.droppedBodies++;
    this.events.dropped?.(why);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = this.hal.clock.setTimer(ms, resolve);
    });
  }
}

export class LoginRefused extends FairwayError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super('invalid-argument', `login refused (${code}): ${message}`);
  }
}
