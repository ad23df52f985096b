/** `fairway store content sync`: part files of an older PostgreSQL store into its database. */
import type { Command } from 'commander';
import { syncContentToDatabase } from '../../../broker/catalog/content-sync.js';
import { CliInputError, print, storeOptions, table, withStore, type StoreCliOptions } from './shared.js';

export function registerContent(store: Command): void {
  const content = store.command('content').description('Part content: where the bytes of imported titles live');
  storeOptions(
    content
      .command('sync')
      .description(
        'Copy part files from this data folder into the PostgreSQL database, for every catalog part the database lacks, so every cluster node can serve it. Idempotent; exits 1 if a part is still unreadable cluster-wide',
      ),
  ).action(async (o: StoreCliOptions) => {
    await withStore(o, async ({ database, content: store }) => {
      if (database.dialect !== 'postgres') throw new CliInputError('content sync copies part files into a PostgreSQL database (--db postgres://…); a SQLite store keeps its content in files');
      const synced = await syncContentToDatabase(database.db, store);
      const count = (outcome: string) => synced.filter((s) => s.outcome === outcome);
      const copied = count('copied');
      const unreadable = [...count('missing'), ...count('damaged')];
      print(o, synced, () =>
        [
          ...(synced.length > 0 ? [table(['content', 'bytes', 'parts', 'outcome', 'detail'], synced.map((s) => [`${s.contentHash.slice(0, 16)}…`, s.sizeBytes, s.parts.join(' '), s.outcome, s.detail ?? '']))] : []),
          `copied ${copied.length} parts (${copied.reduce((n, s) => n + s.sizeBytes, 0).toLocaleString('en-US')} bytes), ${count('present').length} already in the database, ${count('missing').length} missing here, ${count('damaged').length} damaged here`,
        ].join('\n'),
      );
      if (unreadable.length > 0) process.exitCode = 1;
    });
  });
}
