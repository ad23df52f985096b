/**
 * The same rules on the Node port's FileStorage (one file per blob in a temp directory), so
 * nothing depends on MemoryStorage's quirks: reservations, refusal, serving, reconciling on
 * open, a corrupt table, and power cuts (before and torn) at every write and remove.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../device/ports/node/index.js';
import { StorageFullError, StorageManager, StorageTableError, type StoredPart } from '../../../device/storage/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { PowerCutStorage } from './support/power-cut-storage.js';
import { bytesOf, partRequest, states, storeComplete, SYSTEM_RESERVE_BYTES } from './support/parts.js';

const CAPACITY_BYTES = SYSTEM_RESERVE_BYTES + 10_000;
const options = { systemReserveBytes: SYSTEM_RESERVE_BYTES };

let root = '';
let directories = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-storage-manager-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshFiles(): Promise<{ directory: string; files: FileStorage }> {
  const directory = join(root, `d${++directories}`);
  return { directory, files: await FileStorage.open(directory, { capacityBytes: CAPACITY_BYTES }) };
}

async function openFiles(): Promise<{ directory: string; files: FileStorage; manager: StorageManager }> {
  const { directory, files } = await freshFiles();
  return { directory, files, manager: await StorageManager.open(files, options) };
}

async function reopen(directory: string): Promise<{ files: FileStorage; manager: StorageManager }> {
  const files = await FileStorage.open(directory, { capacityBytes: CAPACITY_BYTES });
  return { files, manager: await StorageManager.open(files, options) };
}

describe('StorageManager on FileStorage', () => {
  it('keeps parts, states and bytes across a reopen of the directory', async () => {
    const { directory, files, manager } = await openFiles();
    await storeComplete(manager, partRequest('golf', 1, 3000));
    await manager.reserve(partRequest('golf', 2, 2000));
    await manager.write('golf-2', 'bits', 0, Uint8Array.of(0xf0));
    await manager.markServed('golf-1');
    await files.close();
    const again = await reopen(directory);
    expect(again.manager.list()).toEqual(manager.list());
    expect(again.manager.usage()).toEqual(manager.usage());
    expect(await again.manager.read('golf-1', 'data', 0, 3000)).toEqual(bytesOf(3000, 1));
    expect((await readdir(directory)).sort()).toEqual(['fw-parts', 's0.data', 's1.bits']);
    await again.files.close();
  });

  it('refuses a part that does not fit and leaves every file as it was', async () => {
    const { directory, files, manager } = await openFiles();
    await storeComplete(manager, partRequest('golf', 1, 6000));
    const before = await readFile(join(directory, 'fw-parts'));
    const error = await expectKind(() => manager.reserve(partRequest('chess', 1, 5000)), 'capacity-exceeded');
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as StorageFullError).candidates.map((c) => c.part)).toEqual(['golf-1']);
    expect(await readFile(join(directory, 'fw-parts'))).toEqual(before);
    expect((await readdir(directory)).sort()).toEqual(['fw-parts', 's0.data']);
    await files.close();
  });

  it('deletes a served part\'s files at once, and a kept base\'s when its title finishes', async () => {
    const { directory, files, manager } = await openFiles();
    await storeComplete(manager, partRequest('golf', 1, 1000));
    await storeComplete(manager, partRequest('golf', 2, 1000));
    await manager.reserve(partRequest('golf', 3, 1000));
    expect(await manager.markServed('golf-1')).toBe('kept-base');
    expect(await manager.markServed('golf-2')).toBe('deleted');
    expect((await readdir(directory)).sort()).toEqual(['fw-parts', 's0.data']);
    await manager.finishTitle('golf');
    expect(await readdir(directory)).toEqual(['fw-parts']);
    expect((await files.usage()).usedBytes).toBeLessThanOrEqual(SYSTEM_RESERVE_BYTES);
    await files.close();
  });

  it('removes files of slots its table does not know on open, and leaves the terminal\'s own', async () => {
    const { directory, files, manager } = await openFiles();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await files.close();
    await writeFile(join(directory, 's9.rcpt'), bytesOf(50, 1));
    await writeFile(join(directory, 'fw-state'), bytesOf(50, 2));
    const again = await reopen(directory);
    expect((await readdir(directory)).sort()).toEqual(['fw-parts', 'fw-state', 's0.data']);
    expect(states(again.manager)).toEqual({ 'golf-1': 'complete' });
    await again.files.close();
  });

  it('refuses a corrupt table file with a typed error, and erase() starts afresh', async () => {
    const { directory, files, manager } = await openFiles();
    await storeComplete(manager, partRequest('golf', 1, 100));
    await files.close();
    await writeFile(join(directory, 'fw-parts'), bytesOf(1500, 3));
    const again = await FileStorage.open(directory, { capacityBytes: CAPACITY_BYTES });
    const error = await expectKind(() => StorageManager.open(again, options), 'malformed');
    expect(error).toBeInstanceOf(StorageTableError);
    await StorageManager.erase(again);
    expect(await readdir(directory)).toEqual([]);
    expect((await StorageManager.open(again, options)).list()).toEqual([]);
    await again.close();
  });

  for (const tear of [false, true]) {
    it(`comes back from a cut ${tear ? 'tearing' : 'before'} each write and remove of a short session`, async () => {
      const session = [
        (m: StorageManager) => m.reserve(partRequest('golf', 1, 1000, 100)),
        (m: StorageManager) => m.write('golf-1', 'data', 0, bytesOf(1000, 1)),
        (m: StorageManager) => m.markComplete('golf-1'),
        (m: StorageManager) => m.reserve(partRequest('golf', 2, 1000, 100)),
        (m: StorageManager) => m.markServed('golf-1'),
        (m: StorageManager) => m.release('golf-2'),
        (m: StorageManager) => m.reserve(partRequest('chess', 1, 9000, 0)), // evicts golf-1
        (m: StorageManager) => m.finishTitle('chess'),
      ];
      const { directory, files } = await freshFiles();
      const counting = new PowerCutStorage(files);
      const counted = await StorageManager.open(counting, options);
      const lists: StoredPart[][] = [counted.list()];
      for (const step of session) {
        await step(counted);
        lists.push(counted.list());
      }
      await files.close();
      await rm(directory, { recursive: true });
      for (let cutAt = 1; cutAt <= counting.mutations; cutAt++) {
        const fresh = await freshFiles();
        const cut = await StorageManager.open(new PowerCutStorage(fresh.files, cutAt, tear), options);
        let interrupted = -1;
        for (const [i, step] of session.entries()) {
          if (await step(cut).then(() => false, () => true)) {
            interrupted = i;
            break;
          }
        }
        expect(interrupted, `cut ${cutAt} interrupted no step`).toBeGreaterThanOrEqual(0);
        await fresh.files.close();
        const again = await reopen(fresh.directory);
        // Step 1 writes golf-1's data: a cut there may leave part of it.
        const shape = (parts: StoredPart[]) => parts.map((p) => `${p.part}:${p.state}:${p.slot}:${interrupted === 1 ? '?' : p.writtenBytes}`);
        expect([shape(lists[interrupted]!), shape(lists[interrupted + 1]!)], `cut at ${cutAt}`).toContainEqual(shape(again.manager.list()));
        const slots = new Set(again.manager.list().map((p) => `s${p.slot}.`));
        for (const name of await readdir(fresh.directory)) if (name !== 'fw-parts') expect(slots.has(name.slice(0, name.indexOf('.') + 1)), name).toBe(true);
        const usage = await again.files.usage();
        expect(usage.usedBytes).toBeLessThanOrEqual(usage.capacityBytes);
        await again.files.close();
        await rm(fresh.directory, { recursive: true });
      }
    });
  }
});
