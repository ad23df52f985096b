/**
 * The operator's view of seat licences [FW-13]: who hosted what for how many seats, how it is
 * billed, what has been charged and what is still held. Newest first, filtered by user or state.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { LicenceState } from '../db/schema.js';
import type { LedgerContext } from './context.js';
import { toLicence } from './licence-rows.js';
import type { LicenceRecord } from './licence-types.js';
import { requireUserId } from './validate.js';

export const LICENCE_STATES: readonly LicenceState[] = ['open', 'charged', 'settled', 'released'];

export interface LicenceFilter {
  userId?: string;
  state?: LicenceState;
  /** At most this many, newest first (default 1,000). */
  limit?: number;
}

export type LicenceLine = Omit<LicenceRecord, 'partHash' | 'licence' | 'receipt'>;

export async function listLicences(ctx: LedgerContext, filter: LicenceFilter = {}): Promise<LicenceLine[]> {
  const limit = filter.limit ?? 1_000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new FairwayError('out-of-range', 'limit must be a whole number in 1..100000', 'limit');
  if (filter.state !== undefined && !LICENCE_STATES.includes(filter.state)) throw new FairwayError('out-of-range', `state must be one of ${LICENCE_STATES.join(', ')}`, 'state');
  const userId = filter.userId === undefined ? undefined : requireUserId('userId', filter.userId);
  const rows = await ctx.db
    .selectFrom('licences')
    .selectAll()
    .$if(userId !== undefined, (q) => q.where('user_id', '=', userId!))
    .$if(filter.state !== undefined, (q) => q.where('state', '=', filter.state!))
    .orderBy('issued_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => {
    const { partHash: _hash, licence: _licence, receipt: _receipt, ...line } = toLicence(row);
    return line;
  });
}
