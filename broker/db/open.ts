/**
 * `openDatabase(url)`: the one way the store gets a database. Everything above this file
 * writes Kysely queries against `Schema` and runs unchanged on either engine; the few places
 * where the engines differ (row locks, column types) branch on `dialect`.
 */
import { Kysely, type LogConfig } from 'kysely';
import { FairwayError } from '../../sdk/errors.js';
import { createPostgresDialect } from './postgres.js';
import { SafeIntegerPlugin } from './safe-integers.js';
import type { Schema } from './schema.js';
import { createSqliteDialect } from './sqlite.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Schema>;
  dialect: DialectName;
  /** Closes the file or the pool; safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite: how long to wait for another process's write lock, ms. Default 5,000. */
  busyTimeoutMs?: number;
  /** PostgreSQL: pool size. Default 10. */
  poolMax?: number;
  /** PostgreSQL: the schema unqualified names resolve in (default: the server's search_path). */
  schema?: string;
  /** PostgreSQL: errors of idle pooled connections. Default: printed to stderr. */
  onPoolError?: (error: Error) => void;
  /** Kysely's query log: every statement sent, BEGIN and COMMIT included (debugging; tests count statements with it). */
  log?: LogConfig;
}

export type DatabaseLocation = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/**
 * `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:<path>` (also `sqlite:///abs/path`)
 * or a bare path → SQLite; `:memory:` works for SQLite. Any other scheme is refused rather
 * than taken for a file name.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (typeof url !== 'string' || url.length === 0) throw new FairwayError('invalid-argument', 'a database URL is required');
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path.length === 0) throw new FairwayError('invalid-argument', `no file in ${url}`);
    return { dialect: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new FairwayError('invalid-argument', `unsupported database URL scheme in ${url}`);
  return { dialect: 'sqlite', path: url };
}

export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  const location = parseDatabaseUrl(url);
  let db: Kysely<Schema>;
  if (location.dialect === 'sqlite') {
    const dialect = createSqliteDialect(location.path, { busyTimeoutMs: options.busyTimeoutMs ?? 5_000 });
    db = new Kysely<Schema>({ dialect, plugins: [new SafeIntegerPlugin()], ...(options.log ? { log: options.log } : {}) });
  } else {
    const { dialect } = createPostgresDialect(location.url, {
      poolMax: options.poolMax ?? 10,
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
      onPoolError: options.onPoolError ?? ((error) => console.error(`fairway: idle database connection failed: ${error.message}`)),
    });
    db = new Kysely<Schema>({ dialect, ...(options.log ? { log: options.log } : {}) });
  }
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: location.dialect,
    close: () => (closing ??= db.destroy()),
  };
}
