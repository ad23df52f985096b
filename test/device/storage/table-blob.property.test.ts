/**
 * The part table's double-copy blob on its own, under random tables growing and shrinking
 * (seeded: FAIRWAY_SEED replays a failure) with a power cut at a random write, before it lands
 * or torn halfway: a reboot loads the last table saved whole or the one being saved, never
 * nothing or garbage, saving goes on from there, and the blob stays within 2.5 × the table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TABLE_BLOB } from '../../../device/storage/index.js';
import { TableBlob } from '../../../device/storage/table-blob.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { PowerCutStorage } from './support/power-cut-storage.js';
import { bytesOf } from './support/parts.js';

const HEADER_BYTES = 16;

/** The most the blob may take for tables of at most `maxBodyBytes`. */
function sizeBound(maxBodyBytes: number): number {
  const frame = HEADER_BYTES + maxBodyBytes;
  return 2 * Math.max(512, Math.ceil((frame * 1.25) / 64) * 64);
}

const bodies = fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 12 }).map((lengths) => lengths.map((n, i) => bytesOf(n, i + 1)));

/** Which of `candidates` the loaded body is (by value), or -1. Typed-array deep equality is slow at this volume. */
function indexOfBytes(candidates: readonly (Uint8Array | null)[], body: Uint8Array | null): number {
  return candidates.findIndex((c) => (c === null || body === null ? c === body : c.length === body.length && c.every((b, i) => b === body[i])));
}

async function blobSize(storage: MemoryStorage): Promise<number> {
  return (await storage.list()).find((b) => b.name === TABLE_BLOB)?.sizeBytes ?? 0;
}

describe('TableBlob', () => {
  it(`loads the last whole table or the one being written, after a cut at any write (seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.integer({ min: 1, max: 30 }), fc.boolean(), bodies, async (saved, cutAt, tear, more) => {
        const memory = new MemoryStorage(1 << 20);
        const { blob } = await TableBlob.load(new PowerCutStorage(memory, cutAt, tear));
        let interrupted = saved.length;
        for (const [i, body] of saved.entries()) {
          if (await blob.save(body).then(() => false, () => true)) {
            interrupted = i;
            break;
          }
        }
        const reopened = memory.reopen();
        const { blob: again, body } = await TableBlob.load(reopened);
        const acceptable: (Uint8Array | null)[] = [saved[interrupted - 1] ?? null, ...(interrupted < saved.length ? [saved[interrupted]!] : [])];
        expect(indexOfBytes(acceptable, body), `cut at write ${cutAt}${tear ? ', torn' : ''}, during save ${interrupted}`).toBeGreaterThanOrEqual(0);
        for (const next of more) await again.save(next);
        expect(indexOfBytes([more.at(-1)!], (await TableBlob.load(reopened.reopen())).body), 'after saving on').toBe(0);
        if (interrupted === saved.length) {
          const longest = Math.max(...[...saved, ...more].map((b) => b.length));
          expect(await blobSize(memory.reopen())).toBeLessThanOrEqual(sizeBound(longest));
        }
      }),
      { seed, numRuns: fuzzRuns },
    );
  });

  it('reads no table from storage without the blob', async () => {
    const { body } = await TableBlob.load(new MemoryStorage(100));
    expect(body).toBeNull();
  });
});
