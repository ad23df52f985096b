/** Reading and closing transfer rows; shared by holds, capture and the reports. */
import { sql, type ExpressionBuilder } from 'kysely';
import { toBytesOrNull } from '../db/bytes.js';
import type { Schema, TransferRow } from '../db/schema.js';
import { hasRowLocks, type LedgerContext, type Trx } from './context.js';
import { closeLapsedLicences } from './licence-rows.js';
import type { Transfer } from './types.js';

export function toTransfer(row: TransferRow): Transfer {
  return {
    transferId: row.id,
    deviceId: row.device_id,
    userId: row.user_id,
    partId: row.part_id,
    priceMinor: row.price_minor,
    listPriceMinor: row.list_price_minor,
    provider: row.provider,
    sponsor: row.sponsor,
    sponsorPaysMinor: row.sponsor_pays_minor,
    state: row.state,
    holdUntil: row.hold_until,
    createdAt: row.created_at,
    chargedAt: row.charged_at,
    releasedAt: row.released_at,
    releaseReason: row.release_reason,
    receipt: toBytesOrNull(row.receipt),
  };
}

/** The transfer row, locked for the rest of the transaction where the engine has row locks. */
export async function selectTransferForUpdate(ctx: LedgerContext, trx: Trx, transferId: string): Promise<TransferRow | undefined> {
  return trx
    .selectFrom('transfers')
    .selectAll()
    .where('id', '=', transferId)
    .$if(hasRowLocks(ctx), (q) => q.forUpdate())
    .executeTakeFirst();
}

/**
 * What the user's open holds reserve at `nowMs`: offers' holds and seat licences' holds
 * [FW-13.2] together, so credit backing a licence cannot be spent on anything else. A hold
 * counts while now ≤ hold_until, the same instant at which capture still accepts it, so
 * credit is never freed while a capture of that hold could still succeed.
 */
export async function heldMinor(trx: Trx, userId: string, nowMs: number): Promise<number> {
  const row = await trx.selectNoFrom((eb) => heldSelections(eb, userId, nowMs)).executeTakeFirstOrThrow();
  return (row.offersHeld ?? 0) + (row.licencesHeld ?? 0);
}

/**
 * The held-credit rule, written once, as two scalar subqueries a statement can select (credit()
 * reads them beside the balance in one snapshot): open offer holds not yet lapsed, and what
 * open seat licences still reserve until their settlement time.
 */
// `any` tables: the subqueries name their own tables in full, whatever the outer statement selects from.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function heldSelections(eb: ExpressionBuilder<Schema, any>, userId: string, nowMs: number) {
  return [
    eb
      .selectFrom('transfers')
      .select(sql<number>`cast(coalesce(sum(price_minor), 0) as bigint)`.as('held'))
      .where('transfers.user_id', '=', userId)
      .where('transfers.state', '=', 'open')
      .where('transfers.hold_until', '>=', nowMs)
      .as('offersHeld'),
    eb
      .selectFrom('licences')
      .select(sql<number>`cast(coalesce(sum(held_minor), 0) as bigint)`.as('held'))
      .where('licences.user_id', '=', userId)
      .where('licences.state', '=', 'open')
      .where('licences.settle_at', '>=', nowMs)
      .as('licencesHeld'),
  ] as const;
}

/**
 * Closes the user's holds (offers and licences) that lapsed before `nowMs`. Run under the
 * user's lock before credit is spent: once closed, a lapsed hold cannot be captured later by
 * a node whose clock runs behind, so credit it no longer reserves can safely be promised to
 * something else. Returns how many offer holds it released.
 */
export async function releaseLapsedHoldsOfUser(trx: Trx, userId: string, nowMs: number): Promise<number> {
  await closeLapsedLicences(trx, nowMs, userId);
  const result = await trx
    .updateTable('transfers')
    .set({ state: 'released', released_at: nowMs, release_reason: 'expired' })
    .where('user_id', '=', userId)
    .where('state', '=', 'open')
    .where('hold_until', '<', nowMs)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Closes one open hold; false if it was not open (already charged or released). */
export async function releaseOpenTransfer(trx: Trx, transferId: string, reason: string, nowMs: number): Promise<boolean> {
  const result = await trx
    .updateTable('transfers')
    .set({ state: 'released', released_at: nowMs, release_reason: reason })
    .where('id', '=', transferId)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
