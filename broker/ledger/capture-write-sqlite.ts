/**
 * Writing a decided capture group on SQLite (capture-group.ts decides). The transaction
 * holds the only write lock from its first statement (BEGIN IMMEDIATE, broker/db/sqlite.ts),
 * so there is no row to lock late and no round trip to save: statements run in-process and
 * cost CPU, prepared once each (the statement cache). Multi-row inserts for transactions,
 * postings and history; one update per touched account, transfer and part.
 */
import { chargeRef, type GroupWrite } from './capture-group.js';
import type { Trx } from './context.js';

export async function writeChargesSqlite(trx: Trx, write: GroupWrite): Promise<void> {
  const { charges } = write;
  if (write.toRelease.length > 0) {
    await trx.updateTable('transfers').set({ state: 'released', released_at: write.releasedAt, release_reason: 'expired' }).where('id', 'in', write.toRelease).where('state', '=', 'open').execute();
  }
  if (charges.length === 0) return;

  // The provider and sponsor balances: each posting's balance is the balance before the group plus its running sum.
  const hot = await trx.selectFrom('accounts').select(['id', 'balance_minor']).where('id', 'in', write.hotAccounts.map((a) => a.id)).execute();
  const hotBefore = new Map(hot.map((a) => [a.id, a.balance_minor]));
  const balanceAfter = (accountId: string, running: number | undefined, known: number | undefined): number => {
    if (known !== undefined) return known;
    const before = hotBefore.get(accountId);
    if (before === undefined || running === undefined) throw new Error(`ledger bug: no account ${accountId} for a charge`);
    return before + running;
  };

  const txns = await trx
    .insertInto('ledger_txns')
    .values(
      charges.map((c) => ({
        kind: 'charge' as const,
        ref: chargeRef(c.transfer.id),
        transfer_id: c.transfer.id,
        created_at: c.nowMs,
        memo: `part ${c.transfer.part_id}`,
        actor: `device:${c.transfer.device_id}`,
      })),
    )
    .returning(['id', 'ref'])
    .execute();
  const txnIds = new Map(txns.map((t) => [t.ref, t.id]));
  await trx
    .insertInto('postings')
    .values(
      charges.flatMap((c) =>
        c.postings.map((p) => ({
          txn_id: txnIds.get(chargeRef(c.transfer.id))!,
          account_id: p.accountId,
          amount_minor: p.amountMinor,
          balance_after_minor: balanceAfter(p.accountId, p.runningMinor, p.balanceAfterMinor),
        })),
      ),
    )
    .execute();
  const finalBalances: [string, number][] = [...write.userBalances, ...write.hotAccounts.map((a): [string, number] => [a.id, balanceAfter(a.id, a.deltaMinor, undefined)])];
  for (const [id, balance] of finalBalances.sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    await trx.updateTable('accounts').set({ balance_minor: balance }).where('id', '=', id).execute();
  }
  for (const c of charges) {
    await trx.updateTable('transfers').set({ state: 'charged', charged_at: c.nowMs, receipt: c.receipt }).where('id', '=', c.transfer.id).execute();
  }
  for (const { id, uses } of write.partUses) {
    await trx.updateTable('parts').set((eb) => ({ use_count: eb('use_count', '+', uses) })).where('id', '=', id).execute();
  }
  await trx
    .insertInto('history')
    .values(charges.map((c) => ({ user_id: c.transfer.user_id, title_id: c.transfer.title_id, part_id: c.transfer.part_id, kind: 'charge', results: null, at: c.nowMs })))
    .execute();
}
