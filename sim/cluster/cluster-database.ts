/**
 * The cluster's PostgreSQL database: a fresh schema nobody else touches, on the shared test
 * server (FAIRWAY_TEST_PG_URL) or on a throw-away server of the cluster's own
 * (sim/servers/postgres.ts) for a test that must stop, kill or freeze PostgreSQL.
 *
 * A schema rather than a database: creating one is a few milliseconds and needs no CREATE
 * DATABASE right. Every node and every in-process helper reaches it through the same URL,
 * `?options=-c search_path=<schema>`, which the pg driver passes to the server at connect.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../broker/db/index.js';
import { startPostgres, type PostgresServer } from '../servers/postgres.js';

export interface ClusterDatabase {
  /** The URL every node gets (`--db`): the server's URL with the schema as search path. */
  readonly url: string;
  readonly schema: string;
  /** The cluster's own server, when it has one: stop, kill, pause it to test an outage. */
  readonly server?: PostgresServer;
  /** Drops the schema and everything in it (destroys the own server). Idempotent. */
  drop(): Promise<void>;
}

/** A throw-away server (fsync off: the proof is about the cluster, not about disks) with a fresh schema. */
export async function ownClusterDatabase(): Promise<ClusterDatabase> {
  const server = await startPostgres({ durable: false });
  try {
    const database = await freshClusterDatabase(server.url);
    return { url: database.url, schema: database.schema, server, drop: () => server.destroy() };
  } catch (e) {
    await server.destroy();
    throw e;
  }
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
