/**
 * Two (and three) real stores on one PostgreSQL database, each with its own data folder, as
 * cluster nodes are [issue 11 §3]: a terminal buys on node B a title imported through node A
 * and streams it to a verified receipt; a node that cannot read a part — its content not in
 * the database yet, or the database lost in the middle of a read — answers the window with a
 * typed error carrying its rid, once, and serves it when the content is back.
 * Runs against FAIRWAY_TEST_PG_URL; skipped without it.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { ContentStore } from '../../broker/catalog/content-store.js';
import { syncContentToDatabase } from '../../broker/catalog/content-sync.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { issueCards } from '../../broker/ledger/cards.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { STORE_KEY_FILE } from '../../broker/keys/store-key.js';
import type { StoreEvent } from '../../broker/service/store-context.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { chunkCount } from '../../sdk/chunks/index.js';
import { manifestArtefact, verifyChunk, type Manifest } from '../../sdk/manifest/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import type { DownMessage, MessageOf } from '../../sdk/wire/index.js';
import { crypto } from '../support/keys.js';
import { PgProxy } from '../support/pg-proxy.js';
import { seed } from '../support/seed.js';
import { TestTerminal } from '../support/terminal-client.js';
import { postgresFactory } from './db/test-databases.js';

const url = process.env.FAIRWAY_TEST_PG_URL;
if (!url) {
  if (process.env.CI) throw new Error('FAIRWAY_TEST_PG_URL is not set, and CI must test PostgreSQL content');
  console.warn('\n#  Cluster content tests SKIPPED: FAIRWAY_TEST_PG_URL is not set (see README, Development).\n');
}

const MiB = 1024 * 1024;
const root = await mkdtemp(join(tmpdir(), 'fairway-cluster-content-'));
const random = seededRandomSource(seed);
const factory = url ? postgresFactory(url) : undefined;
const golf = [random(3 * MiB + 5_000), random(40_000)];
const novel = [random(300_000)];
const stores: RunningStore[] = [];
let a: RunningStore;
let b: RunningStore;
let c: RunningStore;
let proxy: PgProxy;
const events: Record<string, { event: StoreEvent; labels?: Record<string, string> }[]> = { a: [], b: [], c: [] };
const deviceKey = NodeSigner.generate();
const cards: { id: string; password: string }[] = [];

async function node(name: 'a' | 'b' | 'c', databaseUrl: string, contentCacheBytes?: number): Promise<RunningStore> {
  const dataDir = join(root, `node-${name}`);
  await mkdir(dataDir, { recursive: true });
  // One cluster, one store key: nodes after the first get a copy of its key file.
  if (name !== 'a') await copyFile(join(root, 'node-a', STORE_KEY_FILE), join(dataDir, STORE_KEY_FILE));
  const store = await startStore({
    dataDir,
    databaseUrl,
    passwordParams: FAST_TEST_PARAMS,
    drainTimeoutMs: 1_000,
    // The failures below are deliberate; their warnings would only bury the test report.
    logger: pino({ level: 'silent' }),
    ...(contentCacheBytes !== undefined ? { contentCacheBytes } : {}),
    onEvent: (event, labels) => void events[name]!.push({ event, ...(labels ? { labels } : {}) }),
  });
  stores.push(store);
  return store;
}

async function titleFolder(id: string, parts: Uint8Array[]): Promise<string> {
  const dir = join(root, 'titles', id);
  await mkdir(dir, { recursive: true });
  const entries = parts.map((_, i) => `  - { id: ${id}-${i + 1}, file: p${i + 1}.bin, price: 500 }`).join('\n');
  await writeFile(join(dir, 'title.yaml'), `id: ${id}\nname: ${id}\nprovider: Test\ncategory: game\nchunkBytes: 16384\nparts:\n${entries}\n`);
  for (const [i, bytes] of parts.entries()) await writeFile(join(dir, `p${i + 1}.bin`), bytes);
  return dir;
}

async function importThrough(store: RunningStore, folder: string): Promise<void> {
  await saveTitle(store.database.db, await prepareTitle(folder, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), folder, Date.now());
}

beforeAll(async () => {
  if (!url) return;
  const fresh = await factory!.openFresh();
  a = await node('a', fresh.url!);
  // B serves parts up to 1 MiB from memory and larger ones segment by segment.
  b = await node('b', fresh.url!, 4 * MiB);
  const target = new URL(url);
  proxy = await PgProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  c = await node('c', proxy.urlFor(fresh.url!));
  const db = a.database.db;
  await addUser(db, { id: 'alice', password: 'correct horse' }, Date.now(), FAST_TEST_PARAMS);
  await enrolTerminal(db, { deviceId: 'hh-alice', userId: 'alice', publicKey: deviceKey.publicKey }, Date.now());
  cards.push(...(await issueCards(a.ledger, { count: 3, valueMinor: 1_000, batch: 'test', nowMs: Date.now() })));
  await importThrough(a, await titleFolder('golf', golf));
}, 120_000); // three stores migrating one PostgreSQL schema: slow on a busy CI machine

afterAll(async () => {
  for (const store of stores) await store.close();
  await proxy?.close();
  await factory?.cleanup();
  await rm(root, { recursive: true, force: true });
}, 60_000);

function as<T extends DownMessage['t']>(reply: DownMessage, t: T): Extract<DownMessage, { t: T }> {
  expect(reply.t, JSON.stringify(reply, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(t);
  return reply as Extract<DownMessage, { t: T }>;
}

async function buy(t: TestTerminal, store: RunningStore, part: string, card: { id: string; password: string }): Promise<{ offer: MessageOf<'offer'>; manifest: Manifest }> {
  as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'login.ok');
  as(await t.request({ t: 'card.redeem', card: card.id, password: card.password }), 'card.ok');
  const offer = as(await t.request({ t: 'offer.get', part }), 'offer');
  return { offer, manifest: (await manifestArtefact.open(offer.manifest, store.key.signer.publicKey, crypto)).payload };
}

/** Asks for the whole part in one window and checks every chunk against the manifest. */
async function download(t: TestTerminal, offer: MessageOf<'offer'>, manifest: Manifest): Promise<Uint8Array> {
  const count = chunkCount(manifest.size, manifest.chunkBytes);
  const rid = t.takeRid();
  const { encodeMessage } = await import('../../sdk/wire/index.js');
  await t.publishRaw('chunks.get', encodeMessage({ v: 1, t: 'chunks.get', rid, transfer: offer.transfer, ranges: [[0, count]] }));
  const part = new Uint8Array(manifest.size);
  for (const chunk of await t.chunksFor(rid, count, 30_000)) {
    verifyChunk(manifest, chunk.i, chunk.d, crypto);
    part.set(chunk.d, chunk.i * manifest.chunkBytes);
  }
  return part;
}

/** A window the node cannot serve: the one reply is an `error` with the window's rid. */
async function failingWindow(t: TestTerminal, offer: MessageOf<'offer'>, manifest: Manifest): Promise<MessageOf<'error'>> {
  const rid = t.takeRid();
  const reply = as(await t.request({ t: 'chunks.get', transfer: offer.transfer, ranges: [[0, chunkCount(manifest.size, manifest.chunkBytes)]] }, rid), 'error');
  await new Promise((r) => setTimeout(r, 200));
  expect(t.unpaired.filter((m) => 'rid' in m && m.rid === rid)).toEqual([]);
  expect(t.chunks.filter((m) => m.r === rid)).toEqual([]);
  return reply;
}

describe.skipIf(!url)('cluster nodes sharing part content through PostgreSQL', () => {
  it('sells on node B a title imported through node A: verified chunks, receipt, one charge', async () => {
    const t = await TestTerminal.connect(b.broker.ports.tcp, 'hh-alice', deviceKey);
    try {
      for (const [i, bytes] of golf.entries()) {
        const { offer, manifest } = await buy(t, b, `golf-${i + 1}`, cards[i]!);
        expect(Buffer.from(await download(t, offer, manifest)).equals(bytes)).toBe(true);
        const receipt = await receiptArtefact.sign(
          { v: 1, device: 'hh-alice', user: 'alice', part: offer.part, partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: Date.now() },
          deviceKey,
          new TextEncoder().encode('hh-alice'),
        );
        expect(as(await t.request({ t: 'receipt', receipt }), 'charge')).toMatchObject({ part: offer.part, price: 500 });
      }
      expect(await readdir(join(root, 'node-b', 'content')).catch(() => [])).toEqual([]);
      // The small part is whole in B's memory; the large one streamed through it by segments.
      expect(b.content.cacheStats().bytes).toBeLessThanOrEqual(4 * MiB);
      expect(b.content.cacheStats().parts).toBeGreaterThan(1);
      expect(await checkInvariants(b.ledger, Date.now())).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('answers a typed error, once, for a title whose content is not in the database yet, and serves it after the sync', async () => {
    // A title imported by an older single-node store, before content went into the database:
    // only node A's data folder has it.
    const filesOnly = new ContentStore(join(root, 'node-a', 'content'));
    const folder = await titleFolder('novel', novel);
    await saveTitle(a.database.db, await prepareTitle(folder, { content: filesOnly, crypto, storeSigner: a.key.signer, storeKid: a.key.kid }), folder, Date.now());
    await filesOnly.close();
    const t = await TestTerminal.connect(b.broker.ports.tcp, 'hh-alice', deviceKey);
    try {
      const { offer, manifest } = await buy(t, b, 'novel-1', cards[2]!);
      const errorsBefore = events.b!.filter((e) => e.event === 'error').length;
      const reply = await failingWindow(t, offer, manifest);
      expect(reply).toMatchObject({ code: 'internal' });
      expect(reply.message).toContain('not on this node');
      expect(events.b!.filter((e) => e.event === 'error').slice(errorsBefore)).toEqual([{ event: 'error', labels: { code: 'internal' } }]);

      expect((await syncContentToDatabase(a.database.db, a.content)).map((s) => [s.parts, s.outcome])).toEqual(
        expect.arrayContaining([
          [['novel-1'], 'copied'],
          [['golf-1'], 'present'],
        ]),
      );
      expect(Buffer.from(await download(t, offer, manifest)).equals(novel[0]!)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('answers a typed error when the database is lost in the middle of a content read, or is down, and serves once it is back', async () => {
    const t = await TestTerminal.connect(c.broker.ports.tcp, 'hh-alice', deviceKey);
    try {
      as(await t.request({ t: 'login', user: 'alice', password: 'correct horse' }), 'login.ok');
      const offer = as(await t.request({ t: 'offer.get', part: 'golf-2' }), 'offer');
      const manifest = (await manifestArtefact.open(offer.manifest, c.key.signer.publicKey, crypto)).payload;

      // The ledger answers (the transfer is found) but the content query loses its connection.
      proxy.setMode('cut-content');
      expect(await failingWindow(t, offer, manifest)).toMatchObject({ code: 'unavailable', retryAfterMs: expect.any(Number), message: expect.stringContaining('database down') });
      // The whole database gone: the window is answered before any content is read.
      proxy.setMode('down');
      expect(await failingWindow(t, offer, manifest)).toMatchObject({ code: 'unavailable' });

      proxy.setMode('pass');
      expect(Buffer.from(await download(t, offer, manifest)).equals(golf[1]!)).toBe(true);
      expect(events.c!.filter((e) => e.event === 'error')).toEqual([
        { event: 'error', labels: { code: 'unavailable' } },
        { event: 'error', labels: { code: 'unavailable' } },
      ]);
    } finally {
      await t.close();
    }
  });
});
