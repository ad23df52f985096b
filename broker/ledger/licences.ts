/**
 * Seat licence holds [FW-13.2, FW-13.6]: a licence reserves seats × seat price of the host
 * user's credit, like an offer's hold, under the user's row lock; it ends charged (upfront
 * receipt: licence-capture.ts; every seat by notices: seat-capture.ts), settled (per-reception
 * after exp + grace) or released (upfront without a receipt by exp).
 */
import { FairwayError } from '../../sdk/errors.js';
import { SEATS_MAX } from '../../sdk/wire/messages.js';
import { ensureAccount, lockKnownUserAccount, providerAccountId } from './accounts.js';
import { inTransaction, type LedgerContext } from './context.js';
import { closeLapsedLicences, toLicence } from './licence-rows.js';
import type { LicenceRecord, PlaceLicenceInput, PlaceLicenceResult, SettleResult } from './licence-types.js';
import { heldMinor, releaseLapsedHoldsOfUser } from './transfer-rows.js';
import { MAX_MONEY_MINOR, requireBytes, requireCount, requireId, requireMoney, requireText, requireTransferId, requireUserId, requireWallMs } from './validate.js';

const MAX_SIGNED_BYTES = 4096;

export async function placeLicenceHold(ctx: LedgerContext, input: PlaceLicenceInput): Promise<PlaceLicenceResult> {
  const hold = validateLicence(input);
  const totalMinor = hold.seats * hold.seatPriceMinor;
  return inTransaction(ctx, async (trx) => {
    const account = await lockKnownUserAccount(ctx, trx, hold.userId);

    const device = await trx.selectFrom('devices').select(['user_id', 'revoked_at']).where('id', '=', hold.hostDeviceId).executeTakeFirst();
    if (!device || device.revoked_at !== null || device.user_id !== hold.userId) {
      throw new FairwayError('invalid-argument', `device ${hold.hostDeviceId} is not an enrolled device of ${hold.userId}`, 'hostDeviceId');
    }
    const part = await trx.selectFrom('parts').select(['id', 'title_id']).where('id', '=', hold.partId).executeTakeFirst();
    if (!part || part.title_id !== hold.titleId) throw new FairwayError('invalid-argument', `no part ${hold.partId} in title ${hold.titleId}`, 'partId');

    const available = async () => account.balanceMinor - (await heldMinor(trx, hold.userId, hold.nowMs));
    // The same licence id again (a retried call) answers as the first call did.
    const existing = await trx.selectFrom('licences').selectAll().where('id', '=', hold.licenceId).executeTakeFirst();
    if (existing) {
      if (existing.host_device_id !== hold.hostDeviceId || existing.user_id !== hold.userId || existing.part_id !== hold.partId) {
        throw new FairwayError('invalid-argument', 'this licence id was minted for another licence', 'licenceId');
      }
      return { ok: true, licence: toLicence(existing), created: false, availableMinor: Math.max(0, await available()) };
    }

    await releaseLapsedHoldsOfUser(trx, hold.userId, hold.nowMs);
    // [FW-13.2, last line] The host's open, unexpired licence for this part and seat count is
    // the answer again; checked under the user's lock, so racing requests make one licence.
    const open = await trx
      .selectFrom('licences')
      .selectAll()
      .where('host_device_id', '=', hold.hostDeviceId)
      .where('user_id', '=', hold.userId)
      .where('part_id', '=', hold.partId)
      .where('seats', '=', hold.seats)
      .where('state', '=', 'open')
      .where('exp', '>=', hold.nowMs)
      .orderBy('issued_at', 'desc')
      .executeTakeFirst();
    if (open) return { ok: true, licence: toLicence(open), created: false, availableMinor: Math.max(0, await available()) };

    const availableMinor = await available();
    if (availableMinor < totalMinor) return { ok: false, code: 'insufficient-credit', availableMinor: Math.max(0, availableMinor), totalMinor };

    // Made now so that a charge only ever updates accounts that exist.
    await ensureAccount(trx, providerAccountId(hold.provider), 'provider', hold.provider);
    const row = await trx
      .insertInto('licences')
      .values({
        id: hold.licenceId,
        host_device_id: hold.hostDeviceId,
        user_id: hold.userId,
        title_id: hold.titleId,
        part_id: hold.partId,
        part_hash: hold.partHash,
        provider: hold.provider,
        seats: hold.seats,
        billing: hold.billing,
        seat_price_minor: hold.seatPriceMinor,
        held_minor: totalMinor,
        charged_seats: 0,
        state: 'open',
        issued_at: hold.nowMs,
        exp: hold.exp,
        settle_at: hold.settleAt,
        licence: hold.licence,
        receipt: null,
        charged_at: null,
        closed_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true, licence: toLicence(row), created: true, availableMinor: availableMinor - totalMinor };
  });
}

function validateLicence(input: PlaceLicenceInput) {
  if (typeof input !== 'object' || input === null) throw new FairwayError('invalid-argument', 'placeLicenceHold needs an object');
  if (input.billing !== 'upfront' && input.billing !== 'per-reception') throw new FairwayError('invalid-argument', 'billing is upfront or per-reception', 'billing');
  const partHash = requireBytes('partHash', input.partHash, 32);
  if (partHash.length !== 32) throw new FairwayError('out-of-range', 'a part hash is 32 bytes', 'partHash');
  const hold = {
    licenceId: requireTransferId('licenceId', input.licenceId),
    hostDeviceId: requireId('hostDeviceId', input.hostDeviceId),
    userId: requireUserId('userId', input.userId),
    titleId: requireId('titleId', input.titleId),
    partId: requireId('partId', input.partId),
    partHash,
    provider: requireText('provider', input.provider, 128),
    seats: requireCount('seats', input.seats, 1, SEATS_MAX),
    billing: input.billing,
    seatPriceMinor: requireMoney('seatPriceMinor', input.seatPriceMinor),
    exp: requireWallMs('exp', input.exp),
    settleAt: requireWallMs('settleAt', input.settleAt),
    licence: requireBytes('licence', input.licence, MAX_SIGNED_BYTES),
    nowMs: requireWallMs('nowMs', input.nowMs),
  };
  if (hold.seats * hold.seatPriceMinor > MAX_MONEY_MINOR) throw new FairwayError('out-of-range', 'seats × seat price exceeds 10^12', 'seatPriceMinor');
  if (hold.exp < hold.nowMs) throw new FairwayError('out-of-range', 'a licence cannot end before it starts', 'exp');
  if (hold.settleAt < hold.exp) throw new FairwayError('out-of-range', 'settlement cannot come before the licence ends', 'settleAt');
  if (hold.billing === 'upfront' && hold.settleAt !== hold.exp) throw new FairwayError('out-of-range', 'an upfront licence settles at its exp', 'settleAt');
  return hold;
}

export async function getLicence(ctx: LedgerContext, licenceId: string): Promise<LicenceRecord | undefined> {
  requireTransferId('licenceId', licenceId);
  const row = await ctx.db.selectFrom('licences').selectAll().where('id', '=', licenceId).executeTakeFirst();
  return row && toLicence(row);
}

/** The sweep [FW-13.6]: closes every licence whose settlement time passed before `nowMs`. */
export async function settleLicences(ctx: LedgerContext, nowMs: number): Promise<SettleResult> {
  requireWallMs('nowMs', nowMs);
  return inTransaction(ctx, (trx) => closeLapsedLicences(trx, nowMs));
}

/** Whether this user was ever charged for the part: only an owner may host it [FW-13.2 #3]. */
export async function ownsPart(ctx: LedgerContext, userId: string, partId: string): Promise<boolean> {
  requireUserId('userId', userId);
  requireId('partId', partId);
  const row = await ctx.db.selectFrom('transfers').select('id').where('user_id', '=', userId).where('part_id', '=', partId).where('state', '=', 'charged').executeTakeFirst();
  return row !== undefined;
}
