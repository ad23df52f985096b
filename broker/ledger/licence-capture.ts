/**
 * Upfront capture [FW-13.4] (seed 000 claims 7, 10): the host's verified licence receipt
 * turns the licence's hold into a charge of all N seats, exactly once. As for parts
 * (capture.ts): the user's row is locked first, the licence's state is re-read under that
 * lock, and the ledger reference `licence:<id>` is UNIQUE; a repeat answers from the first
 * charge's posting, so the same (or a re-signed) receipt always gets the same licence.charge.
 */
import { balanceAfterTxn, lockUserAccount, postTransaction, providerAccountId, userAccountId } from './accounts.js';
import { inTransaction, type LedgerContext } from './context.js';
import { licenceChargeRef, selectLicenceForUpdate } from './licence-rows.js';
import type { CaptureLicenceInput, CaptureLicenceResult } from './licence-types.js';
import type { LicenceRow } from '../db/schema.js';
import type { Trx } from './context.js';
import { requireBytes, requireId, requireTransferId, requireUserId, requireWallMs } from './validate.js';

const MAX_SIGNED_BYTES = 4096;

export async function captureLicence(ctx: LedgerContext, input: CaptureLicenceInput): Promise<CaptureLicenceResult> {
  const licenceId = requireTransferId('licenceId', input.licenceId);
  const deviceId = requireId('deviceId', input.deviceId);
  const userId = requireUserId('userId', input.userId);
  const receipt = requireBytes('receipt', input.receipt, MAX_SIGNED_BYTES);
  const nowMs = requireWallMs('nowMs', input.nowMs);
  return inTransaction(ctx, async (trx): Promise<CaptureLicenceResult> => {
    const account = await lockUserAccount(ctx, trx, userId);
    const row = account && (await selectLicenceForUpdate(ctx, trx, licenceId));
    // Another device's or user's licence is indistinguishable from none [FW-13.4].
    if (!row || row.host_device_id !== deviceId || row.user_id !== userId || row.billing !== 'upfront') return { ok: false, code: 'unknown-licence' };
    if (row.state === 'charged') return repeatedCharge(trx, row);
    if (row.state !== 'open') return { ok: false, code: 'licence-expired' };
    if (nowMs > row.exp) {
      // Lapsed but not yet swept: close it now, so the answer can never change later.
      await trx.updateTable('licences').set({ state: 'released', held_minor: 0, closed_at: nowMs }).where('id', '=', licenceId).where('state', '=', 'open').execute();
      return { ok: false, code: 'licence-expired' };
    }
    const amountMinor = row.seats * row.seat_price_minor;
    const { balanceAfter } = await postTransaction(trx, {
      kind: 'seat',
      ref: licenceChargeRef(licenceId),
      nowMs,
      memo: `${row.seats} seats of part ${row.part_id} (upfront)`,
      actor: `device:${deviceId}`,
      postings: [
        { accountId: userAccountId(userId), amountMinor: -amountMinor },
        { accountId: providerAccountId(row.provider), amountMinor },
      ],
    });
    await trx
      .updateTable('licences')
      .set({ state: 'charged', charged_seats: row.seats, held_minor: 0, receipt, charged_at: nowMs })
      .where('id', '=', licenceId)
      .execute();
    return { ok: true, licenceId, seats: row.seats, amountMinor, balanceMinor: balanceAfter.get(userAccountId(userId))!, chargedAt: nowMs, repeated: false };
  });
}

async function repeatedCharge(trx: Trx, row: LicenceRow): Promise<CaptureLicenceResult> {
  const posted = await balanceAfterTxn(trx, licenceChargeRef(row.id), userAccountId(row.user_id));
  if (!posted || row.charged_at === null) throw new Error(`ledger bug: licence ${row.id} is charged but has no charge posting`);
  return { ok: true, licenceId: row.id, seats: row.seats, amountMinor: -posted.amountMinor, balanceMinor: posted.balanceMinor, chargedAt: row.charged_at, repeated: true };
}
