/**
 * A fresh PostgreSQL schema named in a database URL, for tests that hand a URL to a child
 * process (`fairway store serve --db …`): sim/cluster/cluster-database.ts makes it (the
 * schema rides in the URL as the startup option `-c search_path=<schema>`); this adds a URL
 * through another host and port, for a relay a test can freeze or cut.
 */
import { freshClusterDatabase } from '../../sim/cluster/cluster-database.js';

export interface FreshSchema {
  schema: string;
  /** The schema's URL (with host and port replaced, when given). */
  url(via?: { host: string; port: number }): string;
  drop(): Promise<void>;
}

export async function freshSchema(baseUrl: string): Promise<FreshSchema> {
  const database = await freshClusterDatabase(baseUrl);
  return {
    schema: database.schema,
    url(via) {
      const u = new URL(database.url);
      if (via) {
        u.hostname = via.host;
        u.port = String(via.port);
      }
      return u.toString();
    },
    drop: () => database.drop(),
  };
}
