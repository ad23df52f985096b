/**
 * importCatalog: a catalog folder (a folder of title folders) or a single title folder goes
 * into a real store the way an operator imports it; importing again reuses what is there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { writeKartDemo, writeNovel } from '../../../sim/catalog/index.js';
import { importCatalog } from '../../../sim/world/index.js';
import { seed } from '../../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-world-import-'));
let store: RunningStore;

beforeAll(async () => {
  store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS, drainTimeoutMs: 1_000 });
});

afterAll(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

describe('importCatalog', () => {
  it('imports one title folder given by itself, with its menu entry', async () => {
    const novel = await writeNovel(join(root, 'one'), { seed, compact: true });
    const titles = await importCatalog(store, novel.folder, 1_000);
    expect(titles).toEqual([
      { title: 'lighthouse-keeper', name: 'The Lighthouse Keeper', provider: 'Tidewater Books', category: 'book', parts: 8, sizeBytes: novel.parts.reduce((sum, p) => sum + p.sizeBytes, 0), firstPart: 'lighthouse-c01', firstPrice: 120, advert: true, folder: novel.folder, imported: true },
    ]);
  });

  it('imports the title folders of a catalog folder by name, and reuses the ones already in the store', async () => {
    const dir = join(root, 'many');
    await writeNovel(dir, { seed, compact: true });
    await writeKartDemo(dir, { seed, compact: true });
    const titles = await importCatalog(store, dir, 2_000);
    expect(titles.map((t) => [t.title, t.imported])).toEqual([
      ['kart-rally-demo', true],
      ['lighthouse-keeper', false],
    ]);
    expect((await importCatalog(store, dir, 3_000)).map((t) => t.imported)).toEqual([false, false]);
    const parts = await store.database.db.selectFrom('parts').select('id').execute();
    expect(parts).toHaveLength(9);
  });
});
