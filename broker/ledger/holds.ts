/**
 * Holds [FW-4.4, FW-7.1]: an offer reserves its price from the user's available credit until
 * `holdUntil`; the hold ends captured (capture.ts) or released (cancelled, lapsed, swept).
 * Available credit = balance − open holds that have not lapsed (seat licences' included).
 */
import { sql } from 'kysely';
import { FairwayError } from '../../sdk/errors.js';
import { ensureAccount, lockKnownUserAccount, lockUserAccount, providerAccountId, sponsorAccountId, userAccountId } from './accounts.js';
import { inTransaction, type LedgerContext } from './context.js';
import { heldMinor, heldSelections, releaseLapsedHoldsOfUser, releaseOpenTransfer, selectTransferForUpdate, toTransfer } from './transfer-rows.js';
import type { CancelInput, CancelResult, Credit, PlaceHoldInput, PlaceHoldResult, ReleaseOutcome, Transfer } from './types.js';
import {
  requireId,
  requireMoney,
  requireText,
  requireTransferId,
  requireUserId,
  requireWallMs,
} from './validate.js';

export async function placeHold(ctx: LedgerContext, input: PlaceHoldInput): Promise<PlaceHoldResult> {
  const hold = validateHold(input);
  return inTransaction(ctx, async (trx) => {
    const account = await lockKnownUserAccount(ctx, trx, hold.userId);

    const device = await trx.selectFrom('devices').select(['user_id', 'revoked_at']).where('id', '=', hold.deviceId).executeTakeFirst();
    if (!device || device.revoked_at !== null || device.user_id !== hold.userId) {
      throw new FairwayError('invalid-argument', `device ${hold.deviceId} is not an enrolled device of ${hold.userId}`, 'deviceId');
    }
    const part = await trx.selectFrom('parts').select('id').where('id', '=', hold.partId).executeTakeFirst();
    if (!part) throw new FairwayError('invalid-argument', `no part ${hold.partId}`, 'partId');

    // The same transfer id again (a retried call) answers as the first call did.
    const existing = await trx.selectFrom('transfers').selectAll().where('id', '=', hold.transferId).executeTakeFirst();
    if (existing) {
      if (existing.device_id !== hold.deviceId || existing.user_id !== hold.userId || existing.part_id !== hold.partId) {
        throw new FairwayError('invalid-argument', 'this transfer id was minted for another offer', 'transferId');
      }
      return { ok: true, transfer: toTransfer(existing), created: false };
    }

    await releaseLapsedHoldsOfUser(trx, hold.userId, hold.nowMs);
    // [FW-4.4.1] A repeated offer while its hold is open is the same offer: no second hold.
    // Checked under the user's lock, so two racing offer.get cannot both create one.
    const open = await selectOpenTransfer(trx, hold.deviceId, hold.userId, hold.partId, hold.nowMs);
    if (open) return { ok: true, transfer: open, created: false };

    const availableMinor = account.balanceMinor - (await heldMinor(trx, hold.userId, hold.nowMs));
    if (availableMinor < hold.priceMinor) {
      return { ok: false, code: 'insufficient-credit', availableMinor: Math.max(0, availableMinor), priceMinor: hold.priceMinor };
    }

    // Made now so that capture only ever updates accounts that exist.
    await ensureAccount(trx, providerAccountId(hold.provider), 'provider', hold.provider);
    if (hold.sponsor !== null) await ensureAccount(trx, sponsorAccountId(hold.sponsor), 'sponsor', hold.sponsor);

    const row = await trx
      .insertInto('transfers')
      .values({
        id: hold.transferId,
        device_id: hold.deviceId,
        user_id: hold.userId,
        part_id: hold.partId,
        price_minor: hold.priceMinor,
        list_price_minor: hold.listPriceMinor,
        provider: hold.provider,
        sponsor: hold.sponsor,
        sponsor_pays_minor: hold.sponsorPaysMinor,
        state: 'open',
        hold_until: hold.holdUntil,
        created_at: hold.nowMs,
        charged_at: null,
        released_at: null,
        release_reason: null,
        receipt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true, transfer: toTransfer(row), created: true };
  });
}

function validateHold(input: PlaceHoldInput) {
  if (typeof input !== 'object' || input === null) throw new FairwayError('invalid-argument', 'placeHold needs an object');
  const hold = {
    transferId: requireTransferId('transferId', input.transferId),
    deviceId: requireId('deviceId', input.deviceId),
    userId: requireUserId('userId', input.userId),
    partId: requireId('partId', input.partId),
    listPriceMinor: requireMoney('listPriceMinor', input.listPriceMinor),
    priceMinor: requireMoney('priceMinor', input.priceMinor),
    provider: requireText('provider', input.provider, 128),
    sponsor: input.sponsor === undefined ? null : requireText('sponsor', input.sponsor, 128),
    sponsorPaysMinor: requireMoney('sponsorPaysMinor', input.sponsorPaysMinor),
    holdUntil: requireWallMs('holdUntil', input.holdUntil),
    nowMs: requireWallMs('nowMs', input.nowMs),
  };
  // The pricing invariants [FW-4.4.2]: the user and the sponsor together never pay more than
  // the list price; a sponsor pays exactly the difference; without a sponsor nobody else pays.
  if (hold.priceMinor + hold.sponsorPaysMinor > hold.listPriceMinor) {
    throw new FairwayError('out-of-range', 'price + sponsor share exceeds the list price', 'priceMinor');
  }
  if (hold.sponsor === null && hold.sponsorPaysMinor !== 0) {
    throw new FairwayError('invalid-argument', 'a sponsor share without a sponsor', 'sponsorPaysMinor');
  }
  if (hold.sponsor !== null && hold.priceMinor + hold.sponsorPaysMinor !== hold.listPriceMinor) {
    throw new FairwayError('out-of-range', 'a sponsor pays exactly listPrice − price', 'sponsorPaysMinor');
  }
  if (hold.holdUntil < hold.nowMs) throw new FairwayError('out-of-range', 'a hold cannot end before it starts', 'holdUntil');
  return hold;
}

async function selectOpenTransfer(
  db: LedgerContext['db'],
  deviceId: string,
  userId: string,
  partId: string,
  nowMs: number,
): Promise<Transfer | undefined> {
  const row = await db
    .selectFrom('transfers')
    .selectAll()
    .where('device_id', '=', deviceId)
    .where('user_id', '=', userId)
    .where('part_id', '=', partId)
    .where('state', '=', 'open')
    .where('hold_until', '>=', nowMs)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row && toTransfer(row);
}

/** The open, unlapsed transfer of this device and user for this part, if any [FW-4.4.1]. */
export async function findOpenTransfer(ctx: LedgerContext, deviceId: string, userId: string, partId: string, nowMs: number): Promise<Transfer | undefined> {
  requireId('deviceId', deviceId);
  requireUserId('userId', userId);
  requireId('partId', partId);
  requireWallMs('nowMs', nowMs);
  return selectOpenTransfer(ctx.db, deviceId, userId, partId, nowMs);
}

export async function getTransfer(ctx: LedgerContext, transferId: string): Promise<Transfer | undefined> {
  requireTransferId('transferId', transferId);
  const row = await ctx.db.selectFrom('transfers').selectAll().where('id', '=', transferId).executeTakeFirst();
  return row && toTransfer(row);
}

/** Balance, held (offers and seat licences) and available credit, read in one statement (one consistent snapshot). */
export async function credit(ctx: LedgerContext, userId: string, nowMs: number): Promise<Credit> {
  requireUserId('userId', userId);
  requireWallMs('nowMs', nowMs);
  const row = await ctx.db
    .selectFrom('users')
    .leftJoin('accounts', (join) => join.on('accounts.id', '=', userAccountId(userId)))
    .select((eb) => [sql<number>`coalesce(accounts.balance_minor, 0)`.as('balance'), ...heldSelections(eb, userId, nowMs)])
    .where('users.id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new FairwayError('invalid-argument', `no user ${userId}`, 'userId');
  // Seat licences hold credit as offers do [FW-13.2].
  const held = (row.offersHeld ?? 0) + (row.licencesHeld ?? 0);
  return { balanceMinor: row.balance, heldMinor: held, availableMinor: row.balance - held };
}

/** Ends an open hold (idempotent). Charged transfers are never touched. */
export async function release(ctx: LedgerContext, transferId: string, reason: string, nowMs: number): Promise<ReleaseOutcome> {
  requireTransferId('transferId', transferId);
  requireText('reason', reason, 64);
  requireWallMs('nowMs', nowMs);
  return inTransaction(ctx, async (trx) => {
    const row = await selectTransferForUpdate(ctx, trx, transferId);
    if (!row) return 'unknown';
    if (row.state === 'charged') return 'charged';
    if (row.state === 'released') return 'already-released';
    await releaseOpenTransfer(trx, transferId, reason, nowMs);
    return 'released';
  });
}

/** Releases every open hold that lapsed before `nowMs`; returns how many. */
export async function releaseExpired(ctx: LedgerContext, nowMs: number): Promise<number> {
  requireWallMs('nowMs', nowMs);
  return inTransaction(ctx, async (trx) => {
    const result = await trx
      .updateTable('transfers')
      .set({ state: 'released', released_at: nowMs, release_reason: 'expired' })
      .where('state', '=', 'open')
      .where('hold_until', '<', nowMs)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}

/**
 * offer.cancel [FW-4.4.6]: releases the hold of an open transfer of this device and user and
 * answers with the credit now available; a lapsed or already cancelled one answers the same.
 * Charged, unknown or someone else's → unknown-transfer.
 */
export async function cancelOffer(ctx: LedgerContext, input: CancelInput): Promise<CancelResult> {
  const transferId = requireTransferId('transferId', input.transferId);
  const deviceId = requireId('deviceId', input.deviceId);
  const userId = requireUserId('userId', input.userId);
  const nowMs = requireWallMs('nowMs', input.nowMs);
  return inTransaction(ctx, async (trx) => {
    const account = await lockUserAccount(ctx, trx, userId);
    if (!account) return { ok: false, code: 'unknown-transfer' };
    const row = await selectTransferForUpdate(ctx, trx, transferId);
    if (!row || row.device_id !== deviceId || row.user_id !== userId || row.state === 'charged') {
      return { ok: false, code: 'unknown-transfer' };
    }
    if (row.state === 'open') await releaseOpenTransfer(trx, transferId, row.hold_until < nowMs ? 'expired' : 'cancelled', nowMs);
    const availableMinor = account.balanceMinor - (await heldMinor(trx, userId, nowMs));
    return { ok: true, availableMinor: Math.max(0, availableMinor) };
  });
}
