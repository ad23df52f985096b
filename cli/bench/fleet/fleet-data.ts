/**
 * The fleet bench's store data, made before the broker host starts: one free title with one
 * part of 16 KiB chunks (imported the way an operator imports it), and one user per device,
 * each device enrolled with a key of its own. Ten thousand users and devices go in through a
 * few multi-row inserts in transactions — the same rows addUser and enrolTerminal write —
 * because one transaction (one fsync) each would take minutes. All users share one password
 * hash, computed once with the fast test scrypt parameters (see fleet.ts on what that costs
 * the login figure).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAST_TEST_PARAMS, PRODUCTION_PARAMS, hashPassword } from '../../../broker/auth/password.js';
import { prepareTitle } from '../../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../../broker/catalog/save-title.js';
import { userAccountId } from '../../../broker/ledger/accounts.js';
import { openStoreData } from '../../../broker/store-data.js';
import { NodeCrypto, NodeSigner } from '../../../device/ports/node/index.js';
import { seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import type { FleetDevice } from './bench-terminal.js';

export const CHUNK_BYTES = 16 * 1024;
/** 64 chunks: terminals cycle through it, so its size bounds nothing but the disk. */
const PART_BYTES = 64 * CHUNK_BYTES;
const TITLE_ID = 'fleet-bench';
const PASSWORD = 'fleet-bench-password';
/** Rows per multi-row INSERT: well under SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 400;

export interface FleetData {
  dataDir: string;
  devices: FleetDevice[];
  /** Terminals whose users' passwords are hashed with the production scrypt parameters (the login-rate phase). */
  productionDevices: FleetDevice[];
  partId: string;
  chunkCount: number;
}

/**
 * `deviceCount` terminals whose users' passwords use the fast test parameters (the fleet's
 * thousands of logins would otherwise be minutes of scrypt), and `productionCount` more whose
 * users' use production's: the login-rate phase measures what a real login costs.
 */
export async function prepareFleetData(root: string, deviceCount: number, productionCount = 0): Promise<FleetData> {
  const dataDir = join(root, 'store');
  const nowMs = Date.now();
  const store = await openStoreData(dataDir, { passwordParams: FAST_TEST_PARAMS, nowMs });
  try {
    const partId = `${TITLE_ID}-p1`;
    const titleDir = join(root, 'title');
    await mkdir(titleDir, { recursive: true });
    await writeFile(join(titleDir, 'p1'), seededRandomSource(PART_BYTES)(PART_BYTES));
    await writeFile(
      join(titleDir, 'title.yaml'),
      `id: ${TITLE_ID}\nname: Fleet bench\nprovider: Bench\ncategory: demo\nchunkBytes: ${CHUNK_BYTES}\nparts:\n  - { id: ${partId}, file: p1, price: 0 }\n`,
    );
    const prepared = await prepareTitle(titleDir, { content: store.content, crypto: new NodeCrypto(), storeSigner: store.key.signer, storeKid: store.key.kid });
    await saveTitle(store.database.db, prepared, titleDir, nowMs);

    // One hash per parameter set, shared by its users (same password, same salt): the store
    // still runs the full scrypt at every login, and the bench does not spend minutes hashing.
    const fastHash = await hashPassword(PASSWORD, FAST_TEST_PARAMS);
    const productionHash = productionCount > 0 ? await hashPassword(PASSWORD, PRODUCTION_PARAMS) : fastHash;
    const made = (prefix: string, count: number, passwordHash: string) =>
      Array.from({ length: count }, (_, i) => {
        const n = String(i).padStart(5, '0');
        return { deviceId: `${prefix}-${n}`, userId: `${prefix}-u-${n}`, password: PASSWORD, signer: NodeSigner.generate(), passwordHash };
      });
    const rows = [...made('fleet', deviceCount, fastHash), ...made('fleet-p', productionCount, productionHash)];
    const db = store.database.db;
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const batch = rows.slice(start, start + ROWS_PER_INSERT);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values(batch.map((d) => ({ id: d.userId, password_hash: d.passwordHash, name: '', address: '', age: null, occupation: '', created_at: nowMs })))
          .execute();
        await trx
          .insertInto('accounts')
          .values(batch.map((d) => ({ id: userAccountId(d.userId), kind: 'user' as const, owner: d.userId, balance_minor: 0 })))
          .execute();
        await trx
          .insertInto('devices')
          .values(batch.map((d) => ({ id: d.deviceId, user_id: d.userId, public_key: d.signer.publicKey, enrolled_at: nowMs, revoked_at: null })))
          .execute();
      });
    }
    const devices: FleetDevice[] = rows.map(({ passwordHash: _hash, ...device }) => device);
    return { dataDir, devices: devices.slice(0, deviceCount), productionDevices: devices.slice(deviceCount), partId, chunkCount: PART_BYTES / CHUNK_BYTES };
  } finally {
    await store.close();
  }
}
