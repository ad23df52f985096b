/**
 * A real store for terminal tests: `startStore` (aedes over TCP on 127.0.0.1, SQLite file,
 * store key, content store) with users, enrolled terminals, prepaid cards and titles loaded
 * the way an operator loads them. Ledger questions (charges per transfer, balances) are
 * answered from the store's own reports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { issueCards } from '../../broker/ledger/cards.js';
import { credit } from '../../broker/ledger/holds.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { postingsOfUser } from '../../broker/ledger/reports.js';
import type { StoreConfig } from '../../broker/service/store-context.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { crypto } from './keys.js';

export interface TestStore {
  store: RunningStore;
  port: number;
  root: string;
  storePublicKey: Uint8Array;
  addUser(id: string, password: string): Promise<void>;
  /** Enrols a new device key for the user; returns its signer. */
  enrol(deviceId: string, userId: string): Promise<NodeSigner>;
  issueCard(valueMinor: number): Promise<{ id: string; password: string }>;
  importTitle(folder: string): Promise<void>;
  /** Charge postings on the user's account, one per charged transfer. */
  charges(userId: string): Promise<{ transferId: string; amountMinor: number }[]>;
  balance(userId: string): Promise<number>;
  invariantViolations(): Promise<unknown[]>;
  /** Chunk bytes the store has published since it started (to anyone, connected or not). */
  streamedBytes(): number;
  close(): Promise<void>;
}

export async function startTestStore(config: Partial<StoreConfig> = {}): Promise<TestStore> {
  const root = await mkdtemp(join(tmpdir(), 'fairway-terminal-store-'));
  let streamed = 0;
  const store = await startStore({
    dataDir: join(root, 'data'),
    passwordParams: FAST_TEST_PARAMS,
    config,
    drainTimeoutMs: 2_000,
    onEvent: (event, _labels, amount) => {
      if (event === 'bytes-streamed') streamed += amount ?? 0;
    },
  });
  const db = store.database.db;
  const port = store.broker.ports.tcp;
  return {
    store,
    port,
    root,
    storePublicKey: store.key.signer.publicKey,
    addUser: async (id, password) => {
      await addUser(db, { id, password }, Date.now(), FAST_TEST_PARAMS);
    },
    enrol: async (deviceId, userId) => {
      const signer = NodeSigner.generate();
      await enrolTerminal(db, { deviceId, userId, publicKey: signer.publicKey }, Date.now());
      return signer;
    },
    issueCard: async (valueMinor) => {
      const [card] = await issueCards(store.ledger, { count: 1, valueMinor, batch: 'test', nowMs: Date.now() });
      return card as { id: string; password: string };
    },
    importTitle: async (folder) => {
      await saveTitle(db, await prepareTitle(folder, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), folder, Date.now());
    },
    charges: async (userId) =>
      (await postingsOfUser(store.ledger, userId))
        .filter((p) => p.kind === 'charge')
        .map((p) => ({ transferId: p.transferId ?? '', amountMinor: p.amountMinor })),
    balance: async (userId) => (await credit(store.ledger, userId, Date.now())).balanceMinor,
    streamedBytes: () => streamed,
    invariantViolations: () => checkInvariants(store.ledger, Date.now()),
    close: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
