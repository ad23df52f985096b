/**
 * The store end to end, as a terminal sees it: a real `startStore` (aedes over TCP, SQLite
 * file, store key, content store) and a bare mqtt.js terminal speaking the wire protocol.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { addUser } from '../../broker/directory/users.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { issueCards } from '../../broker/ledger/cards.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { chunkCount } from '../../sdk/chunks/index.js';
import { manifestArtefact, verifyChunk, type Manifest } from '../../sdk/manifest/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { fromHex } from '../../sdk/vectors/json.js';
import { encodeCbor } from '../../sdk/cbor/index.js';
import type { DownMessage, MessageOf } from '../../sdk/wire/index.js';
import { crypto } from '../support/keys.js';
import { seed } from '../support/seed.js';
import { TestTerminal } from '../support/terminal-client.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-store-'));
const random = seededRandomSource(seed);
const partBytes = [random(20_000), random(9_000), random(4_096)];
let store: RunningStore;
let card: { id: string; password: string };
const deviceKey = NodeSigner.generate();
const strangerKey = NodeSigner.generate();

beforeAll(async () => {
  store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS });
  const db = store.database.db;
  await addUser(db, { id: 'alice', password: 'correct horse', name: 'Alice' }, Date.now(), FAST_TEST_PARAMS);
  await addUser(db, { id: 'bob', password: 'hunter2!' }, Date.now(), FAST_TEST_PARAMS);
  await enrolTerminal(db, { deviceId: 'hh-alice', userId: 'alice', publicKey: deviceKey.publicKey }, Date.now());
  await enrolTerminal(db, { deviceId: 'hh-bob', userId: 'bob', publicKey: strangerKey.publicKey }, Date.now());
  [card] = (await issueCards(store.ledger, { count: 1, valueMinor: 2_000, batch: 'test', nowMs: Date.now() })) as [{ id: string; password: string }];
  const dir = join(root, 'golf');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'title.yaml'),
    `id: super-golf\nname: Super Golf\nprovider: Sharp\ncategory: game\nrequiresBase: true\nchunkBytes: 4096\nparts:\n  - { id: golf-h01, file: h1, price: 500 }\n  - { id: golf-h02, file: h2, price: 450 }\n  - { id: golf-h03, file: h3, price: 400 }\n`,
  );
  for (const [i, bytes] of partBytes.entries()) await writeFile(join(dir, `h${i + 1}`), bytes);
  const ad = join(root, 'kart');
  await mkdir(ad, { recursive: true });
  await writeFile(join(ad, 'title.yaml'), `id: kart-demo\nname: Kart Rally demo\nprovider: Sharp\ncategory: demo\nparts:\n  - { id: kart-d01, file: d1, price: 0 }\n`);
  await writeFile(join(ad, 'd1'), random(100));
  for (const folder of [dir, ad]) await saveTitle(db, await prepareTitle(folder, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), folder, Date.now());
});

afterAll(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

function as<T extends DownMessage['t']>(reply: DownMessage, t: T): Extract<DownMessage, { t: T }> {
  expect(reply.t, JSON.stringify(reply, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(t);
  return reply as Extract<DownMessage, { t: T }>;
}

async function download(terminal: TestTerminal, offer: MessageOf<'offer'>, manifest: Manifest): Promise<Uint8Array> {
  const count = chunkCount(manifest.size, manifest.chunkBytes);
  const rid = terminal.takeRid();
  await terminal.publishRaw('chunks.get', (await import('../../sdk/wire/index.js')).encodeMessage({ v: 1, t: 'chunks.get', rid, transfer: offer.transfer, ranges: [[0, count]] }));
  const chunks = await terminal.chunksFor(rid, count);
  const part = new Uint8Array(manifest.size);
  for (const c of chunks) {
    verifyChunk(manifest, c.i, c.d, crypto);
    part.set(c.d, c.i * manifest.chunkBytes);
  }
  return part;
}

describe('the store, end to end over MQTT', () => {
  it('sells a part: login, menu, top-up, offer, verified chunks, receipt, one charge, finish and advert', async () => {
    const t = await TestTerminal.connect(store.broker.ports.tcp, 'hh-alice', deviceKey);
    try {
      as(await t.request({ t: 'menu.get' }), 'error');
      as(await t.request({ t: 'login', user: 'alice', password: 'wrong' }), 'refusal');
      const login = as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'login.ok');
      expect(login).toMatchObject({ balance: 0, currency: 'JPY' });

      const menu = as(await t.request({ t: 'menu.get' }), 'menu');
      expect(menu.titles.map((x) => [x.title, x.parts, x.firstPart, x.firstPrice])).toEqual([
        ['kart-demo', 1, 'kart-d01', 0],
        ['super-golf', 3, 'golf-h01', 500],
      ]);

      const short = as(await t.request({ t: 'offer.get', part: 'golf-h01' }), 'refusal');
      expect(short).toMatchObject({ code: 'insufficient-credit', balance: 0, price: 500, part: 'golf-h01' });
      const topUp = as(await t.request({ t: 'card.redeem', card: card.id, password: card.password }), 'card.ok');
      expect(topUp).toMatchObject({ value: 2_000, balance: 2_000 });

      const offer = as(await t.request({ t: 'offer.get', part: 'golf-h01' }), 'offer');
      expect(offer).toMatchObject({ part: 'golf-h01', listPrice: 500, price: 500, windowMax: 256 });
      const manifest = (await manifestArtefact.open(offer.manifest, store.key.signer.publicKey, crypto)).payload;
      expect(manifest).toMatchObject({ part: 'golf-h01', next: 'golf-h02', size: 20_000 });
      const again = as(await t.request({ t: 'offer.get', part: 'golf-h01' }), 'offer');
      expect(again.transfer).toEqual(offer.transfer);

      expect(await download(t, offer, manifest)).toEqual(partBytes[0]);

      const receipt = await receiptArtefact.sign(
        { v: 1, device: 'hh-alice', user: 'alice', part: 'golf-h01', partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: Date.now() },
        deviceKey,
        new TextEncoder().encode('hh-alice'),
      );
      const charge = as(await t.request({ t: 'receipt', receipt }), 'charge');
      expect(charge).toMatchObject({ part: 'golf-h01', price: 500, balance: 1_500 });
      const resent = as(await t.request({ t: 'receipt', receipt }), 'charge');
      expect({ ...resent, rid: 0 }).toEqual({ ...charge, rid: 0 });
      expect(as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'login.ok').balance).toBe(1_500);

      const advert = as(await t.request({ t: 'finish', title: 'super-golf', part: 'golf-h01', results: { strokes: 4 } }), 'advert');
      expect(advert.advert).toMatchObject({ title: 'kart-demo', firstPart: 'kart-d01' });
      const { getUser } = await import('../../broker/directory/users.js');
      expect((await getUser(store.database.db, 'alice')).history).toMatchObject([
        { kind: 'finish', titleId: 'super-golf', partId: 'golf-h01', results: { strokes: 4 } },
        { kind: 'charge', titleId: 'super-golf', partId: 'golf-h01' },
      ]);
      expect(await checkInvariants(store.ledger, Date.now())).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('refuses forged and mismatched receipts without charging', async () => {
    const t = await TestTerminal.connect(store.broker.ports.tcp, 'hh-alice', deviceKey);
    try {
      as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'login.ok');
      const offer = as(await t.request({ t: 'offer.get', part: 'golf-h02' }), 'offer');
      const manifest = (await manifestArtefact.open(offer.manifest, store.key.signer.publicKey, crypto)).payload;
      const payload = { v: 1 as const, device: 'hh-alice', user: 'alice', part: 'golf-h02', partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: Date.now() };
      const forged = await receiptArtefact.sign(payload, strangerKey);
      expect(as(await t.request({ t: 'receipt', receipt: forged }), 'refusal').code).toBe('receipt-refused');
      const cheap = await receiptArtefact.sign({ ...payload, price: 1 }, deviceKey);
      expect(as(await t.request({ t: 'receipt', receipt: cheap }), 'refusal').code).toBe('receipt-refused');
      const wrongHash = await receiptArtefact.sign({ ...payload, partHash: new Uint8Array(32) }, deviceKey);
      expect(as(await t.request({ t: 'receipt', receipt: wrongHash }), 'refusal').code).toBe('receipt-refused');
      const unknown = await receiptArtefact.sign({ ...payload, transfer: new Uint8Array(16) }, deviceKey);
      expect(as(await t.request({ t: 'receipt', receipt: unknown }), 'refusal').code).toBe('unknown-transfer');
      const before = as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'login.ok').balance;
      expect(before).toBe(1_500);
      const cancelled = as(await t.request({ t: 'offer.cancel', transfer: offer.transfer }), 'offer.cancelled');
      expect(cancelled.balance).toBe(1_500);
      expect(await checkInvariants(store.ledger, Date.now())).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('answers bad bodies with typed errors and keeps serving', async () => {
    const t = await TestTerminal.connect(store.broker.ports.tcp, 'hh-bob', strangerKey);
    try {
      const waitFor = async (predicate: (m: DownMessage) => boolean) => {
        for (let i = 0; i < 400 && !t.unpaired.some(predicate); i++) await new Promise((r) => setTimeout(r, 5));
        return t.unpaired.find(predicate);
      };
      await t.publishRaw('login', new Uint8Array([0xff, 0x00]));
      expect(await waitFor((m) => m.t === 'error' && m.code === 'bad-request')).toBeTruthy();
      await t.publishRaw('login', encodeCbor({ v: 2, t: 'login', rid: 77 }));
      expect(await waitFor((m) => m.t === 'error' && m.code === 'unsupported-version')).toBeTruthy();
      await t.publishRaw('login', encodeCbor({ v: 1, t: 'menu.get', rid: 78 }));
      expect(await waitFor((m) => m.t === 'error' && m.code === 'bad-request' && m.rid === 78)).toBeTruthy();
      as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'refusal');
      as(await t.request({ t: 'login', user: 'bob', password: 'hunter2!' }), 'login.ok');
      const other = as(await t.request({ t: 'chunks.get', transfer: fromHex('00'.repeat(16)), ranges: [[0, 1]] }), 'refusal');
      expect(other.code).toBe('unknown-transfer');
    } finally {
      await t.close();
    }
  });
});
