/**
 * The embedded database: one SQLite file through better-sqlite3.
 *
 * Writers are serialized twice over. Inside one process Kysely's SQLite driver has a single
 * connection behind a mutex, so a transaction owns it from BEGIN to COMMIT and concurrent
 * calls simply queue. Across processes every transaction starts with BEGIN IMMEDIATE, which
 * takes the file's write lock up front (waiting up to busy_timeout): a transaction that
 * reads a balance and then writes can never have that balance changed under it, and never
 * fails half-way with SQLITE_BUSY on the read-to-write upgrade.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

export interface SqliteOptions {
  /** How long a writer waits for another process's write lock before failing, in ms. */
  busyTimeoutMs: number;
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** Opens (creating it and its folder if missing) and configures the file; returns the dialect. */
export function createSqliteDialect(path: string, options: SqliteOptions): SqliteDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  try {
    // WAL: readers never block the writer; FULL: a commit is on disk before we answer, since
    // a `charge` may only be sent once the charge is durable [FW-8.2].
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    // Every INTEGER comes back as a BigInt, which SafeIntegerPlugin turns into a checked number.
    database.defaultSafeIntegers(true);
  } catch (error) {
    database.close();
    throw error;
  }
  return new ImmediateSqliteDialect({ database: withStatementCache(database) });
}

/** Distinct query shapes the store runs; far more than it has, so the cache never thrashes. */
const STATEMENT_CACHE_ENTRIES = 512;

/**
 * Kysely prepares every query afresh, and SQLite compiling a statement costs as much as
 * running it: a charge runs a dozen small queries. Kysely sends the same SQL text for the same
 * query shape (values are parameters), so prepared statements are kept by text and reused —
 * about twice the charges per second. Safe because every statement runs to completion
 * synchronously (`all`/`run`) before the next call, on the one connection.
 */
function withStatementCache(database: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    let statement = cache.get(source);
    if (statement) return statement;
    statement = database.prepare(source);
    if (cache.size >= STATEMENT_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(source, statement);
    return statement;
  };
  return new Proxy(database, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
