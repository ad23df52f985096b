/**
 * Capture [FW-8.2]: a verified receipt turns an open hold into a charge, exactly once.
 *
 * Exactly once rests on three things, all inside one transaction: the user's account row is
 * locked first (concurrent captures of one transfer queue behind each other), the transfer
 * row's state is re-read under that lock (the second one sees 'charged'), and the ledger
 * reference `charge:<transfer>` is UNIQUE (even a bug that skipped the state check could not
 * post twice). A repeat answers from what the first capture stored — the balance right after
 * it sits in that capture's user posting — so the same receipt always gets the same `charge`.
 */
import type { TransferRow } from '../db/schema.js';
import { balanceAfterTxn, lockUserAccount, postTransaction, providerAccountId, sponsorAccountId, userAccountId, type Posting } from './accounts.js';
import { inTransaction, type LedgerContext, type Trx } from './context.js';
import { releaseOpenTransfer, selectTransferForUpdate } from './transfer-rows.js';
import type { CaptureInput, CaptureResult } from './types.js';
import { requireBytes, requireId, requireTransferId, requireUserId, requireWallMs } from './validate.js';

/** The protocol's cap on a receipt message's COSE bytes [FW-4.8]. */
const MAX_RECEIPT_BYTES = 4096;

export const chargeRef = (transferId: string): string => `charge:${transferId}`;

export async function capture(ctx: LedgerContext, input: CaptureInput): Promise<CaptureResult> {
  const checked = checkCaptureInput(input);
  return inTransaction(ctx, (trx) => captureIn(ctx, trx, checked));
}

/**
 * Several captures in ONE transaction: one commit, so one fsync, for the whole group — how
 * the store turns many receipts into durable charges per second [issue 3 §14]. Each capture
 * keeps its own exactly-once logic; users are locked in sorted order so that concurrent
 * groups on PostgreSQL cannot deadlock. If the group fails as a whole (a constraint, a bug),
 * nothing of it is committed and each capture is run again on its own, so one bad input
 * cannot sink the others.
 */
export async function captureMany(ctx: LedgerContext, inputs: readonly CaptureInput[]): Promise<CaptureResult[]> {
  const checked = inputs.map(checkCaptureInput);
  const order = checked.map((_, i) => i).sort((a, b) => (checked[a]!.userId < checked[b]!.userId ? -1 : checked[a]!.userId > checked[b]!.userId ? 1 : a - b));
  try {
    return await inTransaction(ctx, async (trx) => {
      const results: CaptureResult[] = new Array(checked.length);
      for (const i of order) results[i] = await captureIn(ctx, trx, checked[i]!);
      return results;
    });
  } catch {
    return Promise.all(checked.map((input) => inTransaction(ctx, (trx) => captureIn(ctx, trx, input))));
  }
}

function checkCaptureInput(input: CaptureInput): CaptureInput {
  return {
    transferId: requireTransferId('transferId', input.transferId),
    deviceId: requireId('deviceId', input.deviceId),
    userId: requireUserId('userId', input.userId),
    receipt: requireBytes('receipt', input.receipt, MAX_RECEIPT_BYTES),
    nowMs: requireWallMs('nowMs', input.nowMs),
  };
}

async function captureIn(ctx: LedgerContext, trx: Trx, input: CaptureInput): Promise<CaptureResult> {
  const { transferId, deviceId, userId, receipt, nowMs } = input;
  const account = await lockUserAccount(ctx, trx, userId);
  if (!account) return { ok: false, code: 'unknown-transfer' };
  const transfer = await selectTransferForUpdate(ctx, trx, transferId);
  // Another device's or user's transfer is indistinguishable from none [FW-8.3 #5].
  if (!transfer || transfer.device_id !== deviceId || transfer.user_id !== userId) return { ok: false, code: 'unknown-transfer' };

  if (transfer.state === 'charged') return repeatedCharge(trx, transfer);
  if (transfer.state === 'released') return { ok: false, code: 'hold-expired', partId: transfer.part_id };
  if (nowMs > transfer.hold_until) {
    // Lapsed but not yet swept: close it now, so the answer can never change later.
    await releaseOpenTransfer(trx, transferId, 'expired', nowMs);
    return { ok: false, code: 'hold-expired', partId: transfer.part_id };
  }
  return charge(trx, transfer, receipt, nowMs);
}

async function charge(trx: Trx, transfer: TransferRow, receipt: Uint8Array, nowMs: number): Promise<CaptureResult> {
  const userAccount = userAccountId(transfer.user_id);
  // The user's posting is written even for a free part: it carries the balance a repeat returns.
  const postings: Posting[] = [
    { accountId: userAccount, amountMinor: -transfer.price_minor },
    { accountId: providerAccountId(transfer.provider), amountMinor: transfer.price_minor + transfer.sponsor_pays_minor },
  ];
  if (transfer.sponsor !== null) postings.push({ accountId: sponsorAccountId(transfer.sponsor), amountMinor: -transfer.sponsor_pays_minor });

  const { balanceAfter } = await postTransaction(trx, {
    kind: 'charge',
    ref: chargeRef(transfer.id),
    transferId: transfer.id,
    nowMs,
    memo: `part ${transfer.part_id}`,
    actor: `device:${transfer.device_id}`,
    postings,
  });
  await trx
    .updateTable('transfers')
    .set({ state: 'charged', charged_at: nowMs, receipt })
    .where('id', '=', transfer.id)
    .execute();
  const part = await trx
    .updateTable('parts')
    .set((eb) => ({ use_count: eb('use_count', '+', 1) }))
    .where('id', '=', transfer.part_id)
    .returning('title_id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('history')
    .values({ user_id: transfer.user_id, title_id: part.title_id, part_id: transfer.part_id, kind: 'charge', results: null, at: nowMs })
    .execute();
  return {
    ok: true,
    transferId: transfer.id,
    partId: transfer.part_id,
    priceMinor: transfer.price_minor,
    balanceMinor: balanceAfter.get(userAccount)!,
    chargedAt: nowMs,
    repeated: false,
  };
}

async function repeatedCharge(trx: Trx, transfer: TransferRow): Promise<CaptureResult> {
  const posted = await balanceAfterTxn(trx, chargeRef(transfer.id), userAccountId(transfer.user_id));
  if (!posted || transfer.charged_at === null) throw new Error(`ledger bug: transfer ${transfer.id} is charged but has no charge posting`);
  return {
    ok: true,
    transferId: transfer.id,
    partId: transfer.part_id,
    priceMinor: transfer.price_minor,
    balanceMinor: posted.balanceMinor,
    chargedAt: transfer.charged_at,
    repeated: true,
  };
}
