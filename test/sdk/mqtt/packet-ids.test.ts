import { describe, expect, it } from 'vitest';
import { PacketIdPool } from '../../../sdk/mqtt/index.js';
import { expectKindSync } from '../../support/expect-fairway.js';

describe('PacketIdPool', () => {
  it('hands out ids from 1 upwards', () => {
    const pool = new PacketIdPool();
    expect([pool.take(), pool.take(), pool.take()]).toEqual([1, 2, 3]);
    expect(pool.size).toBe(3);
  });

  it('does not hand a released id out again until the counter comes round', () => {
    const pool = new PacketIdPool();
    const first = pool.take();
    expect(pool.release(first)).toBe(true);
    expect(pool.take()).toBe(2);
  });

  it('wraps from 65535 to 1', () => {
    const pool = new PacketIdPool();
    for (let id = 1; id <= 65_535; id++) pool.release(pool.take());
    expect(pool.take()).toBe(1);
  });

  it('skips ids still in flight when it wraps', () => {
    const pool = new PacketIdPool();
    const held = [pool.take(), pool.take()]; // 1 and 2 stay in flight
    for (let id = 3; id <= 65_535; id++) pool.release(pool.take());
    expect(pool.take()).toBe(3);
    expect(held.every((id) => pool.has(id))).toBe(true);
  });

  it('refuses with capacity-exceeded once all 65535 ids are in flight, and recovers when one is released', () => {
    const pool = new PacketIdPool();
    for (let id = 1; id <= 65_535; id++) pool.take();
    expectKindSync(() => pool.take(), 'capacity-exceeded');
    pool.release(40_000);
    expect(pool.take()).toBe(40_000);
  });

  it('reports whether a release freed anything', () => {
    const pool = new PacketIdPool();
    expect(pool.release(5)).toBe(false);
  });

  it('forgets every id on clear', () => {
    const pool = new PacketIdPool();
    pool.take();
    pool.take();
    pool.clear();
    expect(pool.size).toBe(0);
    expect(pool.has(1)).toBe(false);
  });
});
