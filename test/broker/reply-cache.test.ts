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
});
