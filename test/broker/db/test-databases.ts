/**
 * Fresh, empty databases for the abstract suites, one factory per engine. A test file makes
 * one factory; every `openFresh()` gives a new database nobody else touches (a new SQLite
 * file, or a new PostgreSQL schema), and `cleanup()` in afterAll removes them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle, type OpenOptions } from '../../../broker/db/index.js';

/** One fresh database; `open()` may be called again (a "store restart") for the same data. */
export interface FreshDatabase {
  /** `log`: Kysely's query log for this handle (a test counting statements). */
  open(options?: Pick<OpenOptions, 'log'>): DatabaseHandle;
}

export type OpenFresh = () => Promise<FreshDatabase>;

export interface DatabaseFactory {
  openFresh: OpenFresh;
  /** Closes every handle still open and deletes every database made. */
  cleanup(): Promise<void>;
}

function tracking(open: (options?: Pick<OpenOptions, 'log'>) => DatabaseHandle, handles: DatabaseHandle[]): FreshDatabase['open'] {
  return (options) => {
    const handle = open(options);
    handles.push(handle);
    return handle;
  };
}

export function sqliteFactory(): DatabaseFactory {
  const folder = mkdtempSync(join(tmpdir(), 'fairway-db-test-'));
  const handles: DatabaseHandle[] = [];
  let made = 0;
  return {
    async openFresh() {
      const path = join(folder, `store-${++made}.sqlite`);
      return { open: tracking((options) => openDatabase(`sqlite:${path}`, { ...options }), handles) };
    },
    async cleanup() {
      await Promise.all(handles.map((h) => h.close()));
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function postgresFactory(url: string): DatabaseFactory {
  const admin = openDatabase(url, { poolMax: 2 });
  const handles: DatabaseHandle[] = [];
  const schemas: string[] = [];
  // Unique across test files running at once and across reruns that died before cleanup.
  const prefix = `fw_test_${process.pid}_${Date.now().toString(36)}`;
  return {
    async openFresh() {
      const schema = `${prefix}_${schemas.length + 1}`;
      await sql`create schema ${sql.id(schema)}`.execute(admin.db);
      schemas.push(schema);
      return { open: tracking((options) => openDatabase(url, { ...options, schema, poolMax: 4 }), handles) };
    },
    async cleanup() {
      await Promise.all(handles.map((h) => h.close()));
      for (const schema of schemas) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    },
  };
}
