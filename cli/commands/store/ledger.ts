/**
 * `fairway store ledger`, `sales` and `balance adjust`: reading the double-entry ledger and
 * correcting a balance with a reason, which the audit log keeps.
 */
import type { Command } from 'commander';
import { adjustBalance } from '../../../broker/ledger/adjust.js';
import { listLicences, LICENCE_STATES } from '../../../broker/ledger/licence-report.js';
import type { LicenceState } from '../../../broker/db/schema.js';
import { allPostings, postingsOfTitle, postingsOfUser, salesByPart, salesByProvider, salesByTitle, type PostingLine } from '../../../broker/ledger/reports.js';
import { CliInputError, parseCount, parseMinor, print, storeOptions, table, withStore, type StoreCliOptions } from './shared.js';

function postingTable(lines: PostingLine[]): string {
  return table(
    ['posting', 'time', 'kind', 'account', 'amount', 'balance after', 'memo'],
    lines.map((l) => [l.postingId, new Date(l.at).toISOString(), l.kind, l.accountId, l.amountMinor, l.balanceAfterMinor, l.memo]),
  );
}

export function registerLedger(store: Command): void {
  storeOptions(
    store
      .command('ledger')
      .description('Postings of the double-entry ledger: for a user, for a title, or all')
      .option('--user <id>', 'only this user’s account')
      .option('--title <id>', 'only charges for parts of this title')
      .option('--after <postingId>', 'page: postings after this id')
      .option('--limit <n>', 'page size', '1000'),
  ).action(async (o: StoreCliOptions & { user?: string; title?: string; after?: string; limit: string }) => {
    if (o.user && o.title) throw new CliInputError('give --user or --title, not both');
    const page = { limit: parseCount(o.limit, '--limit', 10_000), ...(o.after ? { afterId: parseCount(o.after, '--after', Number.MAX_SAFE_INTEGER) } : {}) };
    await withStore(o, async ({ ledger }) => {
      const lines = o.user ? await postingsOfUser(ledger, o.user, page) : o.title ? await postingsOfTitle(ledger, o.title, page) : await allPostings(ledger, page);
      print(o, lines, () => (lines.length === 0 ? 'no postings' : postingTable(lines)));
    });
  });

  storeOptions(
    store
      .command('sales')
      .description('Sales report: charged transfers, hosted-session seats and money per title, part or provider')
      .option('--by <what>', 'title, part or provider', 'title'),
  ).action(async (o: StoreCliOptions & { by: string }) => {
    const report = { title: salesByTitle, part: salesByPart, provider: salesByProvider }[o.by];
    if (!report) throw new CliInputError(`--by must be title, part or provider, not "${o.by}"`);
    await withStore(o, async ({ ledger }) => {
      const lines = await report(ledger, {});
      print(o, lines, () => table([o.by, 'sales', 'users paid', 'sponsors paid', 'seats', 'seats paid', 'gross'], lines.map((l) => [l.key, l.sales, l.userPaidMinor, l.sponsorPaidMinor, l.seats, l.seatsMinor, l.grossMinor])));
    });
  });

  storeOptions(
    store
      .command('licences')
      .description('Seat licences of hosted sessions: host, part, billing, seats charged of approved, what is still held')
      .option('--user <id>', 'only this user’s licences')
      .option('--state <state>', `only licences in this state (${LICENCE_STATES.join(', ')})`)
      .option('--limit <n>', 'newest first, at most this many', '1000'),
  ).action(async (o: StoreCliOptions & { user?: string; state?: string; limit: string }) => {
    if (o.state !== undefined && !LICENCE_STATES.includes(o.state as LicenceState)) throw new CliInputError(`--state must be one of ${LICENCE_STATES.join(', ')}, not "${o.state}"`);
    const limit = parseCount(o.limit, '--limit', 100_000);
    await withStore(o, async ({ ledger }) => {
      const lines = await listLicences(ledger, { limit, ...(o.user ? { userId: o.user } : {}), ...(o.state ? { state: o.state as LicenceState } : {}) });
      print(o, lines, () =>
        lines.length === 0
          ? 'no licences'
          : table(
              ['licence', 'host', 'user', 'part', 'billing', 'seats charged', 'seat price', 'held', 'state', 'exp'],
              lines.map((l) => [l.licenceId, l.hostDeviceId, l.userId, l.partId, l.billing, `${l.chargedSeats}/${l.seats}`, l.seatPriceMinor, l.heldMinor, l.state, new Date(l.exp).toISOString()]),
            ),
      );
    });
  });

  const balance = store.command('balance').description('Balances: adjust with a reason (audited)');
  storeOptions(
    balance
      .command('adjust <user> <amount>')
      .description('Credit (+) or debit (−) a user’s balance in minor units; the reason goes into the ledger and the audit log')
      .requiredOption('--reason <text>', 'why, for the audit log')
      .option('--request-id <id>', 'idempotency key: running the same command again with it changes nothing'),
  ).action(async (user: string, amount: string, o: StoreCliOptions & { reason: string; requestId?: string }) => {
    const amountMinor = parseMinor(amount, 'amount', true);
    if (amountMinor === 0) throw new CliInputError('amount must not be 0');
    if (o.reason.trim().length < 3) throw new CliInputError('--reason must say why (at least 3 characters)');
    await withStore(o, async ({ ledger }) => {
      const result = await adjustBalance(ledger, { userId: user, amountMinor, reason: o.reason, actor: `cli:${process.env.USER ?? 'operator'}`, nowMs: Date.now(), ...(o.requestId ? { requestId: o.requestId } : {}) });
      print(o, result, () => `${result.repeated ? 'already applied' : 'adjusted'}: ${user} balance is now ${result.balanceMinor}`);
    });
  });
}
