/**
 * PostgreSQL through a `pg` Pool. Race safety does not come from here but from the ledger,
 * which locks the user's account row (SELECT … FOR UPDATE) first in every transaction that
 * reads credit; this file makes integers come back as numbers and can pin a schema.
 */
import { PostgresDialect } from 'kysely';
import pg from 'pg';
import { parseInt8, parseIntegralNumeric } from './safe-integers.js';

export interface PostgresOptions {
  /** Most connections the pool opens. */
  poolMax: number;
  /** Unqualified table names resolve in this schema (tests give each file its own). */
  schema?: string;
  /** Errors of idle pooled connections (the server restarted, the network dropped). */
  onPoolError: (error: Error) => void;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Per pool, not pg's global registry: other code in the process keeps pg's defaults. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === NUMERIC_OID) return parseIntegralNumeric;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

export function isValidSchemaName(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}

export function createPostgresDialect(url: string, options: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const config: pg.PoolConfig = { connectionString: url, max: options.poolMax, types: typeParsers };
  if (options.schema !== undefined) {
    if (!isValidSchemaName(options.schema)) throw new RangeError(`not a plain schema name: ${options.schema}`);
    // A startup parameter, so every pooled connection has it before its first query.
    config.options = `-c search_path=${options.schema}`;
  }
  const pool = new pg.Pool(config);
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', options.onPoolError);
  // …and so would a connection that dies while checked out (the server goes away mid-query):
  // the pool listens only to idle ones. Nothing to report here: the query in flight fails
  // with the same error, and its caller reports it; idle errors still reach onPoolError.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { dialect: new PostgresDialect({ pool }), pool };
}
