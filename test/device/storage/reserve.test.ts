/**
 * reserve(): whole reservations counted up front, idempotence, the system reserve, refusal
 * with the figures a UI needs, and eviction of ended parts (oldest first, never a needed base).
 */
import { describe, expect, it } from 'vitest';
import { StorageFullError, StorageManager, type ReserveRequest } from '../../../device/storage/index.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { openManager, partBlobs, partRequest, states, storeComplete, SYSTEM_RESERVE_BYTES } from './support/parts.js';

/** Plays a part through to kept-base: stored, a later part reserved, the part served. */
async function keptBase(manager: StorageManager, title: string, dataBytes: number): Promise<void> {
  await storeComplete(manager, partRequest(title, 1, dataBytes, 0));
  await manager.reserve(partRequest(title, 2, 100, 0));
  expect(await manager.markServed(`${title}-1`)).toBe('kept-base');
}

/** A snapshot of everything a refused call must leave alone. */
async function snapshot(storage: MemoryStorage, manager: StorageManager) {
  const blobs = await storage.list();
  const table = await storage.read('fw-parts', 0, 1 << 20);
  return { parts: manager.list(), usage: manager.usage(), blobs, table };
}

describe('StorageManager.reserve', () => {
  it('counts a whole reservation as taken before a byte is written', async () => {
    const { manager } = await openManager(10_000);
    const part = await manager.reserve(partRequest('golf', 1, 3000, 200));
    expect(part).toMatchObject({ part: 'golf-1', state: 'reserved', reservedBytes: 3200, writtenBytes: 0 });
    expect(manager.usage()).toEqual({ capacityBytes: SYSTEM_RESERVE_BYTES + 10_000, systemReserveBytes: SYSTEM_RESERVE_BYTES, reservedBytes: 3200, usedBytes: 0, freeBytes: 6800 });
  });

  it('returns the existing slot when the same part is reserved again', async () => {
    const { manager } = await openManager();
    const first = await manager.reserve(partRequest('golf', 1, 1000));
    const again = await manager.reserve(partRequest('golf', 1, 1000));
    expect(again).toEqual(first);
    expect(manager.usage().reservedBytes).toBe(1100);
  });

  it('refuses the same part with other figures, and changes nothing', async () => {
    const { storage, manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000));
    const before = await snapshot(storage, manager);
    await expectKind(() => manager.reserve(partRequest('golf', 1, 2000)), 'invalid-argument');
    await expectKind(() => manager.reserve({ ...partRequest('golf', 1, 1000), title: 'tennis' }), 'invalid-argument');
    expect(await snapshot(storage, manager)).toEqual(before);
  });

  it('gives parts up to capacity minus the system reserve and not a byte more', async () => {
    const { manager } = await openManager(5000);
    await expectKind(() => manager.reserve(partRequest('golf', 1, 4901, 100)), 'capacity-exceeded');
    await manager.reserve(partRequest('golf', 1, 4900, 100));
    expect(manager.usage().freeBytes).toBe(0);
  });

  it('uses a 64 KiB system reserve by default', async () => {
    const manager = await StorageManager.open(new MemoryStorage(100_000));
    expect(manager.usage()).toMatchObject({ systemReserveBytes: 65_536, freeBytes: 100_000 - 65_536 });
  });

  it('refuses a system reserve that is negative, fractional or larger than the capacity', async () => {
    const storage = new MemoryStorage(1000);
    for (const systemReserveBytes of [-1, 1.5, 1001, Number.NaN]) {
      await expectKind(() => StorageManager.open(storage, { systemReserveBytes }), 'invalid-argument');
    }
  });

  it('refuses a part that does not fit with needed, free and freeable bytes and deletion candidates, changing nothing', async () => {
    const { storage, manager } = await openManager(10_000);
    await storeComplete(manager, partRequest('golf', 1, 2000, 0)); // base of golf-2: not a candidate
    await manager.reserve(partRequest('golf', 2, 1000, 0));
    await keptBase(manager, 'chess', 1500); // chess-1 kept for chess-2 ...
    await manager.release('chess-2'); // ... then nothing needs it: evictable
    const before = await snapshot(storage, manager);

    const error = await expectKind(() => manager.reserve(partRequest('tennis', 1, 8000, 0)), 'capacity-exceeded');
    expect(error).toBeInstanceOf(StorageFullError);
    const full = error as StorageFullError;
    expect(full.neededBytes).toBe(8000);
    expect(full.freeBytes).toBe(10_000 - 2000 - 1000 - 1500);
    expect(full.freeableBytes).toBe(1500);
    expect(full.candidates).toEqual([
      { part: 'chess-1', title: 'chess', sizeBytes: 1500, state: 'kept-base' },
      { part: 'golf-2', title: 'golf', sizeBytes: 1000, state: 'reserved' },
    ]);
    expect(await snapshot(storage, manager)).toEqual(before);
  });

  it('evicts ended parts oldest-ended first, and only as many as the new part needs', async () => {
    const { storage, manager } = await openManager(10_000);
    for (const title of ['a', 'b', 'c']) {
      await keptBase(manager, title, 2000);
      await manager.release(`${title}-2`);
    }
    expect(manager.usage().freeBytes).toBe(4000);
    await manager.reserve(partRequest('d', 1, 5500, 0)); // needs 1500 more: a-1 (ended first) is enough
    expect(states(manager)).toEqual({ 'b-1': 'kept-base', 'c-1': 'kept-base', 'd-1': 'reserved' });
    await manager.reserve(partRequest('e', 1, 2500, 0)); // needs 2000 more: b-1 next
    expect(states(manager)).toEqual({ 'c-1': 'kept-base', 'd-1': 'reserved', 'e-1': 'reserved' });
    // Slots 0, 2 and 4 held a-1, b-1 and c-1 (the odd ones their released part 2s): only c-1's data is left.
    expect(await partBlobs(storage)).toEqual(['s4.data']);
  });

  it('never evicts a base that a reserved or complete part still needs', async () => {
    const { manager } = await openManager(10_000);
    await keptBase(manager, 'golf', 4000); // golf-2 (reserved) needs golf-1
    await storeComplete(manager, partRequest('chess', 1, 1000, 0));
    await manager.reserve(partRequest('chess', 2, 500, 0));
    await manager.markComplete('chess-2');
    await manager.markServed('chess-1'); // kept for chess-2, which is complete
    const error = (await expectKind(() => manager.reserve(partRequest('tennis', 1, 9000, 0)), 'capacity-exceeded')) as StorageFullError;
    expect(error.freeableBytes).toBe(0);
    expect(states(manager)).toEqual({ 'golf-1': 'kept-base', 'golf-2': 'reserved', 'chess-1': 'kept-base', 'chess-2': 'complete' });
  });

  it('never evicts the base the part being reserved will need', async () => {
    const { manager } = await openManager(10_000);
    await keptBase(manager, 'golf', 6000);
    await manager.release('golf-2'); // golf-1 is ended and, for now, needed by nothing stored
    const error = (await expectKind(() => manager.reserve(partRequest('golf', 3, 5000, 0)), 'capacity-exceeded')) as StorageFullError;
    expect(error.freeableBytes).toBe(0);
    expect(states(manager)).toEqual({ 'golf-1': 'kept-base' });
    await manager.reserve(partRequest('chess', 1, 5000, 0)); // another title's part may evict it
    expect(states(manager)).toEqual({ 'chess-1': 'reserved' });
  });

  it('lets only one of two concurrent reservations take the last free bytes', async () => {
    const { manager } = await openManager(5000);
    const results = await Promise.allSettled([manager.reserve(partRequest('a', 1, 3000, 0)), manager.reserve(partRequest('b', 1, 3000, 0))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StorageFullError);
    expect(manager.usage().reservedBytes).toBe(3000);
  });

  const good = partRequest('golf', 2, 1000);
  const bad: [string, unknown][] = [
    ['an empty part id', { ...good, part: '' }],
    ['a part id of 65 characters', { ...good, part: 'p'.repeat(65) }],
    ['a part id with a slash', { ...good, part: 'golf/2' }],
    ['a title with a space', { ...good, title: 'golf club' }],
    ['a seq of 0', { ...good, seq: 0 }],
    ['a seq past 10,000', { ...good, seq: 10_001 }],
    ['a fractional seq', { ...good, seq: 1.5 }],
    ['a part that is its own base', { ...good, base: 'golf-2' }],
    ['a base that is not an id', { ...good, base: 'a+b' }],
    ['no data bytes', { ...good, dataBytes: 0 }],
    ['negative side bytes', { ...good, sideBytes: -1 }],
    ['fractional data bytes', { ...good, dataBytes: 10.5 }],
    ['unsafe data bytes', { ...good, dataBytes: 2 ** 53 }],
    ['a missing base', { part: 'golf-2', title: 'golf', seq: 2, dataBytes: 1, sideBytes: 0 }],
    ['an unknown field', { ...good, priority: 1 }],
    ['no request at all', undefined],
  ];
  for (const [what, request] of bad) {
    it(`refuses a request with ${what} as invalid-argument, storing nothing`, async () => {
      const { storage, manager } = await openManager();
      await expectKind(() => manager.reserve(request as ReserveRequest), 'invalid-argument');
      expect(manager.list()).toEqual([]);
      expect(await storage.list()).toEqual([]);
    });
  }
});
