/**
 * Accounts and double-entry posting. Money only ever moves through `postTransaction`, which
 * writes one ledger transaction, its postings (summing to zero) and the cached balances
 * together, and records each account's balance after the posting.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { AccountKind, TxnKind } from '../db/schema.js';
import { hasRowLocks, type LedgerContext, type Trx } from './context.js';

export const CARDS_ACCOUNT = 'cards';
export const ADJUSTMENTS_ACCOUNT = 'adjustments';

export const userAccountId = (userId: string): string => `user:${userId}`;
export const providerAccountId = (provider: string): string => `provider:${provider}`;
export const sponsorAccountId = (sponsor: string): string => `sponsor:${sponsor}`;

/** Creates the account if missing (a no-op, and no error, when it exists). */
export async function ensureAccount(trx: Trx, id: string, kind: AccountKind, owner: string): Promise<void> {
  await trx
    .insertInto('accounts')
    .values({ id, kind, owner, balance_minor: 0 })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * Locks the user's account for the rest of the transaction and returns its balance, creating
 * the account on first use. `undefined` when no such user exists. On PostgreSQL this row
 * lock is what serializes everything that reads or moves one user's money.
 */
export async function lockUserAccount(ctx: LedgerContext, trx: Trx, userId: string): Promise<{ balanceMinor: number } | undefined> {
  const id = userAccountId(userId);
  const select = () =>
    trx
      .selectFrom('accounts')
      .select('balance_minor')
      .where('id', '=', id)
      .$if(hasRowLocks(ctx), (q) => q.forUpdate())
      .executeTakeFirst();
  let row = await select();
  if (!row) {
    const user = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) return undefined;
    await ensureAccount(trx, id, 'user', userId);
    row = await select();
  }
  return row && { balanceMinor: row.balance_minor };
}

/** As `lockUserAccount`, but an unknown user is the caller's mistake. */
export async function lockKnownUserAccount(ctx: LedgerContext, trx: Trx, userId: string): Promise<{ balanceMinor: number }> {
  const account = await lockUserAccount(ctx, trx, userId);
  if (!account) throw new FairwayError('invalid-argument', `no user ${userId}`, 'userId');
  return account;
}

export interface Posting {
  accountId: string;
  amountMinor: number;
}

export interface NewLedgerTxn {
  kind: TxnKind;
  ref: string;
  transferId?: string;
  nowMs: number;
  memo: string;
  actor: string;
  postings: Posting[];
}

/**
 * Writes the transaction and applies its postings. Accounts are updated in id order, so two
 * transactions touching the same accounts lock them in the same order (no deadlock). A
 * user account that would go below zero trips the database CHECK and aborts everything.
 */
export async function postTransaction(trx: Trx, txn: NewLedgerTxn): Promise<{ txnId: number; balanceAfter: Map<string, number> }> {
  const sum = txn.postings.reduce((total, p) => total + p.amountMinor, 0);
  if (sum !== 0) throw new Error(`ledger bug: transaction ${txn.ref} does not balance (sum ${sum})`);
  const { id: txnId } = await trx
    .insertInto('ledger_txns')
    .values({
      kind: txn.kind,
      ref: txn.ref,
      transfer_id: txn.transferId ?? null,
      created_at: txn.nowMs,
      memo: txn.memo,
      actor: txn.actor,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const balanceAfter = new Map<string, number>();
  const ordered = [...txn.postings].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  for (const posting of ordered) {
    const updated = await trx
      .updateTable('accounts')
      .set((eb) => ({ balance_minor: eb('balance_minor', '+', posting.amountMinor) }))
      .where('id', '=', posting.accountId)
      .returning('balance_minor')
      .executeTakeFirst();
    if (!updated) throw new Error(`ledger bug: no account ${posting.accountId} for ${txn.ref}`);
    balanceAfter.set(posting.accountId, updated.balance_minor);
    await trx
      .insertInto('postings')
      .values({ txn_id: txnId, account_id: posting.accountId, amount_minor: posting.amountMinor, balance_after_minor: updated.balance_minor })
      .execute();
  }
  return { txnId, balanceAfter };
}

/** The balance an account had right after the transaction `ref` (for idempotent repeats). */
export async function balanceAfterTxn(trx: Trx, ref: string, accountId: string): Promise<{ txnId: number; balanceMinor: number; amountMinor: number } | undefined> {
  const row = await trx
    .selectFrom('postings')
    .innerJoin('ledger_txns', 'ledger_txns.id', 'postings.txn_id')
    .select(['ledger_txns.id as txnId', 'postings.balance_after_minor as balanceMinor', 'postings.amount_minor as amountMinor'])
    .where('ledger_txns.ref', '=', ref)
    .where('postings.account_id', '=', accountId)
    .executeTakeFirst();
  return row;
}
