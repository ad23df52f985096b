/**
 * The reply cache's shared level on a real redis-server: each ReplyCache is one node's. A
 * resend reaching another node is answered with the first node's bytes without running the
 * handler; the first answer wins; errors are not shared; a value that is not a reply, or
 * answers other request bytes under the same rid, is a miss; and with Redis down requests are
 * handled anyway (the database's idempotency holds), logged once per outage.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSharedState } from '../../../broker/cluster/redis-state.js';
import { EncodedReply } from '../../../broker/service/encoded-reply.js';
import { ReplyCache } from '../../../broker/service/reply-cache.js';
import { encodeMessage, type DownMessage } from '../../../sdk/wire/index.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';

const TTL_MS = 600_000;
let redis: RedisServer;
let raw: Redis;
const states: RedisSharedState[] = [];
let prefixes = 0;

const encoded = (message: DownMessage) => new EncodedReply(message, encodeMessage(message as never));
const charge = (balance: number) => encoded({ v: 1, t: 'charge', rid: 1, transfer: new Uint8Array(16), part: 'p', price: 5, balance, chargedAt: 1 });
const request = (...b: number[]) => new Uint8Array(b);
/** The bytes alone (cbor-x hangs a `dataView` on what it encodes; equality is about bytes). */
const plain = (reply: EncodedReply | undefined) => new Uint8Array(reply!.bytes);

function capturingLog(): { log: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), messages };
}

/** `count` nodes' reply caches over one shared level (a fresh key prefix), and that prefix. */
async function nodes(count: number, log = pino({ level: 'silent' })): Promise<{ caches: ReplyCache[]; prefix: string }> {
  const keyPrefix = `replies${process.pid}:${++prefixes}:`;
  const caches: ReplyCache[] = [];
  for (let i = 0; i < count; i++) {
    const state = await RedisSharedState.open({ url: redis.url, log, keyPrefix });
    states.push(state);
    caches.push(new ReplyCache(TTL_MS, { shared: { replies: state.replies, log } }));
  }
  return { caches, prefix: keyPrefix };
}

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  raw.on('error', () => undefined);
});

afterAll(async () => {
  await Promise.all(states.map((s) => s.close()));
  raw?.disconnect();
  await redis?.stop();
});

describe('the reply cache’s shared level', () => {
  it('answers a resend on another node with the first node’s bytes, without running the handler there', async () => {
    const { caches } = await nodes(2);
    const [a, b] = caches as [ReplyCache, ReplyCache];
    let effects = 0;
    const handle = async () => charge(100 - ++effects);
    const first = await a.run('hh-1', 7, request(1, 2, 3), 0, handle);
    const again = await b.run('hh-1', 7, request(1, 2, 3), 0, handle);
    expect(effects).toBe(1);
    expect(again.cached).toBe(true);
    expect(plain(again.reply)).toEqual(plain(first.reply));
    expect(again.reply!.message).toEqual(first.reply!.message);
    expect(b.stats.sharedHits).toBe(1);
  });

  it('keeps the first answer: a rid reused with other bytes runs, and does not replace it', async () => {
    const { caches } = await nodes(3);
    const [a, b, c] = caches as [ReplyCache, ReplyCache, ReplyCache];
    let effects = 0;
    const handle = async () => charge(++effects);
    const first = await a.run('hh-2', 1, request(1), 0, handle);
    const other = await b.run('hh-2', 1, request(2), 0, handle);
    expect(effects).toBe(2);
    expect(other.cached).toBe(false);
    expect(plain((await c.run('hh-2', 1, request(1), 0, handle)).reply)).toEqual(plain(first.reply));
    expect(effects).toBe(2);
  });

  it('does not share an error reply (it changed nothing): the other node runs the request', async () => {
    const { caches } = await nodes(2);
    const [a, b] = caches as [ReplyCache, ReplyCache];
    let effects = 0;
    const handle = async () => (++effects === 1 ? encoded({ v: 1, t: 'error', rid: 1, code: 'busy', message: '' }) : charge(1));
    await a.run('hh-3', 1, request(1), 0, handle);
    expect((await b.run('hh-3', 1, request(1), 0, handle)).reply!.message.t).toBe('charge');
    expect(effects).toBe(2);
  });

  it('takes a value that is not a kept reply for a miss, and says so', async () => {
    const { log, messages } = capturingLog();
    const { caches, prefix } = await nodes(1, log);
    await raw.set(`${prefix}reply:hh-4:1`, Buffer.from([9, 9, 9]));
    let effects = 0;
    const result = await caches[0]!.run('hh-4', 1, request(1), 0, async () => charge(++effects));
    expect(effects).toBe(1);
    expect(result.reply!.message.t).toBe('charge');
    expect(messages).toContain('a shared reply could not be read: handled as a miss');
  });

  it('with Redis down handles every request itself, logs the outage once, and shares again once Redis is back', async () => {
    const { log, messages } = capturingLog();
    const { caches } = await nodes(2, log);
    const [a, b] = caches as [ReplyCache, ReplyCache];
    let effects = 0;
    const handle = async () => charge(++effects);
    await redis.kill();
    try {
      for (let rid = 1; rid <= 3; rid++) expect((await a.run('hh-5', rid, request(rid), 0, handle)).reply!.message.t).toBe('charge');
      expect(effects).toBe(3);
      expect(messages.filter((m) => m.startsWith('shared reply cache unreachable'))).toHaveLength(1);
    } finally {
      await redis.start();
    }
    for (;;) {
      try {
        await states[states.length - 1]!.ping();
        await states[states.length - 2]!.ping();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const first = await a.run('hh-5', 9, request(9), 0, handle);
    expect(messages).toContain('shared reply cache reachable again');
    expect(plain((await b.run('hh-5', 9, request(9), 0, handle)).reply)).toEqual(plain(first.reply));
    expect(effects).toBe(4);
  });
});
