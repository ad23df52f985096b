import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { EncodedReply } from '../../broker/service/encoded-reply.js';
import { ReplyCache } from '../../broker/service/reply-cache.js';
import { encodeMessage, type DownMessage } from '../../sdk/wire/index.js';

const encoded = (message: DownMessage) => new EncodedReply(message, encodeMessage(message as never));
const charge = (balance: number) => encoded({ v: 1, t: 'charge', rid: 1, transfer: new Uint8Array(16), part: 'p', price: 5, balance, chargedAt: 1 });
const bytes = (...b: number[]) => new Uint8Array(b);

describe('reply cache', () => {
  it('answers a resend with the same bytes from the cache, without running the effect again', async () => {
    const cache = new ReplyCache(600_000);
    let effects = 0;
    const handle = async () => charge(100 - ++effects);
    const first = await cache.run('d1', 1, bytes(1, 2), 0, handle);
    const again = await cache.run('d1', 1, bytes(1, 2), 1000, handle);
    expect(effects).toBe(1);
    expect(again).toEqual({ reply: first.reply, cached: true });
  });

  it('makes a duplicate that arrives mid-flight wait for the first run’s reply', async () => {
    const cache = new ReplyCache(600_000);
    let effects = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handle = async () => {
      effects++;
      await gate;
      return charge(7);
    };
    const a = cache.run('d1', 9, bytes(3), 0, handle);
    const b = cache.run('d1', 9, bytes(3), 0, handle);
    release();
    expect((await a).reply).toEqual((await b).reply);
    expect(effects).toBe(1);
  });

  it('runs again when the rid is reused with different bytes, or by another device', async () => {
    const cache = new ReplyCache(600_000);
    let effects = 0;
    const handle = async () => charge(++effects);
    await cache.run('d1', 1, bytes(1), 0, handle);
    await cache.run('d1', 1, bytes(2), 0, handle);
    await cache.run('d2', 1, bytes(2), 0, handle);
    expect(effects).toBe(3);
  });

  it('never keeps an error reply, which changed nothing', async () => {
    const cache = new ReplyCache(600_000);
    let effects = 0;
    const handle = async () => (++effects === 1 ? encoded({ v: 1, t: 'error', rid: 1, code: 'busy', message: '' }) : charge(1));
    await cache.run('d1', 1, bytes(1), 0, handle);
    const second = await cache.run('d1', 1, bytes(1), 0, handle);
    expect(second.reply?.message.t).toBe('charge');
    expect(effects).toBe(2);
  });

  it('forgets replies after their time to live', async () => {
    const cache = new ReplyCache(600_000);
    let effects = 0;
    const handle = async () => charge(++effects);
    await cache.run('d1', 1, bytes(1), 0, handle);
    await cache.run('d1', 1, bytes(1), 600_001, handle);
    expect(effects).toBe(2);
  });

  it('keeps a digest of each request, not its bytes: a thousand distinct 256 KiB requests leave no request behind', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Freed buffers' memory is returned after a collection by a background sweeper: collect
    // and wait a few times, and take the lowest reading.
    const settledArrayBuffers = async () => {
      let lowest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
        lowest = Math.min(lowest, process.memoryUsage().arrayBuffers);
      }
      return lowest;
    };
    const cache = new ReplyCache(600_000);
    const before = await settledArrayBuffers();
    for (let rid = 1; rid <= 1_000; rid++) {
      const request = new Uint8Array(256 * 1024).fill(rid % 251);
      await cache.run('d1', rid, request, 0, async () => charge(rid));
    }
    const grownBytes = (await settledArrayBuffers()) - before;
    expect(cache.size).toBe(1_000);
    // 256 MiB went through (all of it stayed, before); a thousand small replies and digests stay.
    expect(grownBytes).toBeLessThan(32 * 1024 * 1024);
    expect(cache.retainedBytes).toBeLessThan(1_000 * 512);
    // The digest still tells a resend from a new request under the same rid.
    let effects = 0;
    const again = await cache.run('d1', 7, new Uint8Array(256 * 1024).fill(7), 1, async () => charge(++effects));
    expect([again.cached, effects]).toEqual([true, 0]);
    await cache.run('d1', 7, new Uint8Array(256 * 1024).fill(8), 1, async () => charge(++effects));
    expect(effects).toBe(1);
  });

  it('stays under its byte budget, forgetting the oldest replies first', async () => {
    const budget = 256 * 1024;
    const cache = new ReplyCache(600_000, { maxBytes: budget });
    const big = (rid: number) => encoded({ v: 1, t: 'error', rid, code: 'busy', message: 'x' }); // not kept
    const bulky = (rid: number) => encoded({ v: 1, t: 'login.ok', rid, user: 'u'.repeat(60), balance: 1, currency: 'EUR' });
    for (let rid = 1; rid <= 5_000; rid++) {
      await cache.run('d1', rid, bytes(rid & 0xff, rid >> 8), rid, async () => (rid % 10 === 0 ? big(rid) : bulky(rid)));
      expect(cache.retainedBytes, `after ${rid}`).toBeLessThanOrEqual(budget);
    }
    let effects = 0;
    const newest = await cache.run('d1', 4_999, bytes(4_999 & 0xff, 4_999 >> 8), 5_001, async () => bulky(++effects));
    const oldest = await cache.run('d1', 1, bytes(1, 0), 5_001, async () => bulky(++effects));
    expect([newest.cached, oldest.cached, effects]).toEqual([true, false, 1]);
  });
});
