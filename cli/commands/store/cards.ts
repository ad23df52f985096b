/**
 * `fairway store cards issue|list` (seed 004, Figs. 6 and 9): cards are stored with hashed
 * passwords; the clear id+password list is written once, to a CSV for the printer.
 */
import { open, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { issueCards } from '../../../broker/ledger/cards.js';
import { CliInputError, parseCount, parseMinor, print, storeOptions, table, withStore, type StoreCliOptions } from './shared.js';

export function registerCards(store: Command): void {
  const cards = store.command('cards').description('Prepaid cards: issue, list');
  storeOptions(
    cards
      .command('issue')
      .description('Issue prepaid cards and write their ids and passwords to a CSV, once')
      .requiredOption('--count <n>', 'how many cards')
      .requiredOption('--value <minor>', 'value of each card in minor units')
      .requiredOption('--out <file.csv>', 'where to write id,password,value (refuses to overwrite)')
      .option('--batch <name>', 'a batch name for the records', `batch-${new Date().toISOString().slice(0, 10)}`),
  ).action(async (o: StoreCliOptions & { count: string; value: string; out: string; batch: string }) => {
    const count = parseCount(o.count, '--count', 100_000);
    const valueMinor = parseMinor(o.value, '--value');
    if (valueMinor === 0) throw new CliInputError('--value must be above 0');
    // Claim the output file before issuing anything: passwords exist in clear only once.
    const out = await open(o.out, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
      throw new CliInputError(`cannot create ${o.out} (${e.code}); nothing was issued`);
    });
    await withStore(o, async ({ ledger }) => {
      let issued;
      try {
        issued = await issueCards(ledger, { count, valueMinor, batch: o.batch, nowMs: Date.now(), actor: 'cli' });
      } catch (e) {
        await out.close();
        await rm(o.out, { force: true });
        throw e;
      }
      const csv = ['id,password,value_minor', ...issued.map((c) => `${c.id},${c.password},${valueMinor}`)].join('\n');
      await out.writeFile(`${csv}\n`);
      await out.sync();
      await out.close();
      print(o, { count, valueMinor, batch: o.batch, out: o.out }, () => `issued ${count} cards of ${valueMinor} in batch ${o.batch}; passwords written to ${o.out}`);
    });
  });
  storeOptions(cards.command('list').description('List cards (never their passwords)')).action(async (o: StoreCliOptions) => {
    await withStore(o, async ({ database }) => {
      const rows = await database.db.selectFrom('cards').select(['id', 'value_minor', 'batch', 'issued_at', 'redeemed_by', 'redeemed_at']).orderBy('id').execute();
      print(o, rows, () => table(['card', 'value', 'batch', 'redeemed by'], rows.map((r) => [r.id, r.value_minor, r.batch, r.redeemed_by])));
    });
  });
}
