/**
 * One seat of a per-reception licence [FW-13.5.1] (seed 000 claim 8): a peer's verified
 * reception notice moves one seat price from the licence's hold to a charge — user debited,
 * provider credited, as for a part — at most once per (licence, peer) and at most N times.
 *
 * Exactly once: the licence holder's account row is locked first, the licence row is re-read
 * under that lock (its state, charged seats), the seat row is UNIQUE (licence, peer) and is
 * written in the same transaction as the posting, and the ledger ref `seat:<licence>:<peer>`
 * is UNIQUE as well. Duplicates, re-signed notices and host relays of a notice the peer also
 * sent therefore all find the seat taken.
 *
 * The seat row also names the request that charged it: that same request resent (its answer
 * lost, the reply caches forgot it or it reached another node [issue 11]) is told `charged`
 * again, with that charge's balance — its first answer, not `already-charged`.
 */
import { FairwayError } from '../../sdk/errors.js';
import { balanceAfterTxn, lockUserAccount, postTransaction, providerAccountId, userAccountId } from './accounts.js';
import { inTransaction, type LedgerContext } from './context.js';
import { seatChargeRef, selectLicenceForUpdate } from './licence-rows.js';
import type { ChargeSeatInput, ChargeSeatResult } from './licence-types.js';
import { requireBytes, requireId, requireTransferId, requireWallMs } from './validate.js';

const MAX_SIGNED_BYTES = 4096;
const REQUEST_KEY = /^seat\.notices:[A-Za-z0-9_-]{1,64}:\d{1,10}:[0-9a-f]{64}$/;

function requireRequestKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !REQUEST_KEY.test(value)) throw new FairwayError('invalid-argument', 'must be seat.notices:<device>:<rid>:<sha256 hex>', 'requestKey');
  return value;
}

export async function chargeSeat(ctx: LedgerContext, input: ChargeSeatInput): Promise<ChargeSeatResult> {
  const licenceId = requireTransferId('licenceId', input.licenceId);
  const peerDeviceId = requireId('peerDeviceId', input.peerDeviceId);
  const notice = requireBytes('notice', input.notice, MAX_SIGNED_BYTES);
  const nowMs = requireWallMs('nowMs', input.nowMs);
  const requestKey = requireRequestKey(input.requestKey);
  // The payer is only known from the licence; read it first (immutable), then lock in the
  // usual order: user account → licence row.
  const owner = await ctx.db.selectFrom('licences').select('user_id').where('id', '=', licenceId).executeTakeFirst();
  if (!owner) return { outcome: 'unknown-licence' };
  return inTransaction(ctx, async (trx): Promise<ChargeSeatResult> => {
    await lockUserAccount(ctx, trx, owner.user_id);
    const row = await selectLicenceForUpdate(ctx, trx, licenceId);
    if (!row) return { outcome: 'unknown-licence' };
    if (row.billing !== 'per-reception') return { outcome: 'not-billed' };
    const seat = await trx.selectFrom('seat_charges').select(['txn_id', 'request_key']).where('licence_id', '=', licenceId).where('peer_device_id', '=', peerDeviceId).executeTakeFirst();
    // Before the licence's state: the first answer was given while it was open.
    if (seat && requestKey !== undefined && seat.request_key === requestKey) {
      const charge = await balanceAfterTxn(trx, seatChargeRef(licenceId, peerDeviceId), userAccountId(row.user_id));
      if (!charge) throw new Error(`ledger bug: seat ${licenceId}/${peerDeviceId} has no posting`);
      const before = await trx.selectFrom('seat_charges').select((eb) => eb.fn.countAll<number>().as('n')).where('licence_id', '=', licenceId).where('txn_id', '<=', seat.txn_id).executeTakeFirstOrThrow();
      return { outcome: 'charged', balanceMinor: charge.balanceMinor, seat: Number(before.n), repeated: true };
    }
    if (row.state === 'settled' || row.state === 'released') return { outcome: 'licence-closed' };
    if (nowMs > row.settle_at) {
      // Past settlement but not yet swept: settle it now, so the answer never changes later.
      await trx.updateTable('licences').set({ state: 'settled', held_minor: 0, closed_at: nowMs }).where('id', '=', licenceId).where('state', 'in', ['open', 'charged']).execute();
      return { outcome: 'licence-closed' };
    }
    if (seat) return { outcome: 'already-charged' };
    if (row.charged_seats >= row.seats) return { outcome: 'seats-exhausted' };

    const { txnId, balanceAfter } = await postTransaction(trx, {
      kind: 'seat',
      ref: seatChargeRef(licenceId, peerDeviceId),
      nowMs,
      memo: `seat of part ${row.part_id} for ${peerDeviceId} (per reception)`,
      actor: `device:${peerDeviceId}`,
      postings: [
        { accountId: userAccountId(row.user_id), amountMinor: -row.seat_price_minor },
        { accountId: providerAccountId(row.provider), amountMinor: row.seat_price_minor },
      ],
    });
    await trx.insertInto('seat_charges').values({ licence_id: licenceId, peer_device_id: peerDeviceId, notice, charged_at: nowMs, txn_id: txnId, request_key: requestKey ?? null }).execute();
    const chargedSeats = row.charged_seats + 1;
    const full = chargedSeats === row.seats;
    await trx
      .updateTable('licences')
      .set({
        charged_seats: chargedSeats,
        held_minor: (row.seats - chargedSeats) * row.seat_price_minor,
        ...(full ? { state: 'charged' as const, charged_at: nowMs, held_minor: 0 } : {}),
      })
      .where('id', '=', licenceId)
      .execute();
    return { outcome: 'charged', balanceMinor: balanceAfter.get(userAccountId(row.user_id))!, seat: chargedSeats };
  });
}
