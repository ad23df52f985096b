/**
 * write() and read(): a part's four blobs, each write held inside the part's reservation
 * (data: dataBytes; manifest, bitmap and receipt together: sideBytes), bad input refused.
 */
import { describe, expect, it } from 'vitest';
import { PART_BLOB_KINDS, type PartBlobKind } from '../../../device/storage/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { bytesOf, openManager, partBlobs, partRequest, SYSTEM_RESERVE_BYTES } from './support/parts.js';

describe('StorageManager.write and read', () => {
  it('keeps each kind of a part in its own blob and reads it back', async () => {
    const { storage, manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000, 300));
    for (const [i, kind] of PART_BLOB_KINDS.entries()) await manager.write('golf-1', kind, 0, bytesOf(50, i));
    for (const [i, kind] of PART_BLOB_KINDS.entries()) expect(await manager.read('golf-1', kind, 0, 100)).toEqual(bytesOf(50, i));
    expect(await partBlobs(storage)).toEqual(['s0.bits', 's0.data', 's0.man', 's0.rcpt']);
    expect(manager.get('golf-1')?.writtenBytes).toBe(200);
    expect(manager.usage()).toMatchObject({ reservedBytes: 1300, usedBytes: 200 });
  });

  it('writes at an offset, zero-filling the gap, and reads a range', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000));
    await manager.write('golf-1', 'data', 10, Uint8Array.of(7, 8, 9));
    expect(await manager.read('golf-1', 'data', 0, 100)).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 8, 9));
    expect(await manager.read('golf-1', 'data', 11, 1)).toEqual(Uint8Array.of(8));
    expect(manager.get('golf-1')?.writtenBytes).toBe(13);
  });

  it('reads a blob nothing was written to as empty', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000));
    expect(await manager.read('golf-1', 'rcpt', 0, 10)).toEqual(new Uint8Array(0));
  });

  it('fills the data reservation exactly, and refuses one byte more as out-of-range without writing it', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000));
    await manager.write('golf-1', 'data', 0, bytesOf(1000, 1));
    await manager.write('golf-1', 'data', 500, bytesOf(500, 2)); // an overwrite inside the part still fits
    await expectKind(() => manager.write('golf-1', 'data', 1000, Uint8Array.of(1)), 'out-of-range');
    await expectKind(() => manager.write('golf-1', 'data', 999, Uint8Array.of(1, 2)), 'out-of-range');
    await expectKind(() => manager.write('golf-1', 'data', 1001, new Uint8Array(0)), 'out-of-range');
    expect(manager.get('golf-1')?.writtenBytes).toBe(1000);
    expect(await manager.read('golf-1', 'data', 990, 100)).toEqual(bytesOf(500, 2).subarray(490));
  });

  it('shares the side reservation between manifest, bitmap and receipt, refusing the write that would overflow it', async () => {
    const { storage, manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000, 100));
    await manager.write('golf-1', 'man', 0, bytesOf(60, 1));
    await manager.write('golf-1', 'bits', 0, bytesOf(30, 2));
    await expectKind(() => manager.write('golf-1', 'rcpt', 0, bytesOf(11, 3)), 'out-of-range');
    await expectKind(() => manager.write('golf-1', 'man', 60, bytesOf(11, 3)), 'out-of-range');
    expect(await partBlobs(storage)).toEqual(['s0.bits', 's0.man']);
    await manager.write('golf-1', 'rcpt', 0, bytesOf(10, 3));
    await manager.write('golf-1', 'bits', 0, bytesOf(30, 4)); // rewriting the bitmap in place always fits
    expect(manager.get('golf-1')?.writtenBytes).toBe(100);
  });

  it('refuses every write to a part with no side reservation but its data', async () => {
    const { manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 10, 0));
    for (const kind of ['man', 'bits', 'rcpt'] as const) await expectKind(() => manager.write('golf-1', kind, 0, Uint8Array.of(1)), 'out-of-range');
  });

  it('makes a write queued behind the part\'s release fail with not-found, leaving no blob behind', async () => {
    const { storage, manager } = await openManager();
    await manager.reserve(partRequest('golf', 1, 1000));
    await manager.write('golf-1', 'data', 0, bytesOf(10, 1));
    const [released, written] = await Promise.allSettled([manager.release('golf-1'), manager.write('golf-1', 'data', 10, bytesOf(10, 2))]);
    expect(released.status).toBe('fulfilled');
    expect(written.status).toBe('rejected');
    await expectKind(() => Promise.reject((written as PromiseRejectedResult).reason), 'not-found');
    expect(await partBlobs(storage)).toEqual([]);
  });

  it('refuses a write or read of a part it does not hold with not-found', async () => {
    const { manager } = await openManager();
    await expectKind(() => manager.write('golf-1', 'data', 0, Uint8Array.of(1)), 'not-found');
    await expectKind(() => manager.read('golf-1', 'data', 0, 1), 'not-found');
  });

  const badWrites: [string, string, unknown, unknown, unknown][] = [
    ['an unknown kind', 'golf-1', 'save', 0, Uint8Array.of(1)],
    ['a negative offset', 'golf-1', 'data', -1, Uint8Array.of(1)],
    ['a fractional offset', 'golf-1', 'data', 0.5, Uint8Array.of(1)],
    ['a NaN offset', 'golf-1', 'data', Number.NaN, Uint8Array.of(1)],
    ['bytes that are not a Uint8Array', 'golf-1', 'data', 0, [1, 2]],
    ['a part id that is not an id', 'golf 1', 'data', 0, Uint8Array.of(1)],
  ];
  for (const [what, part, kind, offset, bytes] of badWrites) {
    it(`refuses a write with ${what} as invalid-argument, writing nothing`, async () => {
      const { storage, manager } = await openManager();
      await manager.reserve(partRequest('golf', 1, 1000));
      await expectKind(() => manager.write(part, kind as PartBlobKind, offset as number, bytes as Uint8Array), 'invalid-argument');
      expect(await partBlobs(storage)).toEqual([]);
    });
  }

  const badReads: [string, unknown, unknown, unknown][] = [
    ['an unknown kind', 'blob', 0, 1],
    ['a negative offset', 'data', -1, 1],
    ['a fractional length', 'data', 0, 1.5],
    ['a negative length', 'data', 0, -1],
  ];
  for (const [what, kind, offset, length] of badReads) {
    it(`refuses a read with ${what} as invalid-argument`, async () => {
      const { manager } = await openManager();
      await manager.reserve(partRequest('golf', 1, 1000));
      await expectKind(() => manager.read('golf-1', kind as PartBlobKind, offset as number, length as number), 'invalid-argument');
    });
  }

  it('passes on the storage\'s own refusal when the caller\'s blobs overflow the system reserve, counting only what was written', async () => {
    const { storage, manager } = await openManager(1000);
    await manager.reserve(partRequest('golf', 1, 1000, 0));
    const tableBytes = (await storage.usage()).usedBytes;
    await storage.write('fw-state', 0, new Uint8Array(SYSTEM_RESERVE_BYTES - tableBytes + 100)); // 100 bytes too many
    await manager.write('golf-1', 'data', 0, bytesOf(900, 1));
    await expectKind(() => manager.write('golf-1', 'data', 900, bytesOf(100, 2)), 'capacity-exceeded');
    expect(manager.get('golf-1')?.writtenBytes).toBe(900);
    expect(manager.usage().usedBytes).toBe(900);
  });
});
