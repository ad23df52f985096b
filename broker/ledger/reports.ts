/**
 * Read-only views for the operator CLI and reports: postings (per user, per title, all) and
 * sales (per title, part, provider). Pages through postings by id, so a long ledger can be
 * read in pieces without offsets shifting under concurrent writes.
 */
import { sql } from 'kysely';
import type { TxnKind } from '../db/schema.js';
import type { LedgerContext } from './context.js';
import { userAccountId } from './accounts.js';
import { requireCount, requireId, requireUserId, requireWallMs } from './validate.js';

export interface PostingLine {
  postingId: number;
  txnId: number;
  kind: TxnKind;
  ref: string;
  transferId: string | null;
  at: number;
  memo: string;
  actor: string;
  accountId: string;
  amountMinor: number;
  balanceAfterMinor: number;
}

export interface PostingPage {
  /** Only postings with a larger id (the last `postingId` of the previous page). */
  afterId?: number;
  /** Default 1,000; at most 10,000. */
  limit?: number;
}

export interface SalesLine {
  /** The title id, part id or provider name. */
  key: string;
  /** Charged transfers. */
  sales: number;
  userPaidMinor: number;
  sponsorPaidMinor: number;
  /** What the provider was credited: user and sponsor shares together. */
  grossMinor: number;
}

export interface SalesWindow {
  /** Charges at or after this time. */
  sinceMs?: number;
  /** Charges before this time. */
  untilMs?: number;
}

function postings(ctx: LedgerContext, page: PostingPage) {
  const limit = page.limit === undefined ? 1_000 : requireCount('limit', page.limit, 1, 10_000);
  const afterId = page.afterId === undefined ? undefined : requireCount('afterId', page.afterId, 0, Number.MAX_SAFE_INTEGER);
  return ctx.db
    .selectFrom('postings')
    .innerJoin('ledger_txns', 'ledger_txns.id', 'postings.txn_id')
    .select([
      'postings.id as postingId',
      'ledger_txns.id as txnId',
      'ledger_txns.kind as kind',
      'ledger_txns.ref as ref',
      'ledger_txns.transfer_id as transferId',
      'ledger_txns.created_at as at',
      'ledger_txns.memo as memo',
      'ledger_txns.actor as actor',
      'postings.account_id as accountId',
      'postings.amount_minor as amountMinor',
      'postings.balance_after_minor as balanceAfterMinor',
    ])
    .$if(afterId !== undefined, (q) => q.where('postings.id', '>', afterId!))
    .orderBy('postings.id')
    .limit(limit);
}

export async function allPostings(ctx: LedgerContext, page: PostingPage = {}): Promise<PostingLine[]> {
  return postings(ctx, page).execute();
}

/** The user's side of every movement of their money (charges, redemptions, adjustments). */
export async function postingsOfUser(ctx: LedgerContext, userId: string, page: PostingPage = {}): Promise<PostingLine[]> {
  requireUserId('userId', userId);
  return postings(ctx, page).where('postings.account_id', '=', userAccountId(userId)).execute();
}

/** Every posting of the charges for parts of this title (user, provider and sponsor sides). */
export async function postingsOfTitle(ctx: LedgerContext, titleId: string, page: PostingPage = {}): Promise<PostingLine[]> {
  requireId('titleId', titleId);
  return postings(ctx, page)
    .innerJoin('transfers', 'transfers.id', 'ledger_txns.transfer_id')
    .innerJoin('parts', 'parts.id', 'transfers.part_id')
    .where('parts.title_id', '=', titleId)
    .execute();
}

type SalesKey = 'parts.title_id' | 'transfers.part_id' | 'transfers.provider';

async function sales(ctx: LedgerContext, key: SalesKey, window: SalesWindow): Promise<SalesLine[]> {
  const sinceMs = window.sinceMs === undefined ? undefined : requireWallMs('sinceMs', window.sinceMs);
  const untilMs = window.untilMs === undefined ? undefined : requireWallMs('untilMs', window.untilMs);
  const rows = await ctx.db
    .selectFrom('transfers')
    .innerJoin('parts', 'parts.id', 'transfers.part_id')
    .select([
      sql.ref<string>(key).as('key'),
      sql<number>`count(*)`.as('sales'),
      sql<number>`cast(sum(transfers.price_minor) as bigint)`.as('userPaidMinor'),
      sql<number>`cast(sum(transfers.sponsor_pays_minor) as bigint)`.as('sponsorPaidMinor'),
    ])
    .where('transfers.state', '=', 'charged')
    .$if(sinceMs !== undefined, (q) => q.where('transfers.charged_at', '>=', sinceMs!))
    .$if(untilMs !== undefined, (q) => q.where('transfers.charged_at', '<', untilMs!))
    .groupBy(key)
    .orderBy(key)
    .execute();
  return rows.map((r) => ({ ...r, grossMinor: r.userPaidMinor + r.sponsorPaidMinor }));
}

export const salesByTitle = (ctx: LedgerContext, window: SalesWindow = {}) => sales(ctx, 'parts.title_id', window);
export const salesByPart = (ctx: LedgerContext, window: SalesWindow = {}) => sales(ctx, 'transfers.part_id', window);
export const salesByProvider = (ctx: LedgerContext, window: SalesWindow = {}) => sales(ctx, 'transfers.provider', window);
