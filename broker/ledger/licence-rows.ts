/**
 * Reading and closing licence rows; shared by licence holds, their captures, the sweep and
 * available credit. A licence reserves credit while it is open and now ≤ settle_at — the
 * same instant up to which a receipt or a notice can still charge it — so credit is never
 * freed while a charge against it could still succeed.
 */
import { sql } from 'kysely';
import { toBytes, toBytesOrNull } from '../db/bytes.js';
import type { LicenceRow } from '../db/schema.js';
import { hasRowLocks, type LedgerContext, type Trx } from './context.js';
import type { LicenceRecord } from './licence-types.js';

export function toLicence(row: LicenceRow): LicenceRecord {
  return {
    licenceId: row.id,
    hostDeviceId: row.host_device_id,
    userId: row.user_id,
    titleId: row.title_id,
    partId: row.part_id,
    partHash: toBytes(row.part_hash),
    provider: row.provider,
    seats: row.seats,
    billing: row.billing,
    seatPriceMinor: row.seat_price_minor,
    heldMinor: row.held_minor,
    chargedSeats: row.charged_seats,
    state: row.state,
    issuedAt: row.issued_at,
    exp: row.exp,
    settleAt: row.settle_at,
    licence: toBytes(row.licence),
    receipt: toBytesOrNull(row.receipt),
    chargedAt: row.charged_at,
    closedAt: row.closed_at,
  };
}

/** The ledger reference of an upfront licence's charge: UNIQUE, so it posts once. */
export const licenceChargeRef = (licenceId: string): string => `licence:${licenceId}`;
/** The ledger reference of one peer's seat: UNIQUE, so a seat posts once. */
export const seatChargeRef = (licenceId: string, peerDeviceId: string): string => `seat:${licenceId}:${peerDeviceId}`;

export async function selectLicenceForUpdate(ctx: LedgerContext, trx: Trx, licenceId: string): Promise<LicenceRow | undefined> {
  return trx
    .selectFrom('licences')
    .selectAll()
    .where('id', '=', licenceId)
    .$if(hasRowLocks(ctx), (q) => q.forUpdate())
    .executeTakeFirst();
}

/**
 * Closes licences whose settlement time has passed: an upfront one not receipted by `exp` is
 * released; a per-reception one (open or charged in full) is settled, its unused seats
 * released [FW-13.6]. Holds are reservations, not postings: closing one moves no money.
 * `userId` limits it to one user (run under that user's lock before credit is spent).
 */
export async function closeLapsedLicences(trx: Trx, nowMs: number, userId?: string): Promise<{ released: number; settled: number }> {
  const released = await trx
    .updateTable('licences')
    .set({ state: 'released', held_minor: 0, closed_at: nowMs })
    .where('billing', '=', 'upfront')
    .where('state', '=', 'open')
    .where('settle_at', '<', nowMs)
    .$if(userId !== undefined, (q) => q.where('user_id', '=', userId!))
    .executeTakeFirst();
  const settled = await trx
    .updateTable('licences')
    .set({ state: 'settled', held_minor: 0, closed_at: nowMs })
    .where('billing', '=', 'per-reception')
    .where('state', 'in', ['open', 'charged'])
    .where('settle_at', '<', nowMs)
    .$if(userId !== undefined, (q) => q.where('user_id', '=', userId!))
    .executeTakeFirst();
  return { released: Number(released.numUpdatedRows), settled: Number(settled.numUpdatedRows) };
}
