/**
 * provisionWorld against a real store (startStore on a temp data folder, aedes on 127.0.0.1,
 * SQLite): the demo catalog imported and on the menu, users whose derived credentials log in,
 * credit and cards that work, the novel's sponsored chapter offered below its list price with
 * the sponsor's advert — and a second run on the same data folder, after a store restart,
 * finding the same world instead of making another.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { checkInvariants } from '../../../broker/ledger/invariants.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { bytesPartImage } from '../../../device/executor/index.js';
import { CartridgeExecutor } from '../../../device/ports/node/cartridge/index.js';
import { writeDemoCatalog } from '../../../sim/catalog/index.js';
import { provisionWorld, type World, type WorldOptions } from '../../../sim/world/index.js';
import { chunkCount } from '../../../sdk/chunks/index.js';
import { manifestArtefact, verifyChunk } from '../../../sdk/manifest/index.js';
import { receiptArtefact } from '../../../sdk/receipt/index.js';
import { toHex } from '../../../sdk/vectors/json.js';
import { encodeMessage, type DownMessage } from '../../../sdk/wire/index.js';
import { crypto } from '../../support/keys.js';
import { seed } from '../../support/seed.js';
import { TestTerminal } from '../../support/terminal-client.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-world-'));
const dataDir = join(root, 'data');
const catalogDir = join(root, 'catalog');
const options: WorldOptions = { users: 3, creditMinor: 1_000, cardsPerUser: 2, cardValueMinor: 500, seed, catalogDir };
let store: RunningStore;
let world: World;

const start = () => startStore({ dataDir, passwordParams: FAST_TEST_PARAMS, drainTimeoutMs: 1_000 });

beforeAll(async () => {
  await writeDemoCatalog(catalogDir, { seed, compact: true });
  store = await start();
  world = await provisionWorld(store, options);
});

afterAll(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

function as<T extends DownMessage['t']>(reply: DownMessage, t: T): Extract<DownMessage, { t: T }> {
  expect(reply.t, JSON.stringify(reply, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(t);
  return reply as Extract<DownMessage, { t: T }>;
}

/** A logged-in terminal of the world. */
async function connect(device = world.devices[0]!): Promise<TestTerminal> {
  const terminal = await TestTerminal.connect(store.broker.ports.tcp, device.deviceId, device.signer);
  as(await terminal.request({ t: 'login', user: device.userId, password: device.password }), 'login.ok');
  return terminal;
}

async function rowCounts(): Promise<{ users: number; devices: number; titles: number; parts: number; cards: number; ledgerTxns: number }> {
  const db = store.database.db;
  const count = async (table: 'users' | 'devices' | 'titles' | 'parts' | 'cards' | 'ledger_txns') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { users: await count('users'), devices: await count('devices'), titles: await count('titles'), parts: await count('parts'), cards: await count('cards'), ledgerTxns: await count('ledger_txns') };
}

/** What a device is, comparably: its ids, password, public key and cards. */
const identity = (w: World) => w.devices.map((d) => ({ deviceId: d.deviceId, userId: d.userId, password: d.password, publicKey: toHex(d.signer.publicKey), cards: d.cards }));

describe('provisionWorld', () => {
  it('imports the demo catalog: the menu lists golf in 18 parts, the novel, the demo program and the adverts', async () => {
    expect(world.titles.map((t) => [t.title, t.category, t.parts, t.advert, t.imported])).toEqual([
      ['golf-tour-advert', 'advert', 1, false, true],
      ['harbour-tea-advert', 'advert', 1, false, true],
      ['kart-rally-demo', 'demo', 1, false, true],
      ['lighthouse-keeper', 'book', 8, true, true],
      ['pocket-puzzle', 'game', 2, false, true],
      ['super-golf', 'game', 18, false, true],
      ['tidewater-advert', 'advert', 1, false, true],
    ]);
    const terminal = await connect();
    try {
      const menu = as(await terminal.request({ t: 'menu.get' }), 'menu');
      expect(menu.titles).toEqual(world.titles.map(({ folder: _folder, imported: _imported, ...entry }) => entry));
      expect(menu.titles.find((t) => t.title === 'super-golf')).toMatchObject({ name: 'Super Golf', parts: 18, firstPart: 'golf-h01', firstPrice: 500 });
      expect(menu.titles.find((t) => t.title === 'lighthouse-keeper')).toMatchObject({ name: 'The Lighthouse Keeper', parts: 8, firstPart: 'lighthouse-c01', advert: true });
    } finally {
      await terminal.close();
    }
  });

  it('gives every user a terminal with a key from the seed, a password that logs in, the starting credit and unused cards', async () => {
    expect(world.devices.map((d) => [d.deviceId, d.userId])).toEqual([
      ['hh-00001', 'player-00001'],
      ['hh-00002', 'player-00002'],
      ['hh-00003', 'player-00003'],
    ]);
    expect(new Set(world.devices.map((d) => toHex(d.signer.publicKey))).size).toBe(3);
    expect(world.storePublicKey).toEqual(store.key.signer.publicKey);
    for (const device of world.devices) {
      expect(device.cards.map((c) => c.valueMinor)).toEqual([500, 500]);
      const terminal = await TestTerminal.connect(store.broker.ports.tcp, device.deviceId, device.signer);
      try {
        expect(as(await terminal.request({ t: 'login', user: device.userId, password: 'not it' }), 'refusal').code).toBe('login-refused');
        expect(as(await terminal.request({ t: 'login', user: device.userId, password: device.password }), 'login.ok').balance).toBe(1_000);
      } finally {
        await terminal.close();
      }
    }
    expect(await checkInvariants(store.ledger, Date.now())).toEqual([]);
  });

  it('offers the sponsored chapter below its list price with Harbour Tea’s advert; unsponsored chapters at list price; adverts free', async () => {
    const terminal = await connect(world.devices[1]);
    try {
      const sponsored = as(await terminal.request({ t: 'offer.get', part: 'lighthouse-c01' }), 'offer');
      expect(sponsored).toMatchObject({ part: 'lighthouse-c01', listPrice: 120, price: 20, currency: 'JPY' });
      expect(sponsored.price).toBeLessThan(sponsored.listPrice);
      expect(sponsored.advert).toEqual({ title: 'harbour-tea-advert', name: 'Harbour Tea: a cup for every chapter', sponsor: 'Harbour Tea Company', firstPart: 'harbour-tea-ad1' });
      expect(as(await terminal.request({ t: 'offer.get', part: 'lighthouse-c02' }), 'offer')).toMatchObject({ listPrice: 120, price: 70 });
      const plain = as(await terminal.request({ t: 'offer.get', part: 'lighthouse-c04' }), 'offer');
      expect(plain).toMatchObject({ listPrice: 120, price: 120 });
      expect(plain.advert).toBeUndefined();
      expect(as(await terminal.request({ t: 'offer.get', part: 'golf-tour-ad1' }), 'offer')).toMatchObject({ listPrice: 0, price: 0 });
    } finally {
      await terminal.close();
    }
  });

  it('serves a free advert part that streams, verifies, is charged nothing and plays to its end', async () => {
    const device = world.devices[2]!;
    const terminal = await connect(device);
    const executor = new CartridgeExecutor();
    try {
      const offer = as(await terminal.request({ t: 'offer.get', part: 'tidewater-ad1' }), 'offer');
      const manifest = (await manifestArtefact.open(offer.manifest, world.storePublicKey, crypto)).payload;
      const count = chunkCount(manifest.size, manifest.chunkBytes);
      const rid = terminal.takeRid();
      await terminal.publishRaw('chunks.get', encodeMessage({ v: 1, t: 'chunks.get', rid, transfer: offer.transfer, ranges: [[0, count]] }));
      const bytes = new Uint8Array(manifest.size);
      for (const chunk of await terminal.chunksFor(rid, count)) {
        verifyChunk(manifest, chunk.i, chunk.d, crypto);
        bytes.set(chunk.d, chunk.i * manifest.chunkBytes);
      }
      const receipt = await receiptArtefact.sign(
        { v: 1, device: device.deviceId, user: device.userId, part: manifest.part, partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: Date.now() },
        device.signer,
        new TextEncoder().encode(device.deviceId),
      );
      expect(as(await terminal.request({ t: 'receipt', receipt }), 'charge')).toMatchObject({ part: 'tidewater-ad1', price: 0, balance: 1_000 });
      const played = await executor.play({ part: bytesPartImage({ part: manifest.part, title: manifest.title, seq: manifest.seq }, bytes), base: null, carried: {}, seed });
      expect(played).toMatchObject({ continue: false, results: { sponsor: 'Tidewater Books', advertises: 'lighthouse-keeper' } });
      expect(await checkInvariants(store.ledger, Date.now())).toEqual([]);
    } finally {
      await executor.close();
      await terminal.close();
    }
  });

  it('run again on the same data folder after a restart, gives the same devices and adds no user, terminal, title, credit or card', async () => {
    const before = await rowCounts();
    await store.close();
    store = await start();
    const again = await provisionWorld(store, options);
    expect(identity(again)).toEqual(identity(world));
    expect(again.storePublicKey).toEqual(world.storePublicKey);
    expect(again.titles.map((t) => t.imported)).toEqual(world.titles.map(() => false));
    expect(again.titles.map(({ imported: _imported, ...t }) => t)).toEqual(world.titles.map(({ imported: _imported, ...t }) => t));
    expect(await rowCounts()).toEqual(before);
    const terminal = await connect(world.devices[0]);
    try {
      expect(as(await terminal.request({ t: 'login', user: 'player-00001', password: world.devices[0]!.password }), 'login.ok').balance).toBe(1_000);
    } finally {
      await terminal.close();
    }
  });

  it('replaces a card redeemed since the last run, and only that one', async () => {
    const device = world.devices[0]!;
    const [used, kept] = device.cards as [(typeof device.cards)[0], (typeof device.cards)[0]];
    const terminal = await connect(device);
    try {
      expect(as(await terminal.request({ t: 'card.redeem', card: used.id, password: used.password }), 'card.ok')).toMatchObject({ value: 500, balance: 1_500 });
    } finally {
      await terminal.close();
    }
    const before = await rowCounts();
    const again = await provisionWorld(store, options);
    const cards = again.devices[0]!.cards;
    expect(cards).toHaveLength(2);
    expect(cards[0]).toEqual(kept);
    expect(cards[1]!.id).not.toBe(used.id);
    expect(again.devices.slice(1).map((d) => d.cards)).toEqual(world.devices.slice(1).map((d) => d.cards));
    expect((await rowCounts()).cards).toBe(before.cards + 1);
    world = again;
  });

  it('adds users to a world asked for more of them, keeping the ones it has', async () => {
    const bigger = await provisionWorld(store, { ...options, users: 4 });
    expect(identity(bigger).slice(0, 3)).toEqual(identity(world));
    expect(bigger.devices[3]).toMatchObject({ deviceId: 'hh-00004', userId: 'player-00004' });
    expect((await rowCounts()).users).toBe(4);
    world = bigger;
  });
});
