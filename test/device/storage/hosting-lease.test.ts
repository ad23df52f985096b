/**
 * A part a host serves to peers [FW-14] is leased: its own service ending (played, or its
 * title finished) does not take it from under the peers; it goes when the last lease is
 * given back, as that ending would have removed it (seed 000 claim 2 still holds for the host).
 */
import { describe, expect, it } from 'vitest';
import { expectKind } from '../../support/expect-fairway.js';
import { openManager, partBlobs, partRequest, states, storeComplete } from './support/parts.js';

describe('StorageManager hosting leases', () => {
  it('keeps a leased part that was played, and deletes it when the lease is returned', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 1000));
    const giveBack = manager.lease('golf-1');
    expect(await manager.markServed('golf-1')).toBe('kept-hosted');
    expect(states(manager)).toEqual({ 'golf-1': 'complete' });
    await giveBack();
    expect(manager.list()).toEqual([]);
    expect(await partBlobs(storage)).toEqual([]);
    await giveBack(); // twice is once
  });

  it('keeps a leased part through finishTitle, and removes it with the last of two leases', async () => {
    const { manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await storeComplete(manager, partRequest('golf', 2, 100));
    const first = manager.lease('golf-1');
    const second = manager.lease('golf-1');
    expect(await manager.finishTitle('golf')).toEqual(['golf-2']);
    await first();
    expect(states(manager)).toEqual({ 'golf-1': 'complete' });
    await second();
    expect(manager.list()).toEqual([]);
  });

  it('leaves an unplayed leased part in place when the lease is returned', async () => {
    const { manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await manager.lease('golf-1')();
    expect(states(manager)).toEqual({ 'golf-1': 'complete' });
  });

  it('never evicts a leased ended part to make room for another', async () => {
    const { manager } = await openManager();
    const capacity = manager.usage().freeBytes;
    await storeComplete(manager, partRequest('golf', 1, Math.floor(capacity / 2)));
    await manager.reserve(partRequest('golf', 2, 10));
    expect(await manager.markServed('golf-1')).toBe('kept-base');
    const giveBack = manager.lease('golf-1');
    await manager.release('golf-2');
    await expectKind(() => manager.reserve(partRequest('kart', 1, Math.floor(capacity * 0.75))), 'capacity-exceeded');
    expect(states(manager)).toMatchObject({ 'golf-1': 'kept-base' });
    await giveBack();
    await manager.reserve(partRequest('kart', 1, Math.floor(capacity * 0.75)));
    expect(manager.get('golf-1')).toBeUndefined();
  });

  it('refuses to lease a part that is not complete or not there', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 100));
    expect(() => manager.lease('golf-1')).toThrow(/not complete/);
    expect(() => manager.lease('nope-1')).toThrow();
  });
});
