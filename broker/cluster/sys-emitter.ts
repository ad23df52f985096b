/**
 * aedes' message bus (`mq`) for cluster mode: a local mqemitter for everything, and an
 * mqemitter-redis for aedes' own `$SYS/…` traffic only (sys-routes.ts says which is which
 * and why). With plain mqemitter-redis as `mq`, every chunk to every terminal and every
 * terminal's request would cross Redis and reach every node's store.
 *
 * What aedes 1.2.0 calls on `mq` (aedes.js, lib/handlers/subscribe.js): `on(filter, listener,
 * done?)` and `removeListener(filter, listener, done?)` for its own $SYS listeners, the
 * store's subscription and each client's subscriptions; `emit(packet, done)` for every
 * publish; `close(cb)` from `aedes.close()`. Nothing else — not `current`, not `concurrency` —
 * though both are kept for code that reads them off an mqemitter.
 *
 * Lifetime: aedes closes its `mq` when the broker closes, so `broker.close()` closes this and
 * its two Redis connections. close() is idempotent; whoever creates one and then fails to
 * hand it to a broker closes it.
 *
 * Redis failures never take the node down: connection errors are logged (mqemitter-redis
 * re-emits them on an EventEmitter that would otherwise throw them as uncaught), publishes
 * made while Redis is unreachable fail at once instead of queueing (emitRemote says why),
 * commands whose promises mqemitter-redis and ioredis drop cannot become unhandled
 * rejections (observeDroppedPromises), and ioredis reconnects and re-subscribes by itself
 * when Redis is back.
 */
import type { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import mqemitter, { type Message, type MQEmitter } from 'mqemitter';
import MQEmitterRedis from 'mqemitter-redis';
import { pino, type Logger } from 'pino';
import { ClusterError } from './cluster-error.js';
import { routeFilter, routeTopic } from './sys-routes.js';

type Listener = (message: Message, done: () => void) => void;

export interface SysEmitterOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  redisUrl: string;
  /**
   * Messages the local side delivers at once; the rest wait. aedes' own default emitter uses
   * its `concurrency` option, 100 by default; so does this.
   */
  concurrency?: number;
  /** How long connect() waits for Redis; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Shown by Redis `CLIENT LIST`, so an operator can tell the nodes' connections apart. */
  connectionName?: string;
  logger?: Logger;
}

const DEFAULT_CONCURRENCY = 100;
const CLOSE_GRACE_MS = 2000;

/** Watches one Redis connection: logs when it is lost and when it is back, not every retry. */
function watchConnection(conn: Redis, role: string, logger: Logger): void {
  let lost = false;
  conn.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    logger.warn({ role, reason: error.message }, 'redis connection failed: cross-node client takeover is off until it is back');
  });
  conn.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info({ role }, 'redis connection back');
  });
}

/**
 * Commands whose promise their caller drops: mqemitter-redis closes with `quit()` and ignores
 * the result, and ioredis 5 restores a subscriber after a reconnect with `select`,
 * `subscribe` and `psubscribe` the same way (fixed upstream in ioredis PR #2187, not in
 * 5.11). Should one fail — the connection closes under it, or Redis refuses it — the
 * rejection is unhandled, and an unhandled rejection ends a Node process. Here each gets a
 * handler; the failure itself shows up as a connection error or, for a refused re-subscribe,
 * as a node that no longer hears the others (there is nothing better to do with it here).
 */
const DROPPED_PROMISE_COMMANDS = ['quit', 'select', 'subscribe', 'psubscribe'] as const;

function observeDroppedPromises(conn: Redis): void {
  const methods = conn as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of DROPPED_PROMISE_COMMANDS) {
    const original = methods[name]?.bind(conn);
    if (!original) continue;
    methods[name] = (...args: unknown[]) => {
      const result = original(...args);
      result.catch(() => undefined);
      return result;
    };
  }
}

export class SysEmitter implements MQEmitter {
  readonly concurrency: number;
  private readonly local: MQEmitter;
  private readonly remote: MQEmitter;
  private readonly connections: [Redis, Redis];
  private pendingRemote = 0;
  private readonly settledWaiters: Array<() => void> = [];
  private closing: Promise<void> | undefined;

  /** Opens the two Redis connections (subscriber, publisher) and waits until both are ready. */
  static async connect(options: SysEmitterOptions): Promise<SysEmitter> {
    const logger = options.logger ?? pino({ name: 'fairway-sys-emitter', level: process.env['FAIRWAY_LOG_LEVEL'] ?? 'info' });
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 0) throw new ClusterError('invalid-argument', `concurrency must be a non-negative integer, got ${concurrency}`);
    const name = options.connectionName ?? 'fairway-sys';
    const subConn = new Redis(options.redisUrl, { connectionName: `${name}-sub` });
    const pubConn = new Redis(options.redisUrl, { connectionName: `${name}-pub` });
    const emitter = new SysEmitter(subConn, pubConn, concurrency, logger);

    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const ready = (conn: Redis): Promise<void> => (conn.status === 'ready' ? Promise.resolve() : new Promise((resolve) => conn.once('ready', () => resolve())));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([Promise.all([ready(subConn), ready(pubConn)]), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      await emitter.closeAsync();
      // The URL may carry a password: name only where it points.
      const where = /@/.test(options.redisUrl) ? options.redisUrl.replace(/\/\/[^@]*@/, '//…@') : options.redisUrl;
      throw new ClusterError('redis-unreachable', `Redis at ${where} not ready within ${timeoutMs} ms`);
    }
    return emitter;
  }

  private constructor(subConn: Redis, pubConn: Redis, concurrency: number, logger: Logger) {
    this.concurrency = concurrency;
    this.connections = [subConn, pubConn];
    watchConnection(subConn, 'subscriber', logger);
    watchConnection(pubConn, 'publisher', logger);
    for (const conn of this.connections) observeDroppedPromises(conn);
    // matchEmptyLevels: `a/#` also matches `a`, as MQTT says [MQTT-4.7.1-3]; aedes builds its own emitter the same way.
    this.local = mqemitter({ concurrency, matchEmptyLevels: true });
    const remote = MQEmitterRedis({ subConn, pubConn, matchEmptyLevels: true });
    // Connection errors are re-emitted here; an EventEmitter with no 'error' listener throws.
    // watchConnection() logs them.
    (remote as unknown as { state: EventEmitter }).state.on('error', () => undefined);
    this.remote = remote;
  }

  /** Messages being delivered on both sides now. */
  get current(): number {
    return this.local.current + this.remote.current;
  }

  /** mqemitter's type file names its concurrency limit `concurrent`; its code says `concurrency`. */
  get concurrent(): number {
    return this.concurrency;
  }

  /** Whether both Redis connections are up (a readiness probe can report it). */
  get redisReady(): boolean {
    return this.connections.every((c) => c.status === 'ready');
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  on(filter: string, listener: Listener, done?: () => void): this {
    const route = routeFilter(filter);
    this.both(
      route.local === undefined ? undefined : (cb) => this.local.on(route.local as string, listener, cb),
      route.redis === undefined ? undefined : (cb) => this.remote.on(route.redis as string, listener, cb),
      done,
    );
    return this;
  }

  removeListener(filter: string, listener: Listener, done?: () => void): void {
    const route = routeFilter(filter);
    this.both(
      route.local === undefined ? undefined : (cb) => this.local.removeListener(route.local as string, listener, cb),
      route.redis === undefined ? undefined : (cb) => this.remote.removeListener(route.redis as string, listener, cb),
      done,
    );
  }

  emit(message: Message, done?: (error?: Error) => void): void {
    const route = routeTopic(message.topic);
    if (route === 'local') return this.local.emit(message, done);
    if (route === 'redis') return this.emitRemote(message, done);
    // Both: the Redis side's error (if any) is the one worth reporting.
    let left = 2;
    let failure: Error | undefined;
    const one = (error?: Error): void => {
      failure ??= error;
      if (--left === 0) done?.(failure);
    };
    this.local.emit(message, one);
    this.emitRemote(message, one);
  }

  /**
   * Publishes through Redis only while connected: ioredis would queue the command until it
   * reconnects, and a takeover delivered late can close a connection that is by then the
   * device's current one. (The queue itself stays on: mqemitter-redis closes with QUIT, which
   * ioredis answers locally when offline only if it may queue.)
   */
  private emitRemote(message: Message, done?: (error?: Error) => void): void {
    const [, pubConn] = this.connections;
    if (pubConn.status !== 'ready') {
      done?.(new ClusterError('redis-unreachable', `not published on ${message.topic}: Redis is ${pubConn.status}`));
      return;
    }
    this.remote.emit(message, done);
  }

  /**
   * Resolves once every Redis subscription asked for so far is in place (aedes subscribes
   * without waiting; a test that needs other nodes to hear this one waits here).
   */
  subscriptionsSettled(): Promise<void> {
    if (this.pendingRemote === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  close(cb: () => void): void {
    this.closeAsync().then(cb, cb);
  }

  closeAsync(): Promise<void> {
    this.closing ??= (async () => {
      // mqemitter-redis closes with QUIT and waits until both connections have ended. A
      // connection that is down never ends that way (ioredis is between reconnect attempts),
      // and one to a paused Redis gets no answer: those are dropped instead of waited for.
      const reachable = this.redisReady;
      if (!reachable) this.connections.forEach((c) => c.disconnect());
      const remoteClosed = new Promise<void>((resolve) => this.remote.close(resolve));
      let grace: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, reachable ? CLOSE_GRACE_MS : 0)));
      await Promise.all([new Promise<void>((resolve) => this.local.close(resolve)), Promise.race([remoteClosed, graceOver])]);
      clearTimeout(grace);
      // Stops any reconnect loop still running; a no-op on a connection that has ended.
      this.connections.forEach((c) => c.disconnect());
    })();
    return this.closing;
  }

  /** Runs the local and Redis halves of an on/removeListener, and `done` once both are done. */
  private both(local: ((cb: () => void) => void) | undefined, redis: ((cb: () => void) => void) | undefined, done: (() => void) | undefined): void {
    let left = (local ? 1 : 0) + (redis ? 1 : 0);
    const one = (): void => {
      if (--left === 0) done?.();
    };
    local?.(one);
    if (redis) {
      this.pendingRemote++;
      redis(() => {
        if (--this.pendingRemote === 0) this.settledWaiters.splice(0).forEach((w) => w());
        one();
      });
    }
  }
}
