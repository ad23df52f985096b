/**
 * Operator balance adjustments: a refund, a goodwill credit, a correction. The counterparty
 * is the `adjustments` account, so money stays conserved, and every adjustment leaves an
 * audit row naming who did it and why.
 */
import { randomUUID } from 'node:crypto';
import { FairwayError } from '../../sdk/errors.js';
import { ADJUSTMENTS_ACCOUNT, balanceAfterTxn, lockKnownUserAccount, postTransaction, userAccountId } from './accounts.js';
import { inTransaction, type LedgerContext } from './context.js';
import { heldMinor, releaseLapsedHoldsOfUser } from './transfer-rows.js';
import type { AdjustInput, AdjustResult } from './types.js';
import { requireId, requireSignedMoney, requireText, requireUserId, requireWallMs } from './validate.js';

export async function adjustBalance(ctx: LedgerContext, input: AdjustInput): Promise<AdjustResult> {
  const userId = requireUserId('userId', input.userId);
  const amountMinor = requireSignedMoney('amountMinor', input.amountMinor);
  const reason = requireText('reason', input.reason, 256);
  const actor = requireText('actor', input.actor, 64);
  const nowMs = requireWallMs('nowMs', input.nowMs);
  const ref = `adjust:${input.requestId === undefined ? randomUUID() : requireId('requestId', input.requestId)}`;

  return inTransaction(ctx, async (trx): Promise<AdjustResult> => {
    const account = await lockKnownUserAccount(ctx, trx, userId);
    const accountId = userAccountId(userId);

    const earlier = await trx.selectFrom('ledger_txns').select('id').where('ref', '=', ref).executeTakeFirst();
    if (earlier) {
      const posted = await balanceAfterTxn(trx, ref, accountId);
      if (!posted || posted.amountMinor !== amountMinor) {
        throw new FairwayError('invalid-argument', 'this request id was used for a different adjustment', 'requestId');
      }
      return { txnId: posted.txnId, balanceMinor: posted.balanceMinor, repeated: true };
    }

    // Not below zero, and not below what open holds promise: a debit that left less than the
    // holds reserve would make a later, valid capture impossible.
    await releaseLapsedHoldsOfUser(trx, userId, nowMs);
    const held = await heldMinor(trx, userId, nowMs);
    if (amountMinor < 0 && account.balanceMinor + amountMinor < held) {
      throw new FairwayError(
        'out-of-range',
        `would leave balance ${account.balanceMinor + amountMinor} below the ${held} held by open offers (balance ${account.balanceMinor})`,
        'amountMinor',
      );
    }

    const { txnId, balanceAfter } = await postTransaction(trx, {
      kind: 'adjust',
      ref,
      nowMs,
      memo: reason,
      actor,
      postings: [
        { accountId, amountMinor },
        { accountId: ADJUSTMENTS_ACCOUNT, amountMinor: -amountMinor },
      ],
    });
    await trx
      .insertInto('audit')
      .values({ at: nowMs, actor, action: 'adjust-balance', subject: accountId, detail: JSON.stringify({ amountMinor, reason, txnId, ref }) })
      .execute();
    return { txnId, balanceMinor: balanceAfter.get(accountId)!, repeated: false };
  });
}
