/**
 * Prepaid cards [FW-4.5]: issued in batches (passwords stored only as scrypt hashes),
 * redeemed once. Redemption moves the card's value from the `cards` account to the user's in
 * the same transaction that marks the card used, so value and mark cannot part.
 */
import { randomUUID } from 'node:crypto';
import { FairwayError } from '../../sdk/errors.js';
import { hashPassword, verifyPassword, type ScryptParams } from '../auth/password.js';
import { balanceAfterTxn, CARDS_ACCOUNT, lockKnownUserAccount, postTransaction, userAccountId } from './accounts.js';
import { newCardId, newCardPassword, normalizeCardId, normalizeCardPassword } from './card-codes.js';
import { hasRowLocks, inTransaction, type LedgerContext, type Trx } from './context.js';
import type { IssueCardsInput, IssuedCard, RedeemInput, RedeemResult } from './types.js';
import { requireCount, requireMoney, requireString, requireText, requireUserId, requireWallMs } from './validate.js';

export const redeemRef = (cardId: string): string => `redeem:${cardId}`;

const MAX_CARDS_PER_BATCH = 10_000;
/** Parallel scrypt calls: libuv's default thread pool has 4 threads. */
const HASH_CONCURRENCY = 4;
const INSERT_CHUNK = 200;

export async function issueCards(ctx: LedgerContext, input: IssueCardsInput): Promise<IssuedCard[]> {
  const count = requireCount('count', input.count, 1, MAX_CARDS_PER_BATCH);
  const valueMinor = requireMoney('valueMinor', input.valueMinor);
  if (valueMinor === 0) throw new FairwayError('out-of-range', 'a card must be worth something', 'valueMinor');
  const batch = requireText('batch', input.batch, 64);
  const nowMs = requireWallMs('nowMs', input.nowMs);
  const actor = input.actor === undefined ? 'operator' : requireText('actor', input.actor, 64);

  // Hashing is slow by design, so it happens before the transaction, not while holding locks.
  const passwords = Array.from({ length: count }, newCardPassword);
  const hashes = await mapLimited(passwords, HASH_CONCURRENCY, (pw) => hashPassword(normalizeCardPassword(pw), ctx.passwordParams));

  return inTransaction(ctx, async (trx) => {
    const ids = await freshCardIds(trx, count);
    const rows = ids.map((id, i) => ({
      id,
      password_hash: hashes[i]!,
      value_minor: valueMinor,
      batch,
      issued_at: nowMs,
      redeemed_by: null,
      redeemed_at: null,
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('cards').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    await trx
      .insertInto('audit')
      .values({ at: nowMs, actor, action: 'issue-cards', subject: batch, detail: JSON.stringify({ count, valueMinor, first: ids[0], last: ids.at(-1) }) })
      .execute();
    return ids.map((id, i) => ({ id, password: passwords[i]! }));
  });
}

/** `count` ids, distinct from each other and from every card already issued. */
async function freshCardIds(trx: Trx, count: number): Promise<string[]> {
  const ids = new Set<string>();
  while (ids.size < count) {
    const candidates = new Set<string>();
    while (candidates.size < count - ids.size) {
      const id = newCardId();
      if (!ids.has(id)) candidates.add(id);
    }
    const taken = new Set<string>();
    for (const chunk of chunks([...candidates], INSERT_CHUNK)) {
      const rows = await trx.selectFrom('cards').select('id').where('id', 'in', chunk).execute();
      for (const row of rows) taken.add(row.id);
    }
    for (const id of candidates) if (!taken.has(id)) ids.add(id);
  }
  return [...ids];
}

export async function redeemCard(ctx: LedgerContext, input: RedeemInput): Promise<RedeemResult> {
  const typedId = requireString('cardId', input.cardId);
  const typedPassword = requireString('password', input.password);
  const userId = requireUserId('userId', input.userId);
  const nowMs = requireWallMs('nowMs', input.nowMs);
  const cardId = normalizeCardId(typedId);

  // The password is checked before the transaction: scrypt is slow, the stored hash never
  // changes, and no lock should wait on it. An unknown card costs one scrypt as well, so
  // "no such card" and "wrong password" take about as long and get the same answer.
  const stored = await ctx.db.selectFrom('cards').select('password_hash').where('id', '=', cardId).executeTakeFirst();
  const hash = stored?.password_hash ?? (await dummyHash(ctx.passwordParams));
  const matches = await verifyPassword(normalizeCardPassword(typedPassword), hash);
  if (!stored || !matches) {
    await assertUserExists(ctx, userId);
    return { ok: false, code: 'card-refused' };
  }

  return inTransaction(ctx, async (trx): Promise<RedeemResult> => {
    await lockKnownUserAccount(ctx, trx, userId);
    const card = await trx
      .selectFrom('cards')
      .select(['value_minor', 'redeemed_by'])
      .where('id', '=', cardId)
      .$if(hasRowLocks(ctx), (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
    if (card.redeemed_by === userId) return repeatedRedemption(trx, cardId, userId, card.value_minor);
    if (card.redeemed_by !== null) return { ok: false, code: 'card-used' };

    // The WHERE makes the mark itself a compare-and-set; with the row lock above it cannot
    // miss, but if it ever did, nothing would be credited.
    const marked = await trx
      .updateTable('cards')
      .set({ redeemed_by: userId, redeemed_at: nowMs })
      .where('id', '=', cardId)
      .where('redeemed_by', 'is', null)
      .executeTakeFirst();
    if (marked.numUpdatedRows !== 1n) return { ok: false, code: 'card-used' };

    const account = userAccountId(userId);
    const { balanceAfter } = await postTransaction(trx, {
      kind: 'redeem',
      ref: redeemRef(cardId),
      nowMs,
      memo: `card ${cardId}`,
      actor: `user:${userId}`,
      postings: [
        { accountId: CARDS_ACCOUNT, amountMinor: -card.value_minor },
        { accountId: account, amountMinor: card.value_minor },
      ],
    });
    return { ok: true, cardId, valueMinor: card.value_minor, balanceMinor: balanceAfter.get(account)!, repeated: false };
  });
}

/** [FW-4.5.1] The same user again gets the original answer, balance included. */
async function repeatedRedemption(trx: Trx, cardId: string, userId: string, valueMinor: number): Promise<RedeemResult> {
  const posted = await balanceAfterTxn(trx, redeemRef(cardId), userAccountId(userId));
  if (!posted) throw new Error(`ledger bug: card ${cardId} is marked redeemed but has no redeem posting`);
  return { ok: true, cardId, valueMinor, balanceMinor: posted.balanceMinor, repeated: true };
}

/** Bad arguments are reported the same way whether or not the card exists. */
async function assertUserExists(ctx: LedgerContext, userId: string): Promise<void> {
  const user = await ctx.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!user) throw new FairwayError('invalid-argument', `no user ${userId}`, 'userId');
}

const dummyHashes = new Map<string, Promise<string>>();

/** A real hash of nothing anyone knows, with the same cost as real card hashes. */
function dummyHash(params: ScryptParams): Promise<string> {
  const key = `${params.N}/${params.r}/${params.p}`;
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = hashPassword(`no card ${randomUUID()}`, params);
    dummyHashes.set(key, hash);
  }
  return hash;
}

async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
