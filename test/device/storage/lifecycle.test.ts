/**
 * A part's life: reserved → complete → served, where serving deletes it at once (seed 000,
 * claim 2) unless a live part needs it as a base; finishTitle, release and remove.
 */
import { describe, expect, it } from 'vitest';
import { PartInUseError, StorageManager } from '../../../device/storage/index.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { FailingRemoveStorage } from './support/failing-remove-storage.js';
import { expectKind } from '../../support/expect-fairway.js';
import { bytesOf, openManager, partBlobs, partRequest, states, storeComplete, SYSTEM_RESERVE_BYTES } from './support/parts.js';

describe('StorageManager lifecycle', () => {
  it('marks a part complete, and treats marking it again as done', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 100));
    expect((await manager.markComplete('golf-1')).state).toBe('complete');
    expect((await manager.markComplete('golf-1')).state).toBe('complete');
  });

  it('deletes a served part at once when no other part needs it, freeing its reservation', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 1000));
    await manager.write('golf-1', 'rcpt', 0, Uint8Array.of(1, 2, 3));
    expect(await manager.markServed('golf-1')).toBe('deleted');
    expect(manager.get('golf-1')).toBeUndefined();
    expect(await partBlobs(storage)).toEqual([]);
    expect(manager.usage()).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
  });

  it('keeps a served part that a later part of its title needs as base, until finishTitle', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 1000));
    await manager.reserve(partRequest('golf', 2, 500));
    expect(await manager.markServed('golf-1')).toBe('kept-base');
    expect(await manager.markServed('golf-1')).toBe('kept-base');
    await manager.write('golf-2', 'data', 0, Uint8Array.of(1));
    await manager.markComplete('golf-2');
    expect(await manager.markServed('golf-2')).toBe('deleted');
    expect(states(manager)).toEqual({ 'golf-1': 'kept-base' });
    expect(await manager.finishTitle('golf')).toEqual(['golf-1']);
    expect(manager.list()).toEqual([]);
    expect(await partBlobs(storage)).toEqual([]);
  });

  it('follows a chain of bases: a part needed by a part that is itself a needed base stays', async () => {
    const { manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await storeComplete(manager, partRequest('golf', 2, 100, 0, 'golf-1'));
    await manager.reserve(partRequest('golf', 3, 100, 0, 'golf-2'));
    expect(await manager.markServed('golf-2')).toBe('kept-base');
    expect(await manager.markServed('golf-1')).toBe('kept-base');
    const error = await expectKind(() => manager.remove('golf-1'), 'invalid-argument');
    expect((error as PartInUseError).neededBy).toEqual(['golf-3']);
  });

  it('refuses to serve a part that is not complete, changing nothing', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 100));
    await expectKind(() => manager.markServed('golf-1'), 'invalid-argument');
    expect(states(manager)).toEqual({ 'golf-1': 'reserved' });
  });

  it('refuses to mark a served part complete again', async () => {
    const { manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await manager.reserve(partRequest('golf', 2, 100));
    await manager.markServed('golf-1');
    await expectKind(() => manager.markComplete('golf-1'), 'invalid-argument');
    expect(states(manager)).toEqual({ 'golf-1': 'kept-base', 'golf-2': 'reserved' });
  });

  it('answers a lifecycle call about a part it does not hold with not-found, and a bad id with invalid-argument', async () => {
    const { manager } = await openManager();
    for (const call of [() => manager.markComplete('nope'), () => manager.markServed('nope'), () => manager.release('nope'), () => manager.remove('nope')]) {
      await expectKind(call, 'not-found');
    }
    for (const call of [() => manager.markComplete(''), () => manager.markServed('a/b'), () => manager.release('x'.repeat(65)), () => manager.remove('a b'), () => manager.finishTitle('')]) {
      await expectKind(call, 'invalid-argument');
    }
  });

  it('deletes every part of a finished title in any state and leaves other titles alone', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await storeComplete(manager, partRequest('golf', 2, 100));
    await manager.reserve(partRequest('golf', 3, 100));
    await manager.markServed('golf-1');
    await storeComplete(manager, partRequest('chess', 1, 100));
    expect(await manager.finishTitle('golf')).toEqual(['golf-1', 'golf-2', 'golf-3']);
    expect(states(manager)).toEqual({ 'chess-1': 'complete' });
    expect(await partBlobs(storage)).toEqual(['s3.data']);
    expect(await manager.finishTitle('golf')).toEqual([]);
  });

  it('releases a part, deleting its blobs and freeing its reservation', async () => {
    const { storage, manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000));
    await manager.write('golf-1', 'data', 0, Uint8Array.of(1));
    await manager.write('golf-1', 'bits', 0, Uint8Array.of(0xff));
    await manager.release('golf-1');
    expect(manager.list()).toEqual([]);
    expect(await partBlobs(storage)).toEqual([]);
    expect(manager.usage().freeBytes).toBe(10_000);
  });

  it('refuses to release or remove a base a live part needs, naming the parts that need it', async () => {
    const { manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await manager.reserve(partRequest('golf', 2, 100));
    await storeComplete(manager, partRequest('golf', 3, 100));
    for (const call of [() => manager.release('golf-1'), () => manager.remove('golf-1')]) {
      const error = await expectKind(call, 'invalid-argument');
      expect(error).toBeInstanceOf(PartInUseError);
      expect((error as PartInUseError).neededBy).toEqual(['golf-2', 'golf-3']);
    }
    expect(states(manager)).toEqual({ 'golf-1': 'complete', 'golf-2': 'reserved', 'golf-3': 'complete' });
  });

  it('removes a needed base when forced, leaving the parts that named it', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await manager.reserve(partRequest('golf', 2, 100));
    await manager.remove('golf-1', { force: true });
    expect(states(manager)).toEqual({ 'golf-2': 'reserved' });
    expect(await partBlobs(storage)).toEqual([]);
  });

  it('removes a base once the parts that needed it are gone', async () => {
    const { manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await manager.reserve(partRequest('golf', 2, 100));
    await manager.release('golf-2');
    await manager.remove('golf-1');
    expect(manager.list()).toEqual([]);
  });

  it('counts a blob it failed to delete as taken, and deletes it before the next change that needs room', async () => {
    const memory = new MemoryStorage(SYSTEM_RESERVE_BYTES + 1000);
    const storage = new FailingRemoveStorage(memory);
    const manager = await StorageManager.open(storage, { systemReserveBytes: SYSTEM_RESERVE_BYTES });
    await storeComplete(manager, partRequest('golf', 1, 600, 0));
    storage.failing.add('s0.data');
    expect(await manager.markServed('golf-1')).toBe('deleted'); // the table no longer names it: the call succeeds
    expect(manager.list()).toEqual([]);
    expect(manager.usage()).toMatchObject({ reservedBytes: 600, freeBytes: 400 });
    await expectKind(() => manager.reserve(partRequest('chess', 1, 500, 0)), 'capacity-exceeded'); // still stuck
    storage.failing.clear();
    await manager.reserve(partRequest('chess', 1, 1000, 0));
    expect(await partBlobs(memory)).toEqual([]);
    expect(manager.usage()).toMatchObject({ reservedBytes: 1000, freeBytes: 0 });
  });

  it('leaves a blob it failed to delete to the next open, which removes it', async () => {
    const memory = new MemoryStorage(SYSTEM_RESERVE_BYTES + 1000);
    const storage = new FailingRemoveStorage(memory);
    const manager = await StorageManager.open(storage, { systemReserveBytes: SYSTEM_RESERVE_BYTES });
    await manager.reserve(partRequest('golf', 1, 600, 0));
    await manager.write('golf-1', 'data', 0, bytesOf(600, 1));
    storage.failing.add('s0.data');
    await manager.release('golf-1');
    const rebooted = await StorageManager.open(memory.reopen(), { systemReserveBytes: SYSTEM_RESERVE_BYTES });
    expect(rebooted.usage()).toMatchObject({ reservedBytes: 0, freeBytes: 1000 });
    expect(await partBlobs(memory.reopen())).toEqual([]);
  });
});
