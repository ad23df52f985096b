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
import { captureGroup } from './capture-group.js';
import { inTransaction, type LedgerContext } from './context.js';
import type { CaptureInput, CaptureResult, OfferedPart } from './types.js';
import { requireBytes, requireId, requireMoney, requireTransferId, requireUserId, requireWallMs } from './validate.js';

/** The protocol's cap on a receipt message's COSE bytes [FW-4.8]. */
const MAX_RECEIPT_BYTES = 4096;
/** A part hash is a SHA-256 [FW-5]. */
const PART_HASH_BYTES = 32;

export { chargeRef } from './capture-group.js';

export async function capture(ctx: LedgerContext, input: CaptureInput): Promise<CaptureResult> {
  const [result] = await captureInTransaction(ctx, [checkCaptureInput(input)]);
  return result!;
}

/**
 * Several captures in ONE transaction: one commit, so one fsync, for the whole group, and a
 * fixed number of statements for all of them (capture-group.ts) — how the store turns many
 * receipts into durable charges per second [issue 3 §14, issue 11]. If the group fails as a
 * whole (a constraint, a bug), nothing of it is committed and each capture is run again on
 * its own, so one bad input cannot sink the others.
 */
export async function captureMany(ctx: LedgerContext, inputs: readonly CaptureInput[]): Promise<CaptureResult[]> {
  const checked = inputs.map(checkCaptureInput);
  try {
    return await captureInTransaction(ctx, checked);
  } catch {
    const results: CaptureResult[] = [];
    for (const input of checked) results.push((await captureInTransaction(ctx, [input]))[0]!);
    return results;
  }
}

async function captureInTransaction(ctx: LedgerContext, inputs: readonly CaptureInput[]): Promise<CaptureResult[]> {
  const observe = ctx.onHotRowLock;
  if (!observe) return inTransaction(ctx, (trx) => captureGroup(ctx, trx, inputs));
  // Timed: from when the hot rows were locked (the writer learns it from the server) until the commit returned (again on a retry).
  let lockedAt: number | undefined;
  const results = await inTransaction(ctx, (trx) => {
    lockedAt = undefined;
    return captureGroup(ctx, trx, inputs, (heldSoFarMs) => (lockedAt = performance.now() - heldSoFarMs));
  });
  if (lockedAt !== undefined) observe(performance.now() - lockedAt);
  return results;
}

function checkCaptureInput(input: CaptureInput): CaptureInput {
  return {
    transferId: requireTransferId('transferId', input.transferId),
    deviceId: requireId('deviceId', input.deviceId),
    userId: requireUserId('userId', input.userId),
    receipt: requireBytes('receipt', input.receipt, MAX_RECEIPT_BYTES),
    nowMs: requireWallMs('nowMs', input.nowMs),
    ...(input.offered !== undefined ? { offered: checkOffered(input.offered) } : {}),
  };
}

function checkOffered(offered: OfferedPart): OfferedPart {
  return {
    partId: requireId('offered.partId', offered.partId),
    priceMinor: requireMoney('offered.priceMinor', offered.priceMinor),
    partHash: requireBytes('offered.partHash', offered.partHash, PART_HASH_BYTES),
  };
}
