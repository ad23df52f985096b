/**
 * A fresh PostgreSQL schema named in a database URL, for tests that hand a URL to a child
 * process (`fairway store serve --db …`): the schema rides in the URL as the connection's
 * startup option `-c search_path=<schema>`, which pg reads from the query string.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../broker/db/index.js';

export interface FreshSchema {
  schema: string;
  /** The base URL with the schema as search_path (and host/port replaced, when given). */
  url(via?: { host: string; port: number }): string;
  drop(): Promise<void>;
}

let made = 0;

export async function freshSchema(baseUrl: string): Promise<FreshSchema> {
  const schema = `fw_ops_${process.pid}_${Date.now().toString(36)}_${++made}`;
  const admin = openDatabase(baseUrl, { poolMax: 1 });
  try {
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  return {
    schema,
    url(via) {
      const u = new URL(baseUrl);
      if (via) {
        u.hostname = via.host;
        u.port = String(via.port);
      }
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.toString();
    },
    async drop() {
      const db = openDatabase(baseUrl, { poolMax: 1 });
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.db);
      } finally {
        await db.close();
      }
    },
  };
}
