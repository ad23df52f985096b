/**
 * Shared state for a cluster [issue 11 §3]: what every node must agree on, in one Redis.
 *
 * Keys (under a prefix, `fairway:` by default; tests give each their own):
 * - `nonce:<hex>` — a credential nonce, until its credential's window has passed (SET NX PX);
 * - `guess:<login|card>:<device|user>:<id>` — guess counters (redis-guess-limiter.ts);
 * - `reply:<device>:<rid>` — the second level of the reply cache (reply-cache.ts says what
 *   the value holds), first answer wins (SET NX PX).
 *
 * Redis commands per operation: a CONNECT claims one nonce (1); a login reserves a guess (1)
 * and, when the password is right, clears it (1); a cached request type (a receipt, a card,
 * an offer…) looks in the shared level (1) and, on a miss, keeps its answer there (1).
 */
import type { Logger } from 'pino';
import { RedisConnection } from './redis-connection.js';
import { RedisGuessLimiter } from './redis-guess-limiter.js';
import { CARD_GUESSES, LOGIN_GUESSES, nonceKey, type GuessLimiter, type SharedReplies, type SharedState } from './shared-state.js';

export interface RedisSharedStateOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…`. */
  url: string;
  log: Logger;
  /** Prepended to every key; default `fairway:`. */
  keyPrefix?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

/** A Uint8Array as a Buffer over the same memory (ioredis sends Buffers as raw bytes). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

class RedisReplies implements SharedReplies {
  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await this.connection.run(1, (c) => c.getBuffer(this.prefix + key));
    return value === null ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  async putIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.connection.run(1, (c) => c.set(this.prefix + key, asBuffer(value), 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
  }
}

export class RedisSharedState implements SharedState {
  readonly kind = 'redis';
  readonly loginLimiter: GuessLimiter;
  readonly cardLimiter: GuessLimiter;
  readonly replies: SharedReplies;
  private readonly connection: RedisConnection;
  private readonly prefix: string;

  /**
   * Connects in the background (commands reject until ready); `open` waits for it. Throws
   * RedisUrlError for a URL that is not one.
   */
  constructor(options: RedisSharedStateOptions) {
    this.connection = new RedisConnection({
      url: options.url,
      log: options.log,
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
    });
    this.prefix = options.keyPrefix ?? 'fairway:';
    this.loginLimiter = new RedisGuessLimiter(this.connection, `${this.prefix}guess:`, LOGIN_GUESSES);
    this.cardLimiter = new RedisGuessLimiter(this.connection, `${this.prefix}guess:`, CARD_GUESSES);
    this.replies = new RedisReplies(this.connection, `${this.prefix}reply:`);
  }

  /**
   * Connected and ready, or DependencyUnavailableError after `readyTimeoutMs` (default 5 s):
   * a node refuses to start without the Redis it was told to use, as without its database.
   */
  static async open(options: RedisSharedStateOptions & { readyTimeoutMs?: number }): Promise<RedisSharedState> {
    const state = new RedisSharedState(options);
    try {
      await state.connection.waitReady(options.readyTimeoutMs ?? 5_000);
      return state;
    } catch (e) {
      await state.close();
      throw e;
    }
  }

  async claimNonce(nonce: Uint8Array, forgetAtMs: number, nowMs: number): Promise<boolean> {
    // At least 1 ms: PX 0 is an error, and a credential at the very edge of its window is
    // still claimed (the authenticator already checked its time).
    const ttlMs = Math.max(1, Math.ceil(forgetAtMs - nowMs));
    const set = await this.connection.run(1, (c) => c.set(`${this.prefix}nonce:${nonceKey(nonce)}`, '1', 'PX', ttlMs, 'NX'));
    return set === 'OK';
  }

  async ping(): Promise<void> {
    await this.connection.run(1, (c) => c.ping());
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Redis commands this node has sent. */
  get commandsIssued(): number {
    return this.connection.commandsIssued;
  }

  /** Where it connects, for logs (no password). */
  get location(): string {
    return this.connection.location.display;
  }
}
