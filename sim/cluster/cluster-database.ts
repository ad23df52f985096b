/**
 * The cluster's PostgreSQL database: a fresh schema nobody else touches, on whatever server
 * the caller names — the shared test server (FAIRWAY_TEST_PG_URL), or a throw-away server of
 * the caller's own (sim/servers/postgres.ts) when a test must stop or freeze PostgreSQL.
 *
 * A schema rather than a database: creating one is a few milliseconds and needs no CREATE
 * DATABASE right. Every node and every in-process helper reaches it through the same URL,
 * `?options=-c search_path=<schema>`, which the pg driver passes to the server at connect.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../broker/db/index.js';

export interface ClusterDatabase {
  /** The URL every node gets (`--db`): the server's URL with the schema as search path. */
  readonly url: string;
  readonly schema: string;
  /** Drops the schema and everything in it. Idempotent. */
  drop(): Promise<void>;
}

let made = 0;

/** Creates an empty schema on the server at `serverUrl` (migrations are the nodes' job). */
export async function freshClusterDatabase(serverUrl: string): Promise<ClusterDatabase> {
  // Unique across test files running at once and across reruns that died before dropping.
  const schema = `fw_cluster_${process.pid}_${Date.now().toString(36)}_${++made}`;
  const admin = openDatabase(serverUrl, { poolMax: 1 });
  try {
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  let dropped = false;
  return {
    url: url.toString(),
    schema,
    async drop() {
      if (dropped) return;
      dropped = true;
      const handle = openDatabase(serverUrl, { poolMax: 1 });
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      } finally {
        await handle.close();
      }
    },
  };
}
