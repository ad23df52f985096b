/**
 * A store restart between the offer and the receipt: the hold, the transfer and the charge's
 * exactly-once guarantee live in the database, not in the process.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import type { DownMessage } from '../../sdk/wire/index.js';
import { crypto } from '../support/keys.js';
import { TestTerminal } from '../support/terminal-client.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-restart-'));
const dataDir = join(root, 'data');
const key = NodeSigner.generate();
let store: RunningStore | undefined;
afterAll(async () => {
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

const start = () => startStore({ dataDir, passwordParams: FAST_TEST_PARAMS });

describe('a store restart', () => {
  it('keeps the hold across the restart and charges the receipt sent afterwards exactly once', async () => {
    store = await start();
    const db = store.database.db;
    await addUser(db, { id: 'ann', password: 'ann-pw' }, Date.now(), FAST_TEST_PARAMS);
    await enrolTerminal(db, { deviceId: 'ann-1', userId: 'ann', publicKey: key.publicKey }, Date.now());
    await adjustBalance(store.ledger, { userId: 'ann', amountMinor: 1_000, reason: 'test', actor: 'test', nowMs: Date.now() });
    const dir = join(root, 'demo');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'title.yaml'), 'id: demo\nname: Demo\nprovider: P\ncategory: demo\nparts:\n  - { id: d1, file: d1, price: 300 }\n');
    await writeFile(join(dir, 'd1'), new Uint8Array(2048).fill(9));
    await saveTitle(db, await prepareTitle(dir, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), dir, Date.now());

    let t = await TestTerminal.connect(store.broker.ports.tcp, 'ann-1', key);
    await t.request({ t: 'login', user: 'ann', password: 'ann-pw' });
    const offer = (await t.request({ t: 'offer.get', part: 'd1' })) as Extract<DownMessage, { t: 'offer' }>;
    const manifest = (await manifestArtefact.open(offer.manifest, store.key.signer.publicKey, crypto)).payload;
    const storeKey = store.key.publicKeyHex;
    await t.close();
    await store.close();

    store = await start();
    expect(store.key.publicKeyHex).toBe(storeKey);
    t = await TestTerminal.connect(store.broker.ports.tcp, 'ann-1', key);
    try {
      expect(await t.request({ t: 'login', user: 'ann', password: 'ann-pw' })).toMatchObject({ t: 'login.ok', balance: 1_000 });
      const receipt = await receiptArtefact.sign({ v: 1, device: 'ann-1', user: 'ann', part: 'd1', partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: Date.now() }, key);
      const charge = await t.request({ t: 'receipt', receipt });
      expect(charge).toMatchObject({ t: 'charge', price: 300, balance: 700 });
      expect(await t.request({ t: 'receipt', receipt })).toMatchObject({ t: 'charge', price: 300, balance: 700 });
      expect(await checkInvariants(store.ledger, Date.now())).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
