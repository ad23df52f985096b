/**
 * Migrations live in code (no folder scanning, so bundling and tests need no file layout).
 * Each is a function of the dialect because a few column types differ (column-types.ts).
 * Names sort in the order they must run; never edit one that has shipped, add another.
 */
import { Migrator, sql, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { DatabaseHandle, DialectName } from '../open.js';
import { initialSchema } from './0001-initial.js';
import { seatLicences } from './0002-seat-licences.js';
import { cluster } from './0003-cluster.js';

const MIGRATIONS: Record<string, (dialect: DialectName) => Migration> = {
  '0001-initial': initialSchema,
  '0002-seat-licences': seatLicences,
  '0003-cluster': cluster,
};

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, make]) => [name, make(this.dialect)]));
  }
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string | undefined,
    override readonly cause: unknown,
  ) {
    super(`database migration ${migration ?? '(setup)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Brings the database to the latest schema; returns the names of the migrations it applied
 * (none when already current, so calling it at every start is cheap and safe). On
 * PostgreSQL, Kysely takes an advisory lock, so several broker nodes starting together
 * migrate once.
 */
export async function migrateToLatest(handle: Pick<DatabaseHandle, 'db' | 'dialect'>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(handle);
    } catch (e) {
      // Kysely's migrator lists the tables of every schema in the database before it looks for
      // its own; a schema another process drops between that listing and the next query fails
      // the whole call with "schema … does not exist" (SQLSTATE 3F000). Nothing was migrated:
      // list again.
      const code = (e instanceof MigrationError ? (e.cause as { code?: unknown } | undefined)?.code : undefined);
      if (code !== '3F000' || attempt >= 10) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function migrateOnce(handle: Pick<DatabaseHandle, 'db' | 'dialect'>): Promise<string[]> {
  const migrator = new Migrator({
    db: handle.db,
    provider: new StaticMigrationProvider(handle.dialect),
    // Kysely looks for its bookkeeping tables in every schema unless told which one; with
    // several schemas in one database (environments, test runs) it would find another's.
    ...(handle.dialect === 'postgres' ? { migrationTableSchema: await currentSchema(handle) } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentSchema(handle: Pick<DatabaseHandle, 'db'>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(handle.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new MigrationError(undefined, new Error('no current schema: the search_path names no schema that exists'));
  return schema;
}
