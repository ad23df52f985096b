/**
 * Which key signs for this store, as the database remembers it [issue 11 §3]. The first
 * process to open a store database records its key's public half; any later process with
 * another key refuses to start, so a node (or a catalog import on another box) can never
 * sign manifests that terminals provisioned with the store's key would reject.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { toHex } from '../../sdk/vectors/json.js';
import { StoreKeyError, type StoreKey } from './store-key.js';

export interface RecordedKey {
  kid: string;
  publicKeyHex: string;
}

export async function recordedKeys(db: Kysely<Schema>): Promise<RecordedKey[]> {
  const rows = await db.selectFrom('store_keys').select(['kid', 'public_key']).orderBy('recorded_at').execute();
  return rows.map((r) => ({ kid: r.kid, publicKeyHex: toHex(new Uint8Array(r.public_key)) }));
}

/**
 * Records `key` when the database has none; refuses when it records another. Two processes
 * with different keys racing on an empty table both end up seeing two keys, and both refuse.
 */
export async function recordOrCheckKey(db: Kysely<Schema>, key: StoreKey, nowMs: number): Promise<void> {
  const kid = new TextDecoder().decode(key.kid);
  if ((await recordedKeys(db)).length === 0) {
    await db.insertInto('store_keys').values({ kid, public_key: key.signer.publicKey, recorded_at: nowMs }).onConflict((oc) => oc.column('kid').doNothing()).execute();
  }
  const other = (await recordedKeys(db)).find((r) => r.publicKeyHex !== key.publicKeyHex);
  if (other) {
    throw new StoreKeyError(
      `this process's store key ${kid} (${key.publicKeyHex.slice(0, 16)}…) is not the key this store's database records: ${other.kid} (${other.publicKeyHex.slice(0, 16)}…). ` +
        'Every node must sign with the same key: start it with --store-key pointing at the cluster’s key file.',
    );
  }
}
