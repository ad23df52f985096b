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
  /** Seats of hosted sessions charged [FW-13]: all approved seats of upfront licences, one per reception otherwise. */
  seats: number;
  /** What those seats cost their hosts' users. */
  seatsMinor: number;
  /** What the provider was credited: user, sponsor and seat shares together. */
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
  const seats = await seatSales(ctx, SEAT_KEYS[key], sinceMs, untilMs);
  const lines = new Map<string, SalesLine>();
  for (const r of rows) lines.set(r.key, { key: r.key, sales: r.sales, userPaidMinor: r.userPaidMinor, sponsorPaidMinor: r.sponsorPaidMinor, seats: 0, seatsMinor: 0, grossMinor: 0 });
  for (const [k, sold] of seats) {
    const line = lines.get(k) ?? { key: k, sales: 0, userPaidMinor: 0, sponsorPaidMinor: 0, seats: 0, seatsMinor: 0, grossMinor: 0 };
    line.seats += sold.seats;
    line.seatsMinor += sold.minor;
    lines.set(k, line);
  }
  return [...lines.values()]
    .map((line) => ({ ...line, grossMinor: line.userPaidMinor + line.sponsorPaidMinor + line.seatsMinor }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const SEAT_KEYS = { 'parts.title_id': 'licences.title_id', 'transfers.part_id': 'licences.part_id', 'transfers.provider': 'licences.provider' } as const;
type SeatKey = (typeof SEAT_KEYS)[SalesKey];

/**
 * Seats charged in the window, by key: an upfront licence's seats all at its charge, a
 * per-reception licence's one by one as each peer's seat was charged.
 */
async function seatSales(ctx: LedgerContext, key: SeatKey, sinceMs: number | undefined, untilMs: number | undefined): Promise<Map<string, { seats: number; minor: number }>> {
  const upfront = await ctx.db
    .selectFrom('licences')
    .select([sql.ref<string>(key).as('key'), sql<number>`cast(sum(licences.seats) as bigint)`.as('seats'), sql<number>`cast(sum(licences.seats * licences.seat_price_minor) as bigint)`.as('minor')])
    .where('licences.billing', '=', 'upfront')
    .where('licences.charged_at', 'is not', null)
    .$if(sinceMs !== undefined, (q) => q.where('licences.charged_at', '>=', sinceMs!))
    .$if(untilMs !== undefined, (q) => q.where('licences.charged_at', '<', untilMs!))
    .groupBy(key)
    .execute();
  const perReception = await ctx.db
    .selectFrom('seat_charges')
    .innerJoin('licences', 'licences.id', 'seat_charges.licence_id')
    .select([sql.ref<string>(key).as('key'), sql<number>`count(*)`.as('seats'), sql<number>`cast(sum(licences.seat_price_minor) as bigint)`.as('minor')])
    .$if(sinceMs !== undefined, (q) => q.where('seat_charges.charged_at', '>=', sinceMs!))
    .$if(untilMs !== undefined, (q) => q.where('seat_charges.charged_at', '<', untilMs!))
    .groupBy(key)
    .execute();
  const out = new Map<string, { seats: number; minor: number }>();
  for (const r of [...upfront, ...perReception]) {
    const sum = out.get(r.key) ?? { seats: 0, minor: 0 };
    sum.seats += Number(r.seats);
    sum.minor += Number(r.minor);
    out.set(r.key, sum);
  }
  return out;
}

export const salesByTitle = (ctx: LedgerContext, window: SalesWindow = {}) => sales(ctx, 'parts.title_id', window);
export const salesByPart = (ctx: LedgerContext, window: SalesWindow = {}) => sales(ctx, 'transfers.part_id', window);
export const salesByProvider = (ctx: LedgerContext, window: SalesWindow = {}) => sales(ctx, 'transfers.provider', window);
