/**
 * Writing a decided capture group on PostgreSQL (capture-group.ts decides) in ONE statement,
 * whatever the group's size: round trips, not rows, are what a group costs here, since each
 * one waits its turn behind the store's other work. Rows travel as arrays (`unnest`); the
 * writes are data-modifying CTEs of one statement.
 *
 * The order is the point, and the statement forces it: a CTE that reads another's output
 * runs only once that one has finished. The users' rows and the transfers are already locked
 * (sorted) when this runs. First everything private to the group's users is written —
 * transfers, ledger transactions, user balances, history, the parts' use counts (parts locked
 * sorted) — and only then (`hot` reads their counts) are the provider and sponsor rows, the
 * hot rows every charge of theirs touches, locked (sorted), moved, and the group's postings
 * written; only the commit follows. So a hot row is held for the end of one statement and the
 * commit, not for the whole group, and every transaction takes rows in the same order:
 * user → transfer → part → provider/sponsor (seat charges: user → licence → provider), which
 * leaves no deadlock.
 *
 * Postings are written in the group's order (transaction by transaction, accounts by id
 * within one), as the SQLite path writes them; a hot account's balance after each posting is
 * its new balance minus what later postings of the group moved.
 */
import { sql } from 'kysely';
import type { GroupWrite, HotLockMark } from './capture-group.js';
import type { Trx } from './context.js';

export async function writeChargesPostgres(trx: Trx, write: GroupWrite, mark?: HotLockMark): Promise<void> {
  const { charges } = write;
  const ids = charges.map((c) => c.transfer.id);
  const ats = charges.map((c) => c.nowMs);
  const postings = charges.flatMap((c) => c.postings.map((p) => ({ transferId: c.transfer.id, ...p })));
  // `charged` updates only transfers still open (they are, under our lock); the ledger
  // transactions are made from its output, so no charge can exist without its transfer. A
  // posting without a balance (an account missing) trips NOT NULL and aborts the group.
  const { rows } = await sql<{ txns: number; postings: number; hot_held_ms: number | null }>`
    with released as (
      update transfers set state = 'released', released_at = ${write.releasedAt}, release_reason = 'expired'
      where id = any(${write.toRelease}::text[]) and state = 'open'
      returning 1
    ), charged as (
      update transfers t set state = 'charged', charged_at = c.at, receipt = c.receipt
      from unnest(${ids}::text[], ${ats}::int8[], ${charges.map((c) => c.receipt)}::bytea[]) with ordinality as c(id, at, receipt, n)
      where t.id = c.id and t.state = 'open'
      returning t.id, t.part_id, t.device_id, c.at, c.n
    ), user_rows as (
      update accounts a set balance_minor = u.balance
      from unnest(${[...write.userBalances.keys()]}::text[], ${[...write.userBalances.values()]}::int8[]) as u(id, balance)
      where a.id = u.id
      returning 1
    ), part_rows as (
      select id from parts where id = any(${write.partUses.map((p) => p.id)}::text[]) order by id for no key update
    ), part_uses as (
      update parts p set use_count = p.use_count + u.uses
      from part_rows r join unnest(${write.partUses.map((p) => p.id)}::text[], ${write.partUses.map((p) => p.uses)}::int8[]) as u(id, uses) on u.id = r.id
      where p.id = r.id
      returning 1
    ), history_rows as (
      insert into history (user_id, title_id, part_id, kind, results, at)
      select h.user_id, h.title_id, h.part_id, 'charge', null, h.at
      from unnest(
        ${charges.map((c) => c.transfer.user_id)}::text[], ${charges.map((c) => c.transfer.title_id)}::text[],
        ${charges.map((c) => c.transfer.part_id)}::text[], ${ats}::int8[]
      ) with ordinality as h(user_id, title_id, part_id, at, n)
      order by h.n
      returning 1
    ), txns as (
      insert into ledger_txns (kind, ref, transfer_id, created_at, memo, actor)
      select 'charge', 'charge:' || c.id, c.id, c.at, 'part ' || c.part_id, 'device:' || c.device_id
      from charged c order by c.n
      returning id, transfer_id
    ), written as (
      select (select count(*) from released) + (select count(*) from user_rows) + (select count(*) from part_uses)
           + (select count(*) from history_rows) + (select count(*) from txns) as n
    ), hot as (
      select id from accounts
      where id = any(${write.hotAccounts.map((a) => a.id)}::text[]) and (select n from written) >= 0
      order by id for no key update
    ), moved as (
      update accounts a set balance_minor = a.balance_minor + d.delta
      from hot h join unnest(${write.hotAccounts.map((a) => a.id)}::text[], ${write.hotAccounts.map((a) => a.deltaMinor)}::int8[]) as d(id, delta) on d.id = h.id
      where a.id = h.id
      returning a.id, a.balance_minor, d.delta, clock_timestamp() as at
    ), posted as (
      insert into postings (txn_id, account_id, amount_minor, balance_after_minor)
      select x.id, p.account_id, p.amount, coalesce(p.balance_after, m.balance_minor - m.delta + p.running)
      from unnest(
        ${postings.map((p) => p.transferId)}::text[], ${postings.map((p) => p.accountId)}::text[], ${postings.map((p) => p.amountMinor)}::int8[],
        ${postings.map((p) => p.balanceAfterMinor ?? null)}::int8[], ${postings.map((p) => p.runningMinor ?? null)}::int8[]
      ) with ordinality as p(transfer_id, account_id, amount, balance_after, running, n)
      join txns x on x.transfer_id = p.transfer_id
      left join moved m on m.id = p.account_id
      order by p.n
      returning 1
    )
    select (select count(*) from txns)::int4 as txns, (select count(*) from posted)::int4 as postings,
           (select extract(epoch from clock_timestamp() - min(at)) * 1000 from moved)::float8 as hot_held_ms`.execute(trx);
  const written = rows[0]!;
  if (written.hot_held_ms !== null) mark?.(written.hot_held_ms);
  if (written.txns !== charges.length) throw new Error(`ledger bug: ${charges.length - written.txns} of ${charges.length} transfers of a capture group were no longer open`);
  if (written.postings !== postings.length) throw new Error(`ledger bug: ${postings.length - written.postings} of ${postings.length} postings of a capture group had no transaction`);
}
