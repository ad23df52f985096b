/**
 * Power loss at any await: a scripted session (downloads, serving, eviction, a title finished,
 * the table blob growing twice) is cut at every write and remove it makes, both before the
 * call lands and with the call torn halfway. After each reboot the parts, their states and the
 * bytes they hold must be those from just before or just after the interrupted call (so no
 * blob went before the table stopped naming it), no blob of an unknown slot may remain, the
 * figures must match the blobs, the caller's own blob must be intact, and the manager must work.
 */
import { describe, expect, it } from 'vitest';
import { StorageManager, type PartBlobKind, type StoredPart } from '../../../device/storage/index.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { PowerCutStorage } from './support/power-cut-storage.js';
import { bytesOf, partBlobs, partRequest, SYSTEM_RESERVE_BYTES } from './support/parts.js';

const CAPACITY_BYTES = SYSTEM_RESERVE_BYTES + 6000;
const options = { systemReserveBytes: SYSTEM_RESERVE_BYTES };
const STATE = bytesOf(300, 42);

/** A step of the session; `writes` names the part whose blob a write step changes. */
interface Step {
  run: (manager: StorageManager) => Promise<unknown>;
  writes?: string;
}

const write = (part: string, kind: PartBlobKind, bytes: Uint8Array): Step => ({ run: (m) => m.write(part, kind, 0, bytes), writes: part });
const call = (run: Step['run']): Step => ({ run });

const script: Step[] = [
  call((m) => m.reserve(partRequest('a', 1, 800, 100))),
  write('a-1', 'man', bytesOf(60, 1)),
  write('a-1', 'bits', Uint8Array.of(0xff)),
  write('a-1', 'data', bytesOf(800, 2)),
  write('a-1', 'bits', Uint8Array.of(0)),
  call((m) => m.markComplete('a-1')),
  write('a-1', 'rcpt', bytesOf(30, 3)),
  call((m) => m.reserve(partRequest('a', 2, 600, 50))),
  call((m) => m.markServed('a-1')),
  write('a-2', 'data', bytesOf(600, 4)),
  call((m) => m.markComplete('a-2')),
  call((m) => m.markServed('a-2')),
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seq) => call((m) => m.reserve(partRequest('b', seq, 200, 20)))),
  write('b-3', 'data', bytesOf(200, 5)),
  call((m) => m.reserve(partRequest('c', 1, 1500, 0))), // evicts a-1, no longer needed by anything
  call((m) => m.release('b-8')),
  call((m) => m.finishTitle('b')),
  call((m) => m.remove('c-1')),
];

/**
 * What a reboot must restore: parts, states, slots and the bytes each holds, except the part
 * an interrupted write was changing (its bytes may be part-written; the download re-checks).
 */
function shape(parts: readonly StoredPart[], unsure?: string): string[] {
  return parts.map((p) => `${p.part}:${p.state}:${p.slot}:${p.part === unsure ? '?' : p.writtenBytes}`);
}

async function freshMemory(): Promise<MemoryStorage> {
  const memory = new MemoryStorage(CAPACITY_BYTES);
  await memory.write('fw-state', 0, STATE);
  return memory;
}

/** Runs the script in full with no cut: the shape after each step, and the mutations it made. */
async function cleanRun(): Promise<{ lists: StoredPart[][]; mutations: number; tableSizes: number[] }> {
  const memory = await freshMemory();
  const counting = new PowerCutStorage(memory);
  const manager = await StorageManager.open(counting, options);
  const lists = [manager.list()];
  const tableSizes: number[] = [];
  for (const step of script) {
    await step.run(manager);
    lists.push(manager.list());
    tableSizes.push((await memory.list()).find((b) => b.name === 'fw-parts')?.sizeBytes ?? 0);
  }
  return { lists, mutations: counting.mutations, tableSizes };
}

async function expectConsistent(memory: MemoryStorage, manager: StorageManager): Promise<void> {
  const slots = new Set(manager.list().map((p) => p.slot));
  const blobs = await memory.list();
  const partBlobSizes = blobs.filter((b) => /^s\d+\./.test(b.name));
  for (const blob of partBlobSizes) expect(slots.has(Number(/^s(\d+)/.exec(blob.name)?.[1])), `orphan blob ${blob.name}`).toBe(true);
  expect(manager.usage().usedBytes).toBe(partBlobSizes.reduce((sum, b) => sum + b.sizeBytes, 0));
  for (const part of manager.list()) expect(part.writtenBytes).toBeLessThanOrEqual(part.reservedBytes);
  const usage = await memory.usage();
  expect(usage.usedBytes).toBeLessThanOrEqual(usage.capacityBytes);
  expect(await memory.read('fw-state', 0, 1000)).toEqual(STATE);
}

describe('StorageManager under power cuts', () => {
  it('the clean run of the script grows the table blob twice (so the cuts cover growth)', async () => {
    const { tableSizes } = await cleanRun();
    expect(new Set(tableSizes.filter((size) => size > 0)).size).toBeGreaterThanOrEqual(3);
  });

  for (const tear of [false, true]) {
    it(`recovers from a cut ${tear ? 'tearing' : 'before'} each write and remove of a session`, async () => {
      const { lists, mutations } = await cleanRun();
      for (let cutAt = 1; cutAt <= mutations; cutAt++) {
        const memory = await freshMemory();
        const manager = await StorageManager.open(new PowerCutStorage(memory, cutAt, tear), options);
        let interrupted = -1;
        for (const [i, step] of script.entries()) {
          const failed = await step.run(manager).then(() => false, () => true);
          if (failed) {
            interrupted = i;
            break;
          }
        }
        expect(interrupted, `cut ${cutAt} interrupted no step`).toBeGreaterThanOrEqual(0);
        const rebooted = await StorageManager.open(memory.reopen(), options);
        const unsure = script[interrupted]?.writes;
        const before = shape(lists[interrupted]!, unsure);
        const after = shape(lists[interrupted + 1]!, unsure);
        expect([before, after], `cut at mutation ${cutAt} (step ${interrupted})`).toContainEqual(shape(rebooted.list(), unsure));
        const reopened = memory.reopen();
        const again = await StorageManager.open(reopened, options);
        await expectConsistent(reopened, again);
        // It still works: everything can be cleared and a part the size of the whole budget fits.
        for (const title of ['a', 'b', 'c']) await again.finishTitle(title);
        await again.reserve(partRequest('z', 1, 6000, 0));
        expect(await partBlobs(reopened)).toEqual([]);
      }
    });
  }
});
