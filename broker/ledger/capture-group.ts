/**
 * Capturing a group of holds in one transaction with a fixed number of statements, however
 * many captures the group has [issue 3 §14, issue 11]. This file decides; the reading
 * (capture-read.ts) and the writing are per engine: on PostgreSQL one statement reads and
 * locks, one more reads the charges of repeats when the group has any, and one writes all the
 * rows (arrays, one round trip: capture-write-postgres.ts); on SQLite, where a statement
 * costs CPU and no round trip, a few multi-row inserts and one update per row
 * (capture-write-sqlite.ts).
 *
 * Exactly once is kept the same way as for a single capture (capture.ts): the users' account
 * rows are locked first (sorted, so groups cannot deadlock), then the transfers (sorted),
 * and transfer states are read under those locks; a transfer charged earlier in the same
 * group answers as a repeat; `charge:<transfer>` is UNIQUE in the database. The read of the
 * transfers also brings what each answer needs (the part's hash and title, and for a transfer
 * charged before, the balance its charge left), so no receipt costs a statement of its own.
 * Balances are carried forward in the group's order, so every posting records the balance
 * right after it. The provider and sponsor rows, which every charge of theirs touches, are
 * written last (see the writers), so they stay locked only briefly. */
import { equalBytes } from '../../sdk/manifest/index.js';
import { providerAccountId, sponsorAccountId, userAccountId, type Posting } from './accounts.js';
import { readGroup } from './capture-read.js';
import type { LedgerContext, Trx } from './context.js';
import { writeChargesPostgres } from './capture-write-postgres.js';
import { writeChargesSqlite } from './capture-write-sqlite.js';
import type { CaptureInput, CaptureResult } from './types.js';

export const chargeRef = (transferId: string): string => `charge:${transferId}`;

/** A transfer as the group reads it: the row's fields a charge needs, and what the answers need. */
export interface GroupTransfer {
  id: string;
  device_id: string;
  user_id: string;
  part_id: string;
  price_minor: number;
  provider: string;
  sponsor: string | null;
  sponsor_pays_minor: number;
  state: 'open' | 'charged' | 'released';
  hold_until: number;
  charged_at: number | null;
  title_id: string;
  part_hash: Uint8Array;
  /** For a charged transfer: the user's balance right after its charge (the repeat's answer). */
  charged_balance_minor: number | null;
}

/** One posting of a planned charge. User postings carry their balance; the hot accounts' are known only once their rows are locked. */
export interface PlannedPosting extends Posting {
  /** The user's balance right after this posting (user accounts only). */
  balanceAfterMinor?: number;
  /** Hot accounts only: this posting's amount and every earlier one of the group on the same account, summed. */
  runningMinor?: number;
}

export interface PlannedCharge {
  index: number;
  transfer: GroupTransfer;
  receipt: Uint8Array;
  nowMs: number;
  /** In account id order, as every ledger transaction writes them [accounts.ts]. */
  postings: PlannedPosting[];
}

/** Everything a group writes, decided; the writers only carry it to the database. */
export interface GroupWrite {
  charges: PlannedCharge[];
  /** Lapsed holds to close now, and when. */
  toRelease: string[];
  releasedAt: number;
  /** Each user account's balance after the group. */
  userBalances: Map<string, number>;
  /** Provider and sponsor accounts (sorted) and the sum the group moves on each. */
  hotAccounts: { id: string; deltaMinor: number }[];
  /** Parts (sorted) and how many charges each gets. */
  partUses: { id: string; uses: number }[];
}

/**
 * Called (when given) as soon as the statement that locked the hot rows has returned, with how
 * long it had held them by then (the server's clock): for the lock-time figure.
 */
export type HotLockMark = (heldSoFarMs: number) => void;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isUserAccount = (id: string) => id.startsWith('user:');

function chargePostings(transfer: GroupTransfer): Posting[] {
  // The user's posting is written even for a free part: it carries the balance a repeat returns.
  const postings: Posting[] = [
    { accountId: userAccountId(transfer.user_id), amountMinor: -transfer.price_minor },
    { accountId: providerAccountId(transfer.provider), amountMinor: transfer.price_minor + transfer.sponsor_pays_minor },
  ];
  if (transfer.sponsor !== null) postings.push({ accountId: sponsorAccountId(transfer.sponsor), amountMinor: -transfer.sponsor_pays_minor });
  return postings.sort((a, b) => byText(a.accountId, b.accountId));
}

/** All inputs are already validated. */
export async function captureGroup(ctx: LedgerContext, trx: Trx, inputs: readonly CaptureInput[], mark?: HotLockMark): Promise<CaptureResult[]> {
  // The users' rows, then the transfers, sorted and locked (capture-read.ts): everything that
  // moves one user's money queues behind the first.
  const { balances, transfers } = await readGroup(
    ctx,
    trx,
    [...new Set(inputs.map((i) => userAccountId(i.userId)))].sort(byText),
    [...new Set(inputs.map((i) => i.transferId))].sort(byText),
  );

  const results: CaptureResult[] = new Array(inputs.length);
  const charges: PlannedCharge[] = [];
  const plannedById = new Map<string, PlannedCharge>();
  const toRelease: string[] = [];
  for (const [index, input] of inputs.entries()) {
    const transfer = transfers.get(input.transferId);
    // Another device's or user's transfer is indistinguishable from none [FW-8.3 #5].
    if (!transfer || !balances.has(userAccountId(input.userId)) || transfer.device_id !== input.deviceId || transfer.user_id !== input.userId) {
      results[index] = { ok: false, code: 'unknown-transfer' };
    } else if (plannedById.has(transfer.id)) {
      continue; // answered below, as a repeat of the charge earlier in this group
    } else if (transfer.state === 'charged') {
      results[index] = repeatedCharge(transfer);
    } else if (input.offered && !matchesOffer(transfer, input.offered)) {
      results[index] = { ok: false, code: 'receipt-mismatch' }; // [FW-8.3 #7]
    } else if (transfer.state === 'released') {
      results[index] = { ok: false, code: 'hold-expired', partId: transfer.part_id };
    } else if (input.nowMs > transfer.hold_until) {
      // Lapsed but not yet swept: close it now, so the answer can never change later.
      toRelease.push(transfer.id);
      transfers.set(transfer.id, { ...transfer, state: 'released' });
      results[index] = { ok: false, code: 'hold-expired', partId: transfer.part_id };
    } else {
      const plan: PlannedCharge = { index, transfer, receipt: input.receipt, nowMs: input.nowMs, postings: [] };
      charges.push(plan);
      plannedById.set(transfer.id, plan);
    }
  }

  if (charges.length > 0 || toRelease.length > 0) {
    const write = planWrite(charges, toRelease, Math.max(...inputs.map((i) => i.nowMs)), balances);
    await (ctx.dialect === 'postgres' ? writeChargesPostgres(trx, write, mark) : writeChargesSqlite(trx, write));
  }
  for (const plan of charges) {
    const user = plan.postings.find((x) => x.accountId === userAccountId(plan.transfer.user_id))!;
    results[plan.index] = {
      ok: true,
      transferId: plan.transfer.id,
      partId: plan.transfer.part_id,
      priceMinor: plan.transfer.price_minor,
      balanceMinor: user.balanceAfterMinor!,
      chargedAt: plan.nowMs,
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

function matchesOffer(transfer: GroupTransfer, offered: NonNullable<CaptureInput['offered']>): boolean {
  return offered.partId === transfer.part_id && offered.priceMinor === transfer.price_minor && equalBytes(offered.partHash, transfer.part_hash);
}

function repeatedCharge(transfer: GroupTransfer): CaptureResult {
  if (transfer.charged_balance_minor === null || transfer.charged_at === null) throw new Error(`ledger bug: transfer ${transfer.id} is charged but has no charge posting`);
  return {
    ok: true,
    transferId: transfer.id,
    partId: transfer.part_id,
    priceMinor: transfer.price_minor,
    balanceMinor: transfer.charged_balance_minor,
    chargedAt: transfer.charged_at,
    repeated: true,
  };
}

/**
 * The group's postings in its order: each user posting with the user's balance right after
 * it (users' balances were read under their locks), each provider or sponsor posting with
 * its running sum, which the writer turns into a balance once that row is locked.
 */
function planWrite(charges: PlannedCharge[], toRelease: string[], releasedAt: number, balances: Map<string, number>): GroupWrite {
  const userBalances = new Map<string, number>();
  const hot = new Map<string, number>();
  const uses = new Map<string, number>();
  for (const plan of charges) {
    for (const posting of chargePostings(plan.transfer)) {
      if (isUserAccount(posting.accountId)) {
        const before = userBalances.get(posting.accountId) ?? balances.get(posting.accountId);
        if (before === undefined) throw new Error(`ledger bug: no account ${posting.accountId} for ${chargeRef(plan.transfer.id)}`);
        const after = before + posting.amountMinor;
        if (after < 0) throw new Error(`ledger bug: charge ${plan.transfer.id} would take ${posting.accountId} below zero`);
        userBalances.set(posting.accountId, after);
        plan.postings.push({ ...posting, balanceAfterMinor: after });
      } else {
        const running = (hot.get(posting.accountId) ?? 0) + posting.amountMinor;
        hot.set(posting.accountId, running);
        plan.postings.push({ ...posting, runningMinor: running });
      }
    }
    uses.set(plan.transfer.part_id, (uses.get(plan.transfer.part_id) ?? 0) + 1);
  }
  return {
    charges,
    toRelease,
    releasedAt,
    userBalances,
    hotAccounts: [...hot].map(([id, deltaMinor]) => ({ id, deltaMinor })).sort((a, b) => byText(a.id, b.id)),
    partUses: [...uses].map(([id, n]) => ({ id, uses: n })).sort((a, b) => byText(a.id, b.id)),
  };
}
