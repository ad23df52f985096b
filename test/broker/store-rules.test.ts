/**
 * Store rules that need time or several terminals: guessing limits, holds that lapse before
 * the receipt, two terminals of one user racing for the same credit, metrics.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { StoreMetrics } from '../../broker/metrics.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { encodeMessage, type DownMessage } from '../../sdk/wire/index.js';
import { crypto } from '../support/keys.js';
import { seed } from '../support/seed.js';
import { TestTerminal } from '../support/terminal-client.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-rules-'));
const HOLD_MS = 1_500;
let store: RunningStore;
let metrics: StoreMetrics;
const keys = { a1: NodeSigner.generate(), a2: NodeSigner.generate(), g: NodeSigner.generate() };

beforeAll(async () => {
  let running: RunningStore | undefined;
  metrics = new StoreMetrics({ connectedTerminals: () => running?.broker.connectedCount() ?? 0, chunksWaiting: () => 0, activeTransfers: async () => 0 });
  store = running = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS, config: { holdMs: HOLD_MS }, onEvent: metrics.record });
  const db = store.database.db;
  await addUser(db, { id: 'ann', password: 'ann-pw' }, Date.now(), FAST_TEST_PARAMS);
  await addUser(db, { id: 'gus', password: 'gus-pw' }, Date.now(), FAST_TEST_PARAMS);
  await enrolTerminal(db, { deviceId: 'ann-1', userId: 'ann', publicKey: keys.a1.publicKey }, Date.now());
  await enrolTerminal(db, { deviceId: 'ann-2', userId: 'ann', publicKey: keys.a2.publicKey }, Date.now());
  await enrolTerminal(db, { deviceId: 'gus-1', userId: 'gus', publicKey: keys.g.publicKey }, Date.now());
  await adjustBalance(store.ledger, { userId: 'ann', amountMinor: 700, reason: 'test credit', actor: 'test', nowMs: Date.now() });
  const dir = join(root, 'book');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'title.yaml'), 'id: novel\nname: The Novel\nprovider: Paper Co\ncategory: book\nparts:\n  - { id: ch1, file: c1, price: 500 }\n  - { id: ch2, file: c2, price: 500 }\n');
  const random = seededRandomSource(seed);
  await writeFile(join(dir, 'c1'), random(3000));
  await writeFile(join(dir, 'c2'), random(3000));
  await saveTitle(db, await prepareTitle(dir, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), dir, Date.now());
});

afterAll(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

const loginOk = async (t: TestTerminal, user: string, password: string) => expect((await t.request({ t: 'login', user, password })).t).toBe('login.ok');

describe('store rules', () => {
  it('rate-limits repeated failed logins, telling the terminal how long to wait', async () => {
    const t = await TestTerminal.connect(store.broker.ports.tcp, 'gus-1', keys.g);
    try {
      for (let i = 0; i < 5; i++) expect((await t.request({ t: 'login', user: 'gus', password: 'guess' })).t).toBe('refusal');
      const limited = (await t.request({ t: 'login', user: 'gus', password: 'gus-pw' })) as DownMessage & { code?: string; retryAfterMs?: number };
      expect(limited).toMatchObject({ t: 'error', code: 'rate-limited' });
      expect(limited.retryAfterMs).toBeGreaterThan(60_000);
    } finally {
      await t.close();
    }
  });

  it('rate-limits prepaid card guessing', async () => {
    const t = await TestTerminal.connect(store.broker.ports.tcp, 'ann-1', keys.a1);
    try {
      await loginOk(t, 'ann', 'ann-pw');
      for (let i = 0; i < 5; i++) expect(await t.request({ t: 'card.redeem', card: `PC-FAKE-${i}`, password: '1234-5678' })).toMatchObject({ t: 'refusal', code: 'card-refused' });
      expect(await t.request({ t: 'card.redeem', card: 'PC-FAKE-9', password: '1234-5678' })).toMatchObject({ t: 'error', code: 'rate-limited' });
    } finally {
      await t.close();
    }
  });

  it('never lets two terminals of one user hold more than the balance', async () => {
    const [t1, t2] = await Promise.all([TestTerminal.connect(store.broker.ports.tcp, 'ann-1', keys.a1), TestTerminal.connect(store.broker.ports.tcp, 'ann-2', keys.a2)]);
    try {
      await Promise.all([loginOk(t1, 'ann', 'ann-pw'), loginOk(t2, 'ann', 'ann-pw')]);
      const [r1, r2] = await Promise.all([t1.request({ t: 'offer.get', part: 'ch1' }), t2.request({ t: 'offer.get', part: 'ch1' })]);
      expect([r1.t, r2.t].sort()).toEqual(['offer', 'refusal']);
      const refused = (r1.t === 'refusal' ? r1 : r2) as DownMessage & { code: string; balance: number };
      expect(refused).toMatchObject({ code: 'insufficient-credit', balance: 200, price: 500 });
      const offered = r1.t === 'offer' ? [t1, r1] : [t2, r2];
      const cancelled = await (offered[0] as TestTerminal).request({ t: 'offer.cancel', transfer: (offered[1] as DownMessage & { transfer: Uint8Array }).transfer });
      expect(cancelled).toMatchObject({ t: 'offer.cancelled', balance: 700 });
    } finally {
      await Promise.all([t1.close(), t2.close()]);
    }
  });

  it('refuses a receipt that arrives after the hold lapsed, charges nothing, and charges a fresh offer without a new download', async () => {
    const t = await TestTerminal.connect(store.broker.ports.tcp, 'ann-1', keys.a1);
    try {
      await loginOk(t, 'ann', 'ann-pw');
      const offer = (await t.request({ t: 'offer.get', part: 'ch2' })) as Extract<DownMessage, { t: 'offer' }>;
      expect(offer.t).toBe('offer');
      const manifest = (await manifestArtefact.open(offer.manifest, store.key.signer.publicKey, crypto)).payload;
      const sign = (o: typeof offer) => receiptArtefact.sign({ v: 1, device: 'ann-1', user: 'ann', part: 'ch2', partHash: manifest.hash, transfer: o.transfer, price: o.price, nonce: crypto.randomBytes(16), time: Date.now() }, keys.a1);
      const rid = t.takeRid();
      await t.publishRaw('chunks.get', encodeMessage({ v: 1, t: 'chunks.get', rid, transfer: offer.transfer, ranges: [[0, 1]] }));
      expect((await t.chunksFor(rid, 1))[0]!.d).toHaveLength(3000);
      await new Promise((r) => setTimeout(r, HOLD_MS + 200));
      expect(await t.request({ t: 'receipt', receipt: await sign(offer) })).toMatchObject({ t: 'refusal', code: 'hold-expired', part: 'ch2' });
      expect(await t.request({ t: 'chunks.get', transfer: offer.transfer, ranges: [[0, 1]] })).toMatchObject({ t: 'refusal', code: 'hold-expired' });
      const fresh = (await t.request({ t: 'offer.get', part: 'ch2' })) as Extract<DownMessage, { t: 'offer' }>;
      expect(fresh.transfer).not.toEqual(offer.transfer);
      expect(await t.request({ t: 'receipt', receipt: await sign(fresh) })).toMatchObject({ t: 'charge', price: 500, balance: 200 });
      expect(await checkInvariants(store.ledger, Date.now())).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('counts charges and refusals by code in the Prometheus metrics', async () => {
    const { server, port } = await metrics.listen('127.0.0.1', 0);
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/fairway_charges_total 1\b/);
      expect(text).toMatch(/fairway_bytes_streamed_total 3000\b/);
      expect(text).toMatch(/fairway_refusals_total\{code="insufficient-credit"\} 1\b/);
      expect(text).toMatch(/fairway_errors_total\{code="rate-limited"\} 2\b/);
      expect(text).toMatch(/fairway_connected_terminals \d/);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
