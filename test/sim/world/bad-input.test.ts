/**
 * provisionWorld refuses what it cannot make a world from — out-of-range options, a missing or
 * empty catalog, a data folder holding a world of another seed, a damaged card record — with
 * a typed error naming the option, and changes nothing in the store when it does.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { CatalogError } from '../../../broker/catalog/catalog-error.js';
import { addUser } from '../../../broker/directory/users.js';
import { credit } from '../../../broker/ledger/holds.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { writeDemoCatalog } from '../../../sim/catalog/index.js';
import { defaultRecordPath, provisionWorld, worldPassword, worldSigner, type WorldOptions } from '../../../sim/world/index.js';
import { toHex } from '../../../sdk/vectors/json.js';
import { expectKind } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-world-bad-'));
const catalogDir = join(root, 'catalog');
const stores: RunningStore[] = [];
let stores_made = 0;
const base = (): WorldOptions => ({ users: 2, creditMinor: 300, cardsPerUser: 1, cardValueMinor: 500, seed, catalogDir });

async function freshStore(): Promise<RunningStore> {
  const store = await startStore({ dataDir: join(root, `data${stores_made++}`), passwordParams: FAST_TEST_PARAMS, drainTimeoutMs: 1_000 });
  stores.push(store);
  return store;
}

async function rowCounts(store: RunningStore): Promise<Record<string, number>> {
  const db = store.database.db;
  const count = async (table: 'users' | 'devices' | 'titles' | 'cards' | 'ledger_txns') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { users: await count('users'), devices: await count('devices'), titles: await count('titles'), cards: await count('cards'), ledgerTxns: await count('ledger_txns') };
}

beforeAll(async () => {
  await writeDemoCatalog(catalogDir, { seed, compact: true });
});

afterAll(async () => {
  for (const store of stores) await store.close();
  await rm(root, { recursive: true, force: true });
});

describe('provisionWorld refuses', () => {
  it('options out of range, naming the option, before touching the store', async () => {
    const store = await freshStore();
    const cases: [Partial<Record<keyof WorldOptions, unknown>>, string, string][] = [
      [{ users: 0 }, 'out-of-range', 'users'],
      [{ users: 100_000 }, 'out-of-range', 'users'],
      [{ users: 1.5 }, 'out-of-range', 'users'],
      [{ users: '2' }, 'out-of-range', 'users'],
      [{ terminalsPerUser: 2 }, 'out-of-range', 'terminalsPerUser'],
      [{ creditMinor: -1 }, 'out-of-range', 'creditMinor'],
      [{ creditMinor: 0.5 }, 'out-of-range', 'creditMinor'],
      [{ creditMinor: 1e13 }, 'out-of-range', 'creditMinor'],
      [{ cardsPerUser: -1 }, 'out-of-range', 'cardsPerUser'],
      [{ cardsPerUser: 101 }, 'out-of-range', 'cardsPerUser'],
      [{ cardValueMinor: 0 }, 'out-of-range', 'cardValueMinor'],
      [{ seed: Number.NaN }, 'out-of-range', 'seed'],
      [{ seed: 1.5 }, 'out-of-range', 'seed'],
      [{ catalogDir: '' }, 'invalid-argument', 'catalogDir'],
    ];
    for (const [change, kind, path] of cases) {
      const error = await expectKind(() => provisionWorld(store, { ...base(), ...change } as WorldOptions), kind as 'out-of-range');
      expect([change, error.path]).toEqual([change, path]);
    }
    expect(await rowCounts(store)).toMatchObject({ users: 0, devices: 0, titles: 0, cards: 0 });
  });

  it('a catalog folder that is missing or holds no title folder', async () => {
    const store = await freshStore();
    expect((await expectKind(() => provisionWorld(store, { ...base(), catalogDir: join(root, 'no-such-folder') }), 'not-found')).path).toBe('catalogDir');
    const empty = join(root, 'empty-catalog');
    await mkdir(join(empty, 'not-a-title'), { recursive: true });
    expect((await expectKind(() => provisionWorld(store, { ...base(), catalogDir: empty }), 'not-found')).path).toBe('catalogDir');
    expect(await rowCounts(store)).toMatchObject({ users: 0, titles: 0 });
  });

  it('a catalog with a broken title file, with the store’s own CatalogError, before any user is made', async () => {
    const store = await freshStore();
    const broken = join(root, 'broken-catalog');
    await mkdir(join(broken, 'bad'), { recursive: true });
    await writeFile(join(broken, 'bad', 'title.yaml'), 'id: bad\nname: Bad\nprovider: Nobody\ncategory: game\nparts: []\n');
    await expect(provisionWorld(store, { ...base(), catalogDir: broken })).rejects.toBeInstanceOf(CatalogError);
    expect(await rowCounts(store)).toMatchObject({ users: 0, devices: 0, cards: 0 });
  });

  it('a data folder holding a world of another seed: by its card record, or without one by its terminals’ keys', async () => {
    const store = await freshStore();
    await provisionWorld(store, base());
    const before = await rowCounts(store);
    expect((await expectKind(() => provisionWorld(store, { ...base(), seed: seed + 1 }), 'invalid-argument')).path).toBe('seed');
    const elsewhere = join(root, 'other-record.json');
    expect((await expectKind(() => provisionWorld(store, { ...base(), seed: seed + 1, recordPath: elsewhere }), 'invalid-argument')).path).toBe('seed');
    expect(await rowCounts(store)).toEqual(before);
  });

  it('a user of the world’s name made by someone else, with another password', async () => {
    const store = await freshStore();
    await addUser(store.database.db, { id: 'player-00001', password: 'chosen by an operator' }, Date.now(), FAST_TEST_PARAMS);
    expect((await expectKind(() => provisionWorld(store, { ...base(), users: 1 }), 'invalid-argument')).path).toBe('seed');
    expect(await rowCounts(store)).toMatchObject({ users: 1, devices: 0, cards: 0 });
  });

  it('a damaged card record, as malformed, naming the record', async () => {
    const store = await freshStore();
    const record = defaultRecordPath(store);
    for (const text of ['{ not json', JSON.stringify({ v: 2, seed, cards: {} }), JSON.stringify({ v: 1, seed, cards: { 'player-00001': [{ id: 'PC-1', password: 'x', valueMinor: -5 }] } })]) {
      await writeFile(record, text);
      expect((await expectKind(() => provisionWorld(store, base()), 'malformed')).path).toBe('recordPath');
    }
    expect(await rowCounts(store)).toMatchObject({ users: 0, titles: 0 });
  });
});

describe('provisionWorld on a second run', () => {
  it('never gives the starting credit twice, even when asked for another amount', async () => {
    const store = await freshStore();
    const first = await provisionWorld(store, base());
    await provisionWorld(store, { ...base(), creditMinor: 9_999 });
    for (const device of first.devices) expect((await credit(store.ledger, device.userId, Date.now())).balanceMinor).toBe(300);
  });

  it('derives every password and key from the seed alone', async () => {
    const store = await freshStore();
    const made = await provisionWorld(store, { ...base(), cardsPerUser: 0, creditMinor: 0 });
    expect(made.devices.map((d) => [d.password, toHex(d.signer.publicKey)])).toEqual([1, 2].map((i) => [worldPassword(seed, i), toHex(worldSigner(seed, i).publicKey)]));
    expect(worldPassword(seed + 1, 1)).not.toBe(worldPassword(seed, 1));
    expect(made.devices.every((d) => d.cards.length === 0)).toBe(true);
    expect(await rowCounts(store)).toMatchObject({ cards: 0, ledgerTxns: 0 });
  });
});
