/**
 * What /readyz checks on a running store (health.ts runs them, bounded by a timeout): what a
 * terminal's next request needs — the database answering, the schema this code expects,
 * part content readable and, in a cluster, Redis answering.
 */
import { sql } from 'kysely';
import { pendingMigrations } from './db/index.js';
import type { ReadinessCheck } from './health.js';
import type { RunningStore } from './store.js';

export function storeReadinessChecks(store: Pick<RunningStore, 'database' | 'content'>, options: { redisPing?: () => Promise<unknown> } = {}): Record<string, ReadinessCheck> {
  const { database, content } = store;
  let migrated = false;
  const checks: Record<string, ReadinessCheck> = {
    database: () => sql`select 1 as one`.execute(database.db),
    // Once every migration is seen applied it stays so (a schema does not go back), and the
    // introspection behind the answer is not worth repeating on every probe.
    migrations: async () => {
      if (migrated) return;
      const pending = await pendingMigrations(database);
      if (pending.length > 0) throw new Error(`migrations not applied: ${pending.join(', ')}`);
      migrated = true;
    },
    // One byte of the smallest imported part: the content store (files or database) serves.
    content: async () => {
      const part = await database.db.selectFrom('parts').select(['id', 'content_hash']).orderBy('size_bytes').limit(1).executeTakeFirst();
      if (!part) return; // nothing imported yet: nothing to read
      const bytes = await content.read(part.content_hash, 0, 1);
      if (bytes.byteLength !== 1) throw new Error(`part ${part.id}: its content is missing or empty`);
    },
  };
  if (options.redisPing) checks['redis'] = options.redisPing;
  return checks;
}
