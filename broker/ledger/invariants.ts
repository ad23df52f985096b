/**
 * The ledger's invariants, checked against the database itself (DESIGN.md "Invariants"):
 * money is conserved, cached balances equal their postings, every transaction balances, no
 * user is below zero, every charged transfer has exactly one charge and every charge a
 * charged transfer of the right amount, every redeemed card exactly one redemption, every
 * licence's charged seats exactly its seat charges of the seat price (or its one upfront charge).
 * Each check is one statement, so each sees one consistent snapshot even while the store
 * runs. Tests call this after every step; an operator can run it any time.
 */
import { sql, type RawBuilder } from 'kysely';
import type { LedgerContext } from './context.js';
import { requireWallMs } from './validate.js';

export interface InvariantViolation {
  rule: string;
  detail: string;
}

interface Check {
  rule: string;
  query: RawBuilder<Record<string, unknown>>;
}

const CHECKS: Check[] = [
  {
    rule: 'money-conserved',
    query: sql`select total from (select cast(coalesce(sum(balance_minor), 0) as bigint) as total from accounts) s where total <> 0`,
  },
  {
    rule: 'balance-equals-postings',
    query: sql`
      select a.id as account, a.balance_minor as balance, cast(coalesce(p.total, 0) as bigint) as posted
      from accounts a
      left join (select account_id, sum(amount_minor) as total from postings group by account_id) p on p.account_id = a.id
      where a.balance_minor <> coalesce(p.total, 0)`,
  },
  {
    rule: 'txn-balances',
    query: sql`
      select l.ref, cast(sum(p.amount_minor) as bigint) as total
      from postings p join ledger_txns l on l.id = p.txn_id
      group by l.id, l.ref having sum(p.amount_minor) <> 0`,
  },
  {
    rule: 'user-not-negative',
    query: sql`select id as account, balance_minor as balance from accounts where kind = 'user' and balance_minor < 0`,
  },
  {
    rule: 'charged-exactly-once',
    query: sql`
      select t.id as transfer, t.state,
        (select count(*) from ledger_txns l where l.kind = 'charge' and l.transfer_id = t.id) as charges
      from transfers t
      where (t.state = 'charged') <> ((select count(*) from ledger_txns l where l.kind = 'charge' and l.transfer_id = t.id) = 1)
        or (select count(*) from ledger_txns l where l.kind = 'charge' and l.transfer_id = t.id) > 1`,
  },
  {
    rule: 'charge-has-charged-transfer',
    query: sql`
      select l.ref from ledger_txns l left join transfers t on t.id = l.transfer_id
      where l.kind = 'charge' and (t.id is null or t.state <> 'charged' or l.ref <> 'charge:' || t.id)`,
  },
  {
    rule: 'charge-amounts-match-offer',
    query: sql`
      select l.ref, t.price_minor as price, t.sponsor_pays_minor as sponsor_pays
      from ledger_txns l join transfers t on t.id = l.transfer_id
      where l.kind = 'charge' and (
        coalesce((select sum(p.amount_minor) from postings p where p.txn_id = l.id and p.account_id = 'user:' || t.user_id), 0) <> -t.price_minor
        or coalesce((select sum(p.amount_minor) from postings p where p.txn_id = l.id and p.account_id = 'provider:' || t.provider), 0)
           <> t.price_minor + t.sponsor_pays_minor)`,
  },
  {
    rule: 'card-redeemed-exactly-once',
    query: sql`
      select c.id as card, c.redeemed_by, (select count(*) from ledger_txns l where l.ref = 'redeem:' || c.id) as redemptions
      from cards c
      where (c.redeemed_by is not null) <> ((select count(*) from ledger_txns l where l.ref = 'redeem:' || c.id) = 1)
         or (c.redeemed_by is not null and coalesce((select sum(p.amount_minor) from postings p join ledger_txns l on l.id = p.txn_id
               where l.ref = 'redeem:' || c.id and p.account_id = 'user:' || c.redeemed_by), 0) <> c.value_minor)`,
  },
  // Seat licences [FW-13]: a licence's charged seats are exactly its seat charges (per
  // reception) or its one upfront charge, each of the right amount, and nothing else posts.
  {
    rule: 'seats-charged-exactly-once',
    query: sql`
      select li.id as licence, li.billing, li.charged_seats,
        (select count(*) from seat_charges s where s.licence_id = li.id) as seat_rows,
        (select count(*) from ledger_txns l where l.ref = 'licence:' || li.id) as upfront_charges
      from licences li
      where (li.billing = 'per-reception' and (li.charged_seats <> (select count(*) from seat_charges s where s.licence_id = li.id)
               or exists (select 1 from ledger_txns l where l.ref = 'licence:' || li.id)))
         or (li.billing = 'upfront' and ((li.charged_seats > 0) <> exists (select 1 from ledger_txns l where l.ref = 'licence:' || li.id)
               or exists (select 1 from seat_charges s where s.licence_id = li.id)))`,
  },
  {
    rule: 'seat-charge-amounts',
    query: sql`
      select l.ref, li.id as licence
      from ledger_txns l
      left join seat_charges s on s.txn_id = l.id
      left join licences li on li.id = coalesce(s.licence_id, case when l.ref like 'licence:%' then substr(l.ref, 9) end)
      where l.kind = 'seat' and (
        li.id is null
        or (s.txn_id is not null and l.ref <> 'seat:' || s.licence_id || ':' || s.peer_device_id)
        or coalesce((select sum(p.amount_minor) from postings p where p.txn_id = l.id and p.account_id = 'user:' || li.user_id), 0)
           <> -(case when s.txn_id is null then li.seats else 1 end) * li.seat_price_minor
        or coalesce((select sum(p.amount_minor) from postings p where p.txn_id = l.id and p.account_id = 'provider:' || li.provider), 0)
           <> (case when s.txn_id is null then li.seats else 1 end) * li.seat_price_minor)`,
  },
  {
    rule: 'redemption-has-card',
    query: sql`
      select l.ref from ledger_txns l
      where l.kind = 'redeem' and not exists (select 1 from cards c where l.ref = 'redeem:' || c.id and c.redeemed_by is not null)`,
  },
];

/**
 * Holds promise credit: at `nowMs` no user's unlapsed open holds — offers' and seat
 * licences' together — may exceed their balance.
 */
function holdsCovered(nowMs: number): Check {
  return {
    rule: 'holds-covered',
    query: sql`
      select a.id as account, a.balance_minor as balance, cast(h.held as bigint) as held
      from accounts a
      join (
        select user_id, sum(held) as held from (
          select user_id, price_minor as held from transfers where state = 'open' and hold_until >= ${nowMs}
          union all
          select user_id, held_minor as held from licences where state = 'open' and settle_at >= ${nowMs}
        ) open_holds group by user_id
      ) h on a.id = 'user:' || h.user_id
      where a.balance_minor < h.held`,
  };
}

/** Empty when all is well. With `nowMs`, also checks that open holds are covered at that time. */
export async function checkInvariants(ctx: LedgerContext, nowMs?: number): Promise<InvariantViolation[]> {
  const checks = nowMs === undefined ? CHECKS : [...CHECKS, holdsCovered(requireWallMs('nowMs', nowMs))];
  // Independent read-only statements: on PostgreSQL they run side by side on the pool.
  const results = await Promise.all(checks.map(async (check) => ({ check, rows: (await check.query.execute(ctx.db)).rows })));
  return results.flatMap(({ check, rows }) => rows.map((row) => ({ rule: check.rule, detail: JSON.stringify(row) })));
}
