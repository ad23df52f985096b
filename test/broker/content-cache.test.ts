/**
 * Serving part content from memory: the store reads hot parts once and serves their chunks
 * from RAM within a byte budget. What a store operator relies on: the bytes are the file's,
 * whatever the budget; the budget is never exceeded; a part too big for it is still served.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../../broker/catalog/content-store.js';
import { PartCache } from '../../broker/catalog/part-cache.js';
import { expectThrow } from '../../sdk/testing/expect-error.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import { crypto } from '../support/keys.js';
import { fuzzRuns, seed } from '../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-content-cache-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const random = seededRandomSource(seed);

async function storedPart(store: ContentStore, sizeBytes: number, chunkBytes = 4096): Promise<{ hash: string; bytes: Uint8Array }> {
  const bytes = random(sizeBytes);
  const file = join(root, `source-${sizeBytes}-${toHex(random(6))}`);
  await writeFile(file, bytes);
  const stored = await store.importFile(file, chunkBytes, crypto);
  return { hash: stored.contentHash, bytes };
}

describe('part cache', () => {
  it('evicts the least recently used part first, and a read makes a part recent', () => {
    const cache = new PartCache(400);
    cache.put('a', new Uint8Array(100));
    cache.put('b', new Uint8Array(100));
    cache.put('c', new Uint8Array(100));
    cache.put('d', new Uint8Array(100));
    expect(cache.get('a')).toBeDefined();
    cache.put('e', new Uint8Array(100));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd', 'e'].every((k) => cache.get(k) !== undefined)).toBe(true);
    expect(cache.sizeBytes).toBe(400);
  });

  it('keeps no part larger than a quarter of its budget, so one big part cannot push out the hot ones', () => {
    const cache = new PartCache(400);
    cache.put('small', new Uint8Array(100));
    cache.put('big', new Uint8Array(101));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.get('small')).toBeDefined();
  });

  it('never holds more than its budget, whatever is put in what order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 400 })), { maxLength: 60 }), (budget, puts) => {
        const cache = new PartCache(budget);
        for (const [key, size] of puts) {
          cache.put(String(key), new Uint8Array(size));
          expect(cache.sizeBytes).toBeLessThanOrEqual(budget);
        }
      }),
      { seed, numRuns: fuzzRuns },
    );
  });
});

describe('content store with a cache', () => {
  it('serves every chunk with the file\'s bytes, from memory or from disk', async () => {
    const cached = new ContentStore(join(root, 'served'));
    const part = await storedPart(cached, 50_000);
    const uncached = new ContentStore(join(root, 'served'), 0);
    for (let offset = 0; offset < part.bytes.length; offset += 4096) {
      const expected = part.bytes.subarray(offset, offset + 4096);
      expect(Buffer.from(await cached.read(part.hash, offset, 4096)).equals(expected)).toBe(true);
      expect(Buffer.from(await uncached.read(part.hash, offset, 4096)).equals(expected)).toBe(true);
    }
    expect(cached.cacheStats()).toMatchObject({ parts: 1, bytes: 50_000 });
    expect(uncached.cacheStats()).toMatchObject({ parts: 0, bytes: 0 });
    await Promise.all([cached.close(), uncached.close()]);
  });

  it('loads a cold part once when many windows ask for it at the same moment', async () => {
    const store = new ContentStore(join(root, 'cold'), 1024 * 1024);
    const part = await storedPart(store, 100_000);
    const reads = await Promise.all(Array.from({ length: 24 }, (_, i) => store.read(part.hash, i * 4096, 4096)));
    reads.forEach((bytes, i) => expect(Buffer.from(bytes).equals(part.bytes.subarray(i * 4096, (i + 1) * 4096))).toBe(true));
    expect(store.cacheStats()).toMatchObject({ parts: 1, bytes: 100_000 });
    await store.close();
  });

  it('serves a part too large for the budget from disk and keeps nothing of it', async () => {
    const store = new ContentStore(join(root, 'large'), 100_000);
    const part = await storedPart(store, 30_000);
    expect(Buffer.from(await store.read(part.hash, 8192, 4096)).equals(part.bytes.subarray(8192, 12_288))).toBe(true);
    expect(store.cacheStats()).toMatchObject({ parts: 0, bytes: 0 });
    await store.close();
  });

  it('reads a short last chunk short, as from disk', async () => {
    const store = new ContentStore(join(root, 'tail'));
    const part = await storedPart(store, 10_000);
    expect((await store.read(part.hash, 8192, 4096)).length).toBe(10_000 - 8192);
    await store.close();
  });

  it('refuses a cache size that is not a whole number of bytes', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expectThrow(() => new ContentStore(join(root, 'x'), bad), ['out-of-range']);
  });
});
