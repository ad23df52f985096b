/**
 * A cluster's world written straight into its database, in this process, with the library
 * functions the operator commands use (`fairway store users add`, `terminals enrol`,
 * `balance adjust`, `catalog import`): a hundred users and terminals in a second instead of a
 * hundred CLI spawns of a few hundred milliseconds each.
 *
 * It runs as an operator box would: its own scratch data folder (never a node's), signing
 * with the cluster's key file, so whatever a node serves it serves because the cluster shares
 * it — the database, and the part content the store keeps there — not because the import
 * happened to write into that node's folder.
 */
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { openStoreData, type StoreData } from '../../broker/store-data.js';
import { NodeCrypto } from '../../device/ports/node/index.js';

export interface ClusterWorld {
  users?: readonly { id: string; password: string; creditMinor?: number }[];
  terminals?: readonly { deviceId: string; userId: string; publicKey: Uint8Array }[];
  /** Title folders (title.yaml + part files), e.g. from sim/catalog's writeSuperGolf. */
  titleFolders?: readonly string[];
}

/**
 * Opens the cluster's store in process: migrations run (under PostgreSQL's advisory lock, so
 * nodes starting at the same time are safe), the cluster key recorded on first use.
 * Passwords hashed here use the fast test cost: logins of a 50-terminal fleet should not
 * spend the test's CPU on scrypt.
 */
export function openClusterStore(scratchDir: string, databaseUrl: string, storeKeyFile: string): Promise<StoreData> {
  return openStoreData(scratchDir, { databaseUrl, storeKeyFile, mayMintKey: false, passwordParams: FAST_TEST_PARAMS, nowMs: Date.now() });
}

export async function provisionWorld(store: StoreData, world: ClusterWorld): Promise<void> {
  const { database, ledger, content, key } = store;
  const crypto = new NodeCrypto();
  for (const folder of world.titleFolders ?? []) {
    const prepared = await prepareTitle(folder, { content, crypto, storeSigner: key.signer, storeKid: key.kid });
    await saveTitle(database.db, prepared, folder, Date.now());
  }
  await inParallel(world.users ?? [], async (user) => {
    await addUser(database.db, { id: user.id, password: user.password }, Date.now(), FAST_TEST_PARAMS);
    if (user.creditMinor) await adjustBalance(ledger, { userId: user.id, amountMinor: user.creditMinor, reason: 'cluster test credit', actor: 'cluster-harness', nowMs: Date.now() });
  });
  await inParallel(world.terminals ?? [], (terminal) => enrolTerminal(database.db, terminal, Date.now()));
}

/**
 * Each item's work, a few at a time: one after another, a hundred users cost a hundred round
 * trips plus a hundred scrypt hashes in a row; the PostgreSQL pool (10) takes a handful at once.
 */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>, lanes = 8): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
