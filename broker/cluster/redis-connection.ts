/**
 * The one Redis connection a cluster node keeps [issue 11 §3], set up for a store that must
 * answer "unavailable" at once while Redis is down, never hang and never act late:
 *
 * - `enableOfflineQueue: false`: while disconnected a command rejects at once instead of
 *   waiting in ioredis' queue for a reconnect (ioredis checks this before queueing).
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: a command in flight
 *   when the connection drops is rejected at the first close, and never written again after
 *   the reconnect — a nonce claim or a guess the caller was told had failed must not take
 *   effect later behind its back.
 * - `commandTimeout`: a Redis that accepts but does not answer (stopped, swapping) fails the
 *   command instead of holding the request; `connectTimeout` bounds each connection attempt.
 * - `retryStrategy` never gives up: reconnects in the background with a capped back-off, so
 *   service resumes by itself when Redis is back.
 *
 * Failures that mean "Redis is not there" become DependencyUnavailableError (the dispatcher
 * answers `unavailable`); anything else (a script bug, WRONGTYPE) stays what it is. The
 * outage is logged once when it starts and once when it ends, not per command.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DependencyUnavailableError, isOutage } from '../service/outage.js';
import { parseRedisUrl, type RedisLocation } from './redis-url.js';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  log: Logger;
  /** Each connection attempt; default 2 s. */
  connectTimeoutMs?: number;
  /** Each command; default 1 s (Redis answers in well under a millisecond when it is well). */
  commandTimeoutMs?: number;
}

/** Reconnect back-off: 50 ms doubling to 2 s, for ever. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(2_000, 50 * 2 ** Math.min(attempt - 1, 6));
}

export class RedisConnection {
  readonly client: Redis;
  readonly location: RedisLocation;
  private issued = 0;
  /** An outage was logged and its end not yet. */
  private down = false;
  private closing = false;
  private readonly log: Logger;

  constructor(options: RedisConnectionOptions) {
    this.location = parseRedisUrl(options.url);
    this.log = options.log;
    const { host, port, db, tls, username, password } = this.location;
    this.client = new Redis({
      host,
      port,
      db,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls: {} } : {}),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      retryStrategy: reconnectDelayMs,
    });
    // Without an 'error' listener ioredis prints every failed reconnect to the console.
    this.client.on('ready', () => this.markUp());
    this.client.on('error', (err: Error) => this.markDown(err.message));
    this.client.on('close', () => this.markDown('connection closed'));
  }

  /** Redis commands this node has sent (a benchmark reports them per connect and per charge). */
  get commandsIssued(): number {
    return this.issued;
  }

  /**
   * Sends `commands` Redis commands through `send`: counted, and an unreachable Redis turned
   * into DependencyUnavailableError.
   */
  async run<T>(commands: number, send: (client: Redis) => Promise<T>): Promise<T> {
    this.issued += commands;
    try {
      return await send(this.client);
    } catch (e) {
      throw this.classify(e);
    }
  }

  /** Resolves once connected and ready; rejects with DependencyUnavailableError after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new DependencyUnavailableError('redis', `Redis at ${this.location.display} did not become ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  /** QUIT when connected (pending replies arrive first); otherwise stop reconnecting at once. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Lost between the check and the QUIT: fall through and cut it.
      }
    }
    this.client.disconnect();
  }

  private classify(e: unknown): unknown {
    if (e instanceof DependencyUnavailableError) return e;
    const message = e instanceof Error ? e.message : String(e);
    const unreachable = this.closing || this.client.status !== 'ready' || isOutage(e) || message.includes('Command timed out');
    return unreachable ? new DependencyUnavailableError('redis', `Redis at ${this.location.display} unreachable: ${message}`, { cause: e }) : e;
  }

  private markDown(reason: string): void {
    if (this.closing || this.down) return;
    this.down = true;
    this.log.warn({ redis: this.location.display, reason }, 'Redis unreachable: nonces, guess limits and shared replies answer unavailable until it is back');
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.log.warn({ redis: this.location.display }, 'Redis reachable again');
  }
}
