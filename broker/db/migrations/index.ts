/**
 * Migrations live in code (no folder scanning, so bundling and tests need no file layout).
 * Each is a function of the dialect because a few column types differ (column-types.ts).
 * Names sort in the order they must run; never edit one that has shipped, add another.
 */
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type DatabaseIntrospector, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { DatabaseHandle, DialectName } from '../open.js';
import type { Schema } from '../schema.js';
import { initialSchema } from './0001-initial.js';
import { seatLicences } from './0002-seat-licences.js';
import { cluster } from './0003-cluster.js';
import { loginTickets } from './0004-login-tickets.js';

const MIGRATIONS: Record<string, (dialect: DialectName) => Migration> = {
  '0001-initial': initialSchema,
  '0002-seat-licences': seatLicences,
  '0003-cluster': cluster,
  '0004-login-tickets': loginTickets,
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
  const schema = handle.dialect === 'postgres' ? await currentSchema(handle) : undefined;
  const migrator = new Migrator({
    db: schema === undefined ? handle.db : lookingOnlyIn(handle.db, schema),
    provider: new StaticMigrationProvider(handle.dialect),
    // Kysely looks for its bookkeeping tables in every schema unless told which one; with
    // several schemas in one database (environments, test runs) it would find another's.
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Migrations this code knows that the database has not run (readiness asks). A plain select
 * on Kysely's bookkeeping table, not the Migrator's introspection: that lists every schema's
 * tables, and can fail when another schema is dropped meanwhile.
 */
export async function pendingMigrations(handle: Pick<DatabaseHandle, 'db'>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(handle.db);
  const applied = new Set(rows.map((r) => r.name));
  return Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
}

async function currentSchema(handle: Pick<DatabaseHandle, 'db'>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(handle.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new MigrationError(undefined, new Error('no current schema: the search_path names no schema that exists'));
  return schema;
}

/**
 * The database as the migrator sees it, with an introspector that looks for tables in the
 * migration schema only. Kysely's stock PostgreSQL introspector scans every schema and checks
 * each by name (`has_schema_privilege(nspname, …)`), so a schema another process drops during
 * the scan fails the whole migration with 3F000 — environments and test runs sharing one
 * server do that. Everything else goes to the real instance.
 */
function lookingOnlyIn(db: Kysely<Schema>, schema: string): Kysely<Schema> {
  const introspector: DatabaseIntrospector = {
    getSchemas: () => db.introspection.getSchemas(),
    async getTables() {
      const { rows } = await sql<{ name: string; kind: string }>`
        select c.relname as name, c.relkind as kind from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(db);
      return rows.map((row) => ({ name: row.name, schema, isView: row.kind === 'v', columns: [] }));
    },
    async getMetadata() {
      return { tables: await introspector.getTables() };
    },
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspector;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
