/**
 * The part table on flash: what a reopen restores, how open() reconciles the table with the
 * blobs it finds, a corrupt table refused with a typed error (and erase() as the way out),
 * and a power cut at every write and remove of a session leaving a consistent state.
 */
import { describe, expect, it } from 'vitest';
import { StorageManager, StorageTableError } from '../../../device/storage/index.js';
import { encodeTable, type PartTable } from '../../../device/storage/part-table.js';
import { TableBlob } from '../../../device/storage/table-blob.js';
import { encodeCbor } from '../../../sdk/cbor/index.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { PowerCutStorage } from './support/power-cut-storage.js';
import { bytesOf, openManager, partBlobs, partRequest, states, storeComplete, SYSTEM_RESERVE_BYTES } from './support/parts.js';

const options = { systemReserveBytes: SYSTEM_RESERVE_BYTES };

/** Writes `body` as the table the way the manager does, so only its content is wrong. */
async function writeTableBody(storage: MemoryStorage, body: Uint8Array): Promise<void> {
  const { blob } = await TableBlob.load(storage);
  await blob.save(body);
}

const record = { part: 'golf-1', title: 'golf', seq: 1, base: null, dataBytes: 10, sideBytes: 0, slot: 0, state: 'reserved', endedOrder: null } as const;
const table = (over: Partial<PartTable>): PartTable => ({ nextSlot: 1, nextOrder: 0, parts: [record], ...over });

describe('StorageManager persistence', () => {
  it('restores parts, states, written sizes and eviction order after a reboot', async () => {
    const { storage, manager } = await openManager(10_000);
    await storeComplete(manager, partRequest('a', 1, 2000, 0));
    await manager.reserve(partRequest('a', 2, 100, 100));
    await storeComplete(manager, partRequest('b', 1, 2000, 0));
    await manager.reserve(partRequest('b', 2, 100, 0));
    await manager.markServed('b-1'); // ended before a-1
    await manager.markServed('a-1');
    await manager.write('a-2', 'man', 0, bytesOf(40, 1));
    const rebooted = await StorageManager.open(storage.reopen(), options);
    expect(rebooted.list()).toEqual(manager.list());
    expect(rebooted.usage()).toEqual(manager.usage());
    expect(await rebooted.read('a-2', 'man', 0, 40)).toEqual(bytesOf(40, 1));
    await rebooted.release('a-2');
    await rebooted.release('b-2');
    await rebooted.reserve(partRequest('c', 1, 7000, 0)); // needs one eviction: b-1, which ended first
    expect(states(rebooted)).toEqual({ 'a-1': 'kept-base', 'c-1': 'reserved' });
  });

  it('never reuses a slot number, even after a reboot', async () => {
    const { storage, manager } = await openManager();
    await manager.reserve(partRequest('a', 1, 10));
    await manager.release('a-1');
    const rebooted = await StorageManager.open(storage.reopen(), options);
    expect((await rebooted.reserve(partRequest('b', 1, 10))).slot).toBe(1);
  });

  it('removes blobs of slots its table does not know when it opens, and leaves other blobs alone', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await storage.write('s7.data', 0, bytesOf(30, 1));
    await storage.write('s0.junk', 0, bytesOf(3, 1));
    await storage.write('fw-state', 0, bytesOf(20, 2));
    const reopened = storage.reopen();
    const rebooted = await StorageManager.open(reopened, options);
    expect((await reopened.list()).map((b) => b.name)).toEqual(['fw-parts', 'fw-state', 's0.data', 's0.junk']);
    expect(rebooted.usage().usedBytes).toBe(100);
  });

  it('keeps a reservation whose blobs are missing', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await manager.reserve(partRequest('golf', 2, 300));
    await storage.remove('s0.data');
    const rebooted = await StorageManager.open(storage.reopen(), options);
    expect(rebooted.list().map((p) => [p.part, p.state, p.reservedBytes, p.writtenBytes])).toEqual([
      ['golf-1', 'complete', 200, 0],
      ['golf-2', 'reserved', 400, 0],
    ]);
    expect(rebooted.usage().reservedBytes).toBe(600);
  });

  it('reads a table blob left blank by a cut during its very first write as no table yet', async () => {
    for (const blank of [new Uint8Array(0), new Uint8Array(700)]) {
      const storage = new MemoryStorage(SYSTEM_RESERVE_BYTES + 1000);
      await storage.write('fw-parts', 0, blank);
      await storage.write('s0.data', 0, bytesOf(10, 1)); // a part's first bytes cannot come before its table entry, but say they did
      const manager = await StorageManager.open(storage, options);
      expect(manager.list()).toEqual([]);
      expect(await partBlobs(storage)).toEqual([]);
      await manager.reserve(partRequest('golf', 1, 500));
      expect(states(await StorageManager.open(storage.reopen(), options))).toEqual({ 'golf-1': 'reserved' });
    }
  });

  it('starts empty on storage that has never held a table, touching nothing', async () => {
    const storage = new MemoryStorage(100_000);
    await storage.write('fw-state', 0, bytesOf(10, 1));
    const manager = await StorageManager.open(storage);
    expect(manager.list()).toEqual([]);
    expect((await storage.list()).map((b) => b.name)).toEqual(['fw-state']);
  });

  const corruptions: [string, (storage: MemoryStorage) => Promise<void>][] = [
    ['bytes that are no table at all', (s) => s.write('fw-parts', 0, bytesOf(600, 9))],
    ['both copies overwritten', async (s) => {
      const size = (await s.list()).find((b) => b.name === 'fw-parts')?.sizeBytes ?? 0;
      await s.write('fw-parts', 0, new Uint8Array(size).fill(0x5a));
    }],
    ['a body that is not CBOR', (s) => writeTableBody(s, Uint8Array.of(0xff, 0x00))],
    ['a body with bytes after the CBOR', (s) => writeTableBody(s, Uint8Array.of(...encodeTable(table({})), 0))],
    ['a table of another version', (s) => writeTableBody(s, encodeCbor({ v: 2, nextSlot: 0, nextOrder: 0, parts: [] }))],
    ['a part with a missing field', (s) => writeTableBody(s, encodeCbor({ v: 1, nextSlot: 1, nextOrder: 0, parts: [{ ...record, title: undefined } as never] }))],
    ['a part listed twice', (s) => writeTableBody(s, encodeTable(table({ nextSlot: 2, parts: [record, { ...record, slot: 1 }] })))],
    ['two parts in one slot', (s) => writeTableBody(s, encodeTable(table({ parts: [record, { ...record, part: 'golf-2' }] })))],
    ['a slot at or past nextSlot', (s) => writeTableBody(s, encodeTable(table({ nextSlot: 0 })))],
    ['a part that is its own base', (s) => writeTableBody(s, encodeTable(table({ parts: [{ ...record, base: 'golf-1' }] })))],
    ['a kept-base part with no end order', (s) => writeTableBody(s, encodeTable(table({ parts: [{ ...record, state: 'kept-base' }] })))],
    ['an end order at or past nextOrder', (s) => writeTableBody(s, encodeTable(table({ parts: [{ ...record, state: 'kept-base', endedOrder: 0 }] })))],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`refuses to open a table holding ${what} with a typed malformed error`, async () => {
      const { storage, manager } = await openManager();
      await storeComplete(manager, partRequest('golf', 1, 100));
      await corrupt(storage);
      const error = await expectKind(() => StorageManager.open(storage.reopen(), options), 'malformed');
      expect(error).toBeInstanceOf(StorageTableError);
      expect(error.path).toBe('fw-parts');
    });
  }

  it('opens afresh after erase(), which keeps the terminal\'s own blobs', async () => {
    const { storage, manager } = await openManager();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await storage.write('fw-state', 0, bytesOf(20, 2));
    await storage.write('fw-parts', 0, bytesOf(2000, 3));
    const reopened = storage.reopen();
    await expectKind(() => StorageManager.open(reopened, options), 'malformed');
    await StorageManager.erase(reopened);
    expect((await reopened.list()).map((b) => b.name)).toEqual(['fw-state']);
    const fresh = await StorageManager.open(reopened, options);
    expect(fresh.list()).toEqual([]);
  });

  it('falls back to the previous table when the newest copy is torn', async () => {
    const memory = new MemoryStorage(SYSTEM_RESERVE_BYTES + 10_000);
    const manager = await StorageManager.open(memory, options);
    await manager.reserve(partRequest('golf', 1, 100));
    const cut = new PowerCutStorage(memory.reopen(), 1, true);
    const doomed = await StorageManager.open(cut, options);
    await expectKind(() => doomed.markComplete('golf-1'), 'io');
    const rebooted = await StorageManager.open(memory.reopen(), options);
    expect(states(rebooted)).toEqual({ 'golf-1': 'reserved' });
  });
});
