/**
 * Part content in PostgreSQL [issue 11 §3]: a title imported on one node is read, chunk by
 * chunk, on another node that never saw its files; ranges across segment boundaries, parts
 * larger than the cache, imports that died half-way, damaged segments and a database that
 * cannot be reached each give the right bytes or a typed error, never short or silent reads.
 * Runs against FAIRWAY_TEST_PG_URL (each test file gets fresh schemas); skipped without it.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ContentStore } from '../../broker/catalog/content-store.js';
import { DatabasePartSource } from '../../broker/catalog/database-source.js';
import { ContentUnavailableError, isContentUnavailable } from '../../broker/catalog/part-bytes-source.js';
import { prepareTitle, type PreparedTitle } from '../../broker/catalog/prepare-title.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../broker/db/index.js';
import { STORE_KEY_FILE } from '../../broker/keys/store-key.js';
import { openStoreData, type StoreData } from '../../broker/store-data.js';
import { chunkCount, chunkSpan } from '../../sdk/chunks/index.js';
import { manifestArtefact, verifyChunk } from '../../sdk/manifest/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { crypto } from '../support/keys.js';
import { fuzzRuns, seed } from '../support/seed.js';
import { postgresFactory } from './db/test-databases.js';

const url = process.env.FAIRWAY_TEST_PG_URL;
if (!url) {
  if (process.env.CI) throw new Error('FAIRWAY_TEST_PG_URL is not set, and CI must test PostgreSQL content');
  console.warn('\n#  PostgreSQL content tests SKIPPED: FAIRWAY_TEST_PG_URL is not set (see README, Development).\n');
}
const factory = url ? postgresFactory(url) : undefined;
const root = await mkdtemp(join(tmpdir(), 'fairway-content-db-'));
const random = seededRandomSource(seed);
afterAll(async () => {
  await factory?.cleanup();
  await rm(root, { recursive: true, force: true });
}, 60_000);

const MiB = 1024 * 1024;

async function freshDatabase(): Promise<{ handle: DatabaseHandle; url: string }> {
  const fresh = await factory!.openFresh();
  const handle = fresh.open();
  await migrateToLatest(handle);
  return { handle, url: fresh.url! };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stores `bytes` through `source` as an import would (readAt over the bytes in memory). */
async function storeBytes(source: DatabasePartSource, bytes: Uint8Array): Promise<string> {
  const hash = sha256Hex(bytes);
  await source.store(hash, bytes.length, async (offset, length) => bytes.slice(offset, offset + length));
  return hash;
}

async function titleFolder(name: string, chunkBytes: number, parts: Uint8Array[]): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const entries = parts.map((_, i) => `  - { id: ${name}-${i + 1}, file: p${i + 1}.bin, price: 100 }`).join('\n');
  await writeFile(join(dir, 'title.yaml'), `id: ${name}\nname: ${name}\nprovider: Test\ncategory: game\nchunkBytes: ${chunkBytes}\nparts:\n${entries}\n`);
  for (const [i, bytes] of parts.entries()) await writeFile(join(dir, `p${i + 1}.bin`), bytes);
  return dir;
}

async function importOn(node: StoreData, folder: string): Promise<PreparedTitle> {
  return prepareTitle(folder, { content: node.content, crypto, storeSigner: node.key.signer, storeKid: node.key.kid });
}

describe.skipIf(!url)('part content in PostgreSQL', () => {
  it('serves on node B, whose content folder stays empty, every chunk of a title imported on node A', async () => {
    const { url: schemaUrl } = await freshDatabase();
    const a = await openStoreData(join(root, 'node-a'), { databaseUrl: schemaUrl, nowMs: Date.now() });
    // 1 MiB of cache on B: the 3 MiB part is read chunk by chunk from its segments.
    // One store key for the cluster: node B is given node A's.
    const b = await openStoreData(join(root, 'node-b'), { databaseUrl: schemaUrl, nowMs: Date.now(), contentCacheBytes: MiB, storeKeyFile: join(root, 'node-a', STORE_KEY_FILE) });
    try {
      // 10,000-byte chunks do not divide 1 MiB segments: some chunks straddle two of them.
      const parts = [random(3 * MiB + 12_345), random(20_000), random(1)];
      const prepared = await importOn(a, await titleFolder('straddle', 10_000, parts));
      for (const [p, part] of prepared.parts.entries()) {
        const manifest = (await manifestArtefact.open(part.manifest, a.key.signer.publicKey, crypto)).payload;
        for (let i = 0; i < chunkCount(manifest.size, manifest.chunkBytes); i++) {
          const span = chunkSpan(i, manifest.size, manifest.chunkBytes);
          const data = await b.content.read(part.contentHash, span.offsetBytes, span.lengthBytes);
          verifyChunk(manifest, i, data, crypto);
        }
        expect(sha256Hex(await b.content.read(part.contentHash, 0, part.sizeBytes))).toBe(sha256Hex(parts[p]!));
      }
      expect(b.content.cacheStats()).toMatchObject({ parts: 2, bytes: 20_001 });
      expect(await readdir(join(root, 'node-b', 'content')).catch(() => [])).toEqual([]);
      const segments = await b.database.db.selectFrom('part_content').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(segments.n).toBe(4 + 1 + 1);
      // Importing the same content again (here on node B) finds it complete and writes nothing.
      const spy = vi.spyOn(b.content.database!, 'store');
      await importOn(b, await titleFolder('straddle-again', 10_000, parts.slice(1, 2)));
      expect(await spy.mock.results[0]!.value).toBe('present');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads any range, across segment boundaries, as the bytes written', async () => {
    const { handle } = await freshDatabase();
    const source = new DatabasePartSource(handle.db, 4096);
    const bytes = random(5 * 4096 + 100);
    const hash = await storeBytes(source, bytes);
    expect(await source.find(hash)).toEqual({ sizeBytes: bytes.length, unitBytes: 4096 });
    expect(Buffer.from(await source.read(hash, 4000, 200)).equals(bytes.subarray(4000, 4200))).toBe(true);
    expect(Buffer.from(await source.read(hash, 4096 * 5 + 50, 4096)).equals(bytes.subarray(4096 * 5 + 50))).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 3 * 4096 }), async (offset, length) => {
        const read = await source.read(hash, offset, length);
        expect(Buffer.from(read).equals(bytes.subarray(offset, offset + length))).toBe(true);
      }),
      { seed, numRuns: Math.min(fuzzRuns, 60) },
    );
  });

  it('streams a part larger than the cache a segment at a time, and loads a cold cached one once for many readers', async () => {
    const { handle } = await freshDatabase();
    const source = new DatabasePartSource(handle.db, 256 * 1024);
    const large = random(2 * MiB + 7);
    const small = random(200_000);
    const [largeHash, smallHash] = [await storeBytes(source, large), await storeBytes(source, small)];
    // A node that never had the files: an empty folder, the database behind it, 1 MiB of cache
    // (whole parts and segments up to 256 KiB).
    const node = new ContentStore(join(root, 'empty-node'), MiB, { database: source });
    const reads = vi.spyOn(source, 'read');
    // 10,000-byte chunks: some straddle two segments.
    for (let offset = 0; offset < large.length; offset += 10_000) {
      const chunk = await node.read(largeHash, offset, 10_000);
      expect(Buffer.from(chunk).equals(large.subarray(offset, offset + 10_000))).toBe(true);
    }
    expect(reads.mock.calls).toEqual(Array.from({ length: 9 }, (_, i) => [largeHash, i * 256 * 1024, i < 8 ? 256 * 1024 : 7]));
    expect(node.cacheStats().bytes).toBeLessThanOrEqual(MiB);

    reads.mockClear();
    const chunks = await Promise.all(Array.from({ length: 12 }, (_, i) => node.read(smallHash, i * 16_384, 16_384)));
    chunks.forEach((chunk, i) => expect(Buffer.from(chunk).equals(small.subarray(i * 16_384, (i + 1) * 16_384))).toBe(true));
    expect(reads.mock.calls).toEqual([[smallHash, 0, small.length]]);
    await node.close();

    // With no cache at all every chunk is its own ranged query, segments straddled in SQL.
    const bare = new ContentStore(join(root, 'empty-node'), 0, { database: source });
    reads.mockClear();
    for (let offset = 0; offset < large.length; offset += 100_000) {
      expect(Buffer.from(await bare.read(largeHash, offset, 10_000)).equals(large.subarray(offset, offset + 10_000))).toBe(true);
    }
    expect(reads.mock.calls.every(([, , length]) => length === 10_000)).toBe(true);
    expect(bare.cacheStats()).toMatchObject({ parts: 0, bytes: 0 });
    await bare.close();
  });

  it('does not serve a part whose import died half-way, and a re-import completes it', async () => {
    const { handle } = await freshDatabase();
    const source = new DatabasePartSource(handle.db, 4096);
    const bytes = random(4 * 4096);
    const hash = sha256Hex(bytes);
    const dying = source.store(hash, bytes.length, async (offset, length) => {
      if (offset >= 2 * 4096) throw new Error('the importing node lost power');
      return bytes.slice(offset, offset + length);
    });
    await expect(dying).rejects.toThrow('lost power');
    const node = new ContentStore(join(root, 'half-node'), MiB, { database: source });
    await expect(node.read(hash, 0, 4096)).rejects.toSatisfy((e) => isContentUnavailable(e, 'missing'));
    expect(await source.store(hash, bytes.length, async (o, l) => bytes.slice(o, o + l))).toBe('stored');
    expect(Buffer.from(await node.read(hash, 4096, 4096)).equals(bytes.subarray(4096, 8192))).toBe(true);
    await node.close();
  });

  it('refuses to share bytes that do not match their hash', async () => {
    const { handle } = await freshDatabase();
    const source = new DatabasePartSource(handle.db, 4096);
    const bytes = random(10_000);
    const hash = sha256Hex(bytes);
    const damaged = bytes.slice();
    damaged[9_000] = damaged[9_000]! ^ 1;
    await expect(source.store(hash, bytes.length, async (o, l) => damaged.slice(o, o + l))).rejects.toMatchObject({ kind: 'hash-mismatch' });
    expect(await source.has(hash)).toBe(false);
  });

  it('answers a typed error for a segment lost or cut short after completion', async () => {
    const { handle } = await freshDatabase();
    const writer = new DatabasePartSource(handle.db, 4096);
    const bytes = random(3 * 4096);
    const hash = await storeBytes(writer, bytes);
    await handle.db.deleteFrom('part_content').where('content_hash', '=', hash).where('offset_bytes', '=', 4096).execute();
    const reader = new DatabasePartSource(handle.db);
    expect(Buffer.from(await reader.read(hash, 0, 4096)).equals(bytes.subarray(0, 4096))).toBe(true);
    await expect(reader.read(hash, 4000, 200)).rejects.toSatisfy((e) => isContentUnavailable(e, 'truncated'));
    await sql`update part_content set bytes = substring(bytes from 1 for 100) where content_hash = ${hash} and offset_bytes = 8192`.execute(handle.db);
    await expect(reader.read(hash, 8192, 10)).rejects.toSatisfy((e) => isContentUnavailable(e, 'truncated'));
    const node = new ContentStore(join(root, 'cut-node'), MiB, { database: reader });
    await expect(node.read(hash, 0, 4096)).rejects.toBeInstanceOf(ContentUnavailableError);
    await node.close();
  });

  it('says "unreachable", not "missing", when the database is down or its pool closed', async () => {
    const closedPort = openDatabase('postgres://nobody:nothing@127.0.0.1:1/none', { poolMax: 1, onPoolError: () => {} });
    const downNode = new ContentStore(join(root, 'down-node'), MiB, { database: new DatabasePartSource(closedPort.db) });
    await expect(downNode.read('ab'.repeat(32), 0, 16_384)).rejects.toSatisfy((e) => isContentUnavailable(e, 'unreachable'));
    await closedPort.close();

    const { handle } = await freshDatabase();
    const source = new DatabasePartSource(handle.db, 4096);
    const hash = await storeBytes(source, random(9_000));
    const fresh = new DatabasePartSource(handle.db);
    await handle.close();
    await expect(fresh.read(hash, 0, 100)).rejects.toSatisfy((e) => isContentUnavailable(e, 'unreachable'));
    await downNode.close();
  });
});
