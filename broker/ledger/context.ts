/**
 * How every ledger operation touches the database: inside ONE transaction, retried whole if
 * PostgreSQL picked it as a deadlock victim or a serialization failure (it was rolled back,
 * so running it again is safe and still exactly-once).
 *
 * Concurrency model:
 * - SQLite: a transaction owns the only connection and starts with BEGIN IMMEDIATE
 *   (broker/db/sqlite.ts), so ledger transactions run one at a time.
 * - PostgreSQL (READ COMMITTED): each operation that reads or moves a user's money first
 *   locks that user's account row (`lockUserAccount`, SELECT … FOR UPDATE), so operations
 *   on one user are serialized while different users proceed in parallel. Other rows are
 *   then locked in a fixed order (user → transfer or card → other accounts by id), which
 *   leaves no cycle for a deadlock; the retry covers the bulk expiry sweep, which locks
 *   transfers of many users at once.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ScryptParams } from '../auth/password.js';
import type { DialectName } from '../db/open.js';
import type { Schema } from '../db/schema.js';

export interface LedgerContext {
  db: Kysely<Schema>;
  dialect: DialectName;
  /** scrypt cost for card passwords (production by default; tests pass FAST_TEST_PARAMS). */
  passwordParams: ScryptParams;
  /**
   * PostgreSQL, for measurement (the charges bench): called after each committed capture
   * group with how long it held the provider and sponsor rows locked — from when the server
   * had locked them (it says, by its clock) until the commit returned, ms. Unset, nothing is
   * timed.
   */
  onHotRowLock?: (heldMs: number) => void;
}

export type Trx = Transaction<Schema>;

const MAX_ATTEMPTS = 5;
/** serialization_failure, deadlock_detected. */
const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

export async function inTransaction<T>(ctx: LedgerContext, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(work);
    } catch (error) {
      if (ctx.dialect !== 'postgres' || attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_PG_CODES.has(code);
}

/** True where row locks exist (SQLite has none and would reject FOR UPDATE syntax). */
export function hasRowLocks(ctx: LedgerContext): boolean {
  return ctx.dialect === 'postgres';
}
