/**
 * Reading a capture group's rows (capture-group.ts decides on them): the users' account rows,
 * then the transfers with what each answer needs — the part's hash and title, and for a
 * transfer charged before, the balance its charge left (a repeat's answer).
 *
 * PostgreSQL: one statement takes the users' rows (sorted) and then the transfers (sorted),
 * both locked, and returns them joined: one round trip where two were spent, and round trips
 * are what a group waits on (each one queues behind the event loop's other work). Each row a
 * statement locks is returned in its newest committed version, even one changed while the
 * statement waited for a lock, so balances and states are current. Rows it does not lock are
 * read as of its start, which is why a charged transfer's ledger rows are read by a second
 * statement, begun once the locks are held (and only when the group has a repeat): a charge
 * committed while this one waited is then seen whole.
 *
 * SQLite: the transaction holds the only write lock from BEGIN IMMEDIATE; plain reads,
 * in-process, cost no round trip. Both engines read a repeat's charge the same way.
 */
import { sql } from 'kysely';
import type { GroupTransfer } from './capture-group.js';
import { hasRowLocks, type LedgerContext, type Trx } from './context.js';

export interface GroupRows {
  /** The balance of each user account that exists, read under its lock. */
  balances: Map<string, number>;
  /** By id. */
  transfers: Map<string, GroupTransfer>;
}

/** `userAccounts` and `transferIds` sorted, without repeats: the order rows are locked in. */
export async function readGroup(ctx: LedgerContext, trx: Trx, userAccounts: string[], transferIds: string[]): Promise<GroupRows> {
  return hasRowLocks(ctx) ? readGroupPostgres(trx, userAccounts, transferIds) : readGroupSqlite(trx, userAccounts, transferIds);
}

type LockedTransfer = Omit<GroupTransfer, 'charged_balance_minor'> & { user_balance_minor: number | null };

async function readGroupPostgres(trx: Trx, userAccounts: string[], transferIds: string[]): Promise<GroupRows> {
  // `(select count(*) from u)` in the transfers' filter makes PostgreSQL take every user row
  // before the first transfer row is locked: the order every capture and hold takes them in.
  const { rows } = await sql<LockedTransfer>`
    with u as (
      select id, balance_minor from accounts where id = any(${userAccounts}::text[]) order by id for update
    ), t as (
      select t.id, t.device_id, t.user_id, t.part_id, t.price_minor, t.provider, t.sponsor, t.sponsor_pays_minor,
             t.state, t.hold_until, t.charged_at, p.title_id, p.part_hash
      from transfers t join parts p on p.id = t.part_id
      where t.id = any(${transferIds}::text[]) and (select count(*) from u) >= 0
      order by t.id
      for update of t
    )
    select t.*, u.balance_minor as user_balance_minor from t left join u on u.id = 'user:' || t.user_id`.execute(trx);

  const balances = new Map<string, number>();
  const transfers: Omit<GroupTransfer, 'charged_balance_minor'>[] = [];
  for (const { user_balance_minor, ...row } of rows) {
    if (user_balance_minor !== null) balances.set(`user:${row.user_id}`, user_balance_minor);
    transfers.push(row);
  }
  return withChargedBalances(trx, balances, transfers);
}

async function readGroupSqlite(trx: Trx, userAccounts: string[], transferIds: string[]): Promise<GroupRows> {
  const users = await trx.selectFrom('accounts').select(['id', 'balance_minor']).where('id', 'in', userAccounts).execute();
  const rows = await trx
    .selectFrom('transfers as t')
    .innerJoin('parts as p', 'p.id', 't.part_id')
    .select(['t.id', 't.device_id', 't.user_id', 't.part_id', 't.price_minor', 't.provider', 't.sponsor', 't.sponsor_pays_minor', 't.state', 't.hold_until', 't.charged_at', 'p.title_id', 'p.part_hash'])
    .where('t.id', 'in', transferIds)
    .execute();
  return withChargedBalances(trx, new Map(users.map((u) => [u.id, u.balance_minor])), rows);
}

/** The transfers by id, each charged one with the balance its charge left (one more statement, only when there is one). */
async function withChargedBalances(trx: Trx, balances: Map<string, number>, rows: Omit<GroupTransfer, 'charged_balance_minor'>[]): Promise<GroupRows> {
  const transfers = new Map<string, GroupTransfer>(rows.map((row) => [row.id, { ...row, charged_balance_minor: null }]));
  const charged = rows.filter((t) => t.state === 'charged').map((t) => t.id);
  if (charged.length > 0) {
    for (const { id, balance } of await readChargedBalances(trx, charged)) transfers.get(id)!.charged_balance_minor = balance;
  }
  return { balances, transfers };
}

/** The user's balance right after each charge: the charge's user posting. */
async function readChargedBalances(trx: Trx, transferIds: string[]): Promise<{ id: string; balance: number }[]> {
  return trx
    .selectFrom('transfers as t')
    .innerJoin('ledger_txns as l', (join) => join.on('l.ref', '=', sql<string>`'charge:' || t.id`))
    .innerJoin('postings as up', (join) => join.onRef('up.txn_id', '=', 'l.id').on('up.account_id', '=', sql<string>`'user:' || t.user_id`))
    .select(['t.id', 'up.balance_after_minor as balance'])
    .where('t.id', 'in', transferIds)
    .execute();
}
