/**
 * Capturing a group of holds in one transaction with a handful of statements, however many
 * captures the group has: one read of the transfers, one of the accounts, one multi-row
 * insert each for transactions, postings and history, one update per touched account, row
 * and part. This is what makes a burst of receipts cheap [issue 3 §14], on SQLite (CPU) and
 * on PostgreSQL (round trips) alike.
 *
 * Exactly once is kept the same way as for a single capture (broker/ledger/capture.ts): the
 * users' account rows are locked first (sorted, so groups cannot deadlock), transfer states
 * are read under those locks, a transfer charged earlier in the same group answers as a
 * repeat, and `charge:<transfer>` is UNIQUE in the database. Balances are carried forward
 * in memory in the group's order, so every posting records the balance right after it.
 */
import { balanceAfterTxn, providerAccountId, sponsorAccountId, userAccountId, type Posting } from './accounts.js';
import { hasRowLocks, type LedgerContext, type Trx } from './context.js';
import type { TransferRow } from '../db/schema.js';
import type { CaptureInput, CaptureResult } from './types.js';

export const chargeRef = (transferId: string): string => `charge:${transferId}`;

interface PlannedCharge {
  index: number;
  transfer: TransferRow;
  receipt: Uint8Array;
  postings: (Posting & { balanceAfterMinor: number })[];
}

function chargePostings(transfer: TransferRow): Posting[] {
  // The user's posting is written even for a free part: it carries the balance a repeat returns.
  const postings: Posting[] = [
    { accountId: userAccountId(transfer.user_id), amountMinor: -transfer.price_minor },
    { accountId: providerAccountId(transfer.provider), amountMinor: transfer.price_minor + transfer.sponsor_pays_minor },
  ];
  if (transfer.sponsor !== null) postings.push({ accountId: sponsorAccountId(transfer.sponsor), amountMinor: -transfer.sponsor_pays_minor });
  // Accounts in id order, as every ledger transaction touches them [accounts.ts].
  return postings.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** All inputs share `nowMs` semantics per input; they are already validated. */
export async function captureGroup(ctx: LedgerContext, trx: Trx, inputs: readonly CaptureInput[]): Promise<CaptureResult[]> {
  const locks = hasRowLocks(ctx);
  const userAccounts = [...new Set(inputs.map((i) => userAccountId(i.userId)))].sort(byText);
  const lockedUsers = await trx.selectFrom('accounts').select('id').where('id', 'in', userAccounts).orderBy('id').$if(locks, (q) => q.forUpdate()).execute();
  const knownUsers = new Set(lockedUsers.map((r) => r.id));
  const transferIds = [...new Set(inputs.map((i) => i.transferId))].sort(byText);
  const rows = await trx.selectFrom('transfers').selectAll().where('id', 'in', transferIds).orderBy('id').$if(locks, (q) => q.forUpdate()).execute();
  const transfers = new Map(rows.map((r) => [r.id, r]));

  const results: CaptureResult[] = new Array(inputs.length);
  const planned: PlannedCharge[] = [];
  const plannedById = new Map<string, PlannedCharge>();
  const toRelease: string[] = [];
  for (const [index, input] of inputs.entries()) {
    const transfer = transfers.get(input.transferId);
    // Another device's or user's transfer is indistinguishable from none [FW-8.3 #5].
    if (!transfer || !knownUsers.has(userAccountId(input.userId)) || transfer.device_id !== input.deviceId || transfer.user_id !== input.userId) {
      results[index] = { ok: false, code: 'unknown-transfer' };
      continue;
    }
    const earlier = plannedById.get(transfer.id);
    if (earlier) continue; // answered below, as a repeat of the charge earlier in this group
    if (transfer.state === 'charged') {
      results[index] = await repeatedCharge(trx, transfer);
    } else if (transfer.state === 'released') {
      results[index] = { ok: false, code: 'hold-expired', partId: transfer.part_id };
    } else if (input.nowMs > transfer.hold_until) {
      // Lapsed but not yet swept: close it now, so the answer can never change later.
      toRelease.push(transfer.id);
      transfers.set(transfer.id, { ...transfer, state: 'released' });
      results[index] = { ok: false, code: 'hold-expired', partId: transfer.part_id };
    } else {
      const plan: PlannedCharge = { index, transfer, receipt: input.receipt, postings: [] };
      planned.push(plan);
      plannedById.set(transfer.id, plan);
    }
  }

  if (toRelease.length > 0) {
    const nowMs = Math.max(...inputs.map((i) => i.nowMs));
    await trx.updateTable('transfers').set({ state: 'released', released_at: nowMs, release_reason: 'expired' }).where('id', 'in', toRelease).where('state', '=', 'open').execute();
  }
  if (planned.length > 0) await applyCharges(ctx, trx, inputs, planned);
  for (const plan of planned) {
    const user = plan.postings.find((x) => x.accountId === userAccountId(plan.transfer.user_id))!;
    results[plan.index] = {
      ok: true,
      transferId: plan.transfer.id,
      partId: plan.transfer.part_id,
      priceMinor: plan.transfer.price_minor,
      balanceMinor: user.balanceAfterMinor,
      chargedAt: inputs[plan.index]!.nowMs,
      repeated: false,
    };
  }

  // Repeats within the group answer exactly as the charge they repeat.
  for (const [index, input] of inputs.entries()) {
    if (results[index] !== undefined) continue;
    const plan = plannedById.get(input.transferId)!;
    results[index] = { ...(results[plan.index] as Extract<CaptureResult, { ok: true }>), repeated: true };
  }
  return results;
}

async function applyCharges(ctx: LedgerContext, trx: Trx, inputs: readonly CaptureInput[], planned: PlannedCharge[]): Promise<void> {
  const accountIds = [...new Set(planned.flatMap((p) => chargePostings(p.transfer).map((x) => x.accountId)))].sort(byText);
  const accounts = await trx.selectFrom('accounts').select(['id', 'kind', 'balance_minor']).where('id', 'in', accountIds).orderBy('id').$if(hasRowLocks(ctx), (q) => q.forUpdate()).execute();
  const balances = new Map(accounts.map((a) => [a.id, a.balance_minor]));
  const kinds = new Map(accounts.map((a) => [a.id, a.kind]));
  for (const plan of planned) {
    for (const posting of chargePostings(plan.transfer)) {
      const before = balances.get(posting.accountId);
      if (before === undefined) throw new Error(`ledger bug: no account ${posting.accountId} for ${chargeRef(plan.transfer.id)}`);
      const after = before + posting.amountMinor;
      if (kinds.get(posting.accountId) === 'user' && after < 0) throw new Error(`ledger bug: charge ${plan.transfer.id} would take ${posting.accountId} below zero`);
      balances.set(posting.accountId, after);
      plan.postings.push({ ...posting, balanceAfterMinor: after });
    }
  }

  const txns = await trx
    .insertInto('ledger_txns')
    .values(
      planned.map((p) => ({
        kind: 'charge' as const,
        ref: chargeRef(p.transfer.id),
        transfer_id: p.transfer.id,
        created_at: inputs[p.index]!.nowMs,
        memo: `part ${p.transfer.part_id}`,
        actor: `device:${p.transfer.device_id}`,
      })),
    )
    .returning(['id', 'ref'])
    .execute();
  const txnIds = new Map(txns.map((t) => [t.ref, t.id]));
  await trx
    .insertInto('postings')
    .values(planned.flatMap((p) => p.postings.map((x) => ({ txn_id: txnIds.get(chargeRef(p.transfer.id))!, account_id: x.accountId, amount_minor: x.amountMinor, balance_after_minor: x.balanceAfterMinor }))))
    .execute();
  for (const id of accountIds) {
    await trx.updateTable('accounts').set({ balance_minor: balances.get(id)! }).where('id', '=', id).execute();
  }
  for (const p of planned) {
    await trx.updateTable('transfers').set({ state: 'charged', charged_at: inputs[p.index]!.nowMs, receipt: p.receipt }).where('id', '=', p.transfer.id).execute();
  }
  const usesByPart = new Map<string, number>();
  for (const p of planned) usesByPart.set(p.transfer.part_id, (usesByPart.get(p.transfer.part_id) ?? 0) + 1);
  for (const [partId, uses] of usesByPart) {
    await trx.updateTable('parts').set((eb) => ({ use_count: eb('use_count', '+', uses) })).where('id', '=', partId).execute();
  }
  const titles = await trx.selectFrom('parts').select(['id', 'title_id']).where('id', 'in', [...usesByPart.keys()]).execute();
  const titleOf = new Map(titles.map((t) => [t.id, t.title_id]));
  await trx
    .insertInto('history')
    .values(planned.map((p) => ({ user_id: p.transfer.user_id, title_id: titleOf.get(p.transfer.part_id)!, part_id: p.transfer.part_id, kind: 'charge', results: null, at: inputs[p.index]!.nowMs })))
    .execute();
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
