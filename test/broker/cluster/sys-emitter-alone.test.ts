/**
 * The SysEmitter on its own against a real Redis: two emitters as two nodes, listeners on
 * filters that span both sides, removal, closing against a paused or absent Redis, and the
 * error when Redis cannot be reached.
 */
import { Redis } from 'ioredis';
import type { Message } from 'mqemitter';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterError } from '../../../broker/cluster/cluster-error.js';
import { SysEmitter } from '../../../broker/cluster/sys-emitter.js';
import { freePort } from '../../../sim/servers/free-port.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';
import { requireBinary } from '../../support/server-binaries.js';
import { settle, waitUntil } from '../server/support/broker-fixture.js';

const available = requireBinary('redis-server');
const quiet = pino({ level: 'silent' });

const emit = (mq: SysEmitter, topic: string): Promise<void> =>
  new Promise((resolve, reject) => mq.emit({ topic, payload: Buffer.from(topic) }, (e) => (e ? reject(e) : resolve())));
const on = (mq: SysEmitter, filter: string, listener: (m: Message, done: () => void) => void): Promise<void> => new Promise((resolve) => mq.on(filter, listener, resolve));

describe('connecting', () => {
  it('fails with redis-unreachable, and no password in the message, when nothing answers', async () => {
    const port = await freePort();
    const failure = await SysEmitter.connect({ redisUrl: `redis://user:secret@127.0.0.1:${port}`, connectTimeoutMs: 300, logger: quiet }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ClusterError);
    expect(failure).toMatchObject({ code: 'redis-unreachable' });
    expect(String((failure as Error).message)).not.toContain('secret');
  });
});

describe.runIf(available)('with Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  let one: SysEmitter;
  let two: SysEmitter;
  beforeEach(async () => {
    one = await SysEmitter.connect({ redisUrl: redis.url, logger: quiet });
    two = await SysEmitter.connect({ redisUrl: redis.url, logger: quiet });
  });
  afterEach(async () => {
    await one.closeAsync();
    await two.closeAsync();
  });

  it('hears everything local and the other node\'s $SYS on `#`, each once, until removed', async () => {
    const heard: string[] = [];
    const listener = (m: Message, done: () => void): void => {
      heard.push(m.topic);
      done();
    };
    await on(one, '#', listener);
    await emit(one, 'fairway/1/alice/up/login');
    await emit(two, 'fairway/1/bob/up/login'); // another node's: stays there
    await emit(two, '$SYS/two/new/clients');
    await waitUntil(() => heard.length === 2, 3000, 'two messages');
    await settle();
    expect(heard.sort()).toEqual(['$SYS/two/new/clients', 'fairway/1/alice/up/login']);

    await new Promise<void>((resolve) => one.removeListener('#', listener, resolve));
    await emit(one, 'fairway/1/alice/up/login');
    await emit(two, '$SYS/two/new/clients');
    await settle();
    expect(heard).toHaveLength(2);
  });

  it('delivers a heartbeat to its own node even while Redis is paused', async () => {
    const beats: string[] = [];
    await on(one, '$SYS/+/heartbeat', (m, done) => {
      beats.push(m.topic);
      done();
    });
    redis.pause();
    try {
      one.emit({ topic: '$SYS/one/heartbeat', payload: Buffer.from('one') });
      await waitUntil(() => beats.length === 1, 3000, 'the local heartbeat');
    } finally {
      redis.resume();
    }
    // And through Redis, once it answers again: the same node hears it a second time (harmless).
    await waitUntil(() => beats.length === 2, 3000, 'the heartbeat back from Redis');
  });

  it('refuses to publish $SYS while Redis is down instead of queueing it', async () => {
    await redis.kill();
    try {
      await waitUntil(() => !one.redisReady, 3000, 'the emitter to notice');
      await expect(emit(one, '$SYS/one/new/clients')).rejects.toMatchObject({ code: 'redis-unreachable' });
      await emit(one, 'fairway/1/alice/up/login'); // local traffic is unaffected
    } finally {
      await redis.start();
    }
  });

  it('closes without an unhandled rejection while reconnecting to a restarted Redis', async () => {
    // The race: a subscription queued while Redis was down, Redis back, the node closing just
    // as the connection comes up. mqemitter-redis's QUIT then fails and nobody awaits it; an
    // unhandled rejection would fail this run (and end a real node). Reached by watching the
    // subscriber connection's private status: the window is a few milliseconds wide.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let round = 0; round < 5; round++) {
        const mq = await SysEmitter.connect({ redisUrl: redis.url, logger: quiet });
        const [sub] = (mq as unknown as { connections: Array<{ status: string }> }).connections;
        await redis.kill();
        await waitUntil(() => !mq.redisReady, 3000, 'the emitter to notice');
        mq.on(`$SYS/+/round-${round}`, (_m, done) => done());
        await redis.start();
        const deadline = Date.now() + 5000;
        while (sub?.status !== 'connect' && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        await mq.closeAsync();
      }
      await settle(200);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('survives a re-subscribe Redis refuses after a reconnect (ioredis does not handle that rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const admin = new Redis(redis.url);
    try {
      await on(one, '$SYS/+/new/clients', (_m, done) => done());
      await one.subscriptionsSettled();
      // Subscribing is forbidden, then the subscriber connection is cut: ioredis reconnects
      // and re-subscribes on its own, and Redis answers NOPERM.
      await admin.call('ACL', 'SETUSER', 'default', '-psubscribe');
      expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0);
      await waitUntil(() => one.redisReady, 5000, 'the reconnect');
      await settle(300);
      expect(unhandled).toEqual([]);
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+@all');
      admin.disconnect();
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('closes promptly against a paused Redis, and closing twice is fine', async () => {
    redis.pause();
    try {
      const started = Date.now();
      await one.closeAsync();
      await one.closeAsync();
      expect(Date.now() - started).toBeLessThan(4000);
      expect(one.closed).toBe(true);
    } finally {
      redis.resume();
    }
  });
});
