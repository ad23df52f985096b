/**
 * Which store key a process signs with, and the refusals that keep a store to one key:
 * an explicit key file (`--store-key`, every cluster node), else the data folder's, else a
 * new one — but only for a single node whose database records no key yet. A cluster never
 * mints: a node that minted its own would sign manifests every terminal rejects.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { recordedKeys, recordOrCheckKey } from './key-registry.js';
import { loadOrCreateStoreKey, readStoreKeyFile, storeKeyPath, StoreKeyError, type StoreKey } from './store-key.js';

export interface ResolveKeyOptions {
  dataDir: string;
  db: Kysely<Schema>;
  /** A key file to use instead of the data folder's (it must exist). */
  storeKeyFile?: string;
  /** False in cluster mode: never create a key. */
  mayMint: boolean;
  nowMs: number;
}

export async function resolveStoreKey(options: ResolveKeyOptions): Promise<StoreKey> {
  const key = await findKey(options);
  await recordOrCheckKey(options.db, key, options.nowMs);
  return key;
}

async function findKey({ dataDir, db, storeKeyFile, mayMint, nowMs }: ResolveKeyOptions): Promise<StoreKey> {
  if (storeKeyFile !== undefined) {
    const key = await readStoreKeyFile(storeKeyFile);
    if (!key) throw new StoreKeyError(`${storeKeyFile}: no store key there (create one once with \`fairway store key create --out ${storeKeyFile}\`)`);
    return key;
  }
  const folderKey = await readStoreKeyFile(storeKeyPath(dataDir));
  if (folderKey) return folderKey;
  const recorded = (await recordedKeys(db))[0];
  if (recorded) {
    throw new StoreKeyError(`this store's database records store key ${recorded.kid}, and ${storeKeyPath(dataDir)} does not exist: pass --store-key with that key's file`);
  }
  if (!mayMint) {
    throw new StoreKeyError('cluster mode never creates a store key: create one once with `fairway store key create --out FILE` and start every node with --store-key FILE');
  }
  return loadOrCreateStoreKey(dataDir, nowMs);
}
