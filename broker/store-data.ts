/**
 * The store's persistent side, opened the same way by the server and by every operator
 * command: the data folder, the database brought to the latest schema, the store key and the
 * content store (files in the data folder, and the database too when it is PostgreSQL).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScryptParams } from './auth/password.js';
import { PRODUCTION_PARAMS } from './auth/password.js';
import { ContentStore } from './catalog/content-store.js';
import { DatabasePartSource } from './catalog/database-source.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from './db/index.js';
import { resolveStoreKey } from './keys/resolve-key.js';
import type { StoreKey } from './keys/store-key.js';
import type { LedgerContext } from './ledger/context.js';

export interface StoreData {
  dataDir: string;
  database: DatabaseHandle;
  ledger: LedgerContext;
  content: ContentStore;
  key: StoreKey;
  close(): Promise<void>;
}

export function defaultDatabaseUrl(dataDir: string): string {
  return `sqlite:${join(dataDir, 'store.db')}`;
}

export interface OpenStoreDataOptions {
  databaseUrl?: string;
  passwordParams?: ScryptParams;
  nowMs: number;
  contentCacheBytes?: number;
  /** The store key file to sign with instead of the data folder's (cluster nodes). */
  storeKeyFile?: string;
  /** False in cluster mode: refuse to start rather than create a store key. Default true. */
  mayMintKey?: boolean;
}

export async function openStoreData(dataDir: string, options: OpenStoreDataOptions): Promise<StoreData> {
  await mkdir(dataDir, { recursive: true });
  const database = openDatabase(options.databaseUrl ?? defaultDatabaseUrl(dataDir));
  try {
    await migrateToLatest(database);
    const key = await resolveStoreKey({
      dataDir,
      db: database.db,
      ...(options.storeKeyFile !== undefined ? { storeKeyFile: options.storeKeyFile } : {}),
      mayMint: options.mayMintKey ?? true,
      nowMs: options.nowMs,
    });
    // PostgreSQL is what every node of a cluster reaches, so part content goes there too
    // [issue 11 §3]; a SQLite store is one node, and its content stays in files.
    const content = new ContentStore(join(dataDir, 'content'), options.contentCacheBytes, database.dialect === 'postgres' ? { database: new DatabasePartSource(database.db) } : {});
    const ledger: LedgerContext = { db: database.db, dialect: database.dialect, passwordParams: options.passwordParams ?? PRODUCTION_PARAMS };
    return {
      dataDir,
      database,
      ledger,
      content,
      key,
      async close() {
        await content.close();
        await database.close();
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}
