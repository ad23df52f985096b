/**
 * `fairway store key create|show`: the store key every terminal trusts. A cluster's key is
 * created once, off any node, and each node is started with `--store-key FILE` [issue 11].
 */
import type { Command } from 'commander';
import { recordedKeys } from '../../../broker/keys/key-registry.js';
import { createStoreKeyFile, readStoreKeyFile } from '../../../broker/keys/store-key.js';
import { print, storeOptions, table, withStore, type StoreCliOptions } from './shared.js';

export function registerKey(store: Command): void {
  const key = store.command('key').description('The store signing key: create a cluster key, show the key in use');
  key
    .command('create')
    .description('Write a new store key file (owner-only); refuses to replace an existing one')
    .requiredOption('--out <file>', 'where to write the key file')
    .option('--json', 'print the result as JSON')
    .action(async (o: { out: string; json?: boolean }) => {
      await createStoreKeyFile(o.out, Date.now());
      const created = (await readStoreKeyFile(o.out))!;
      const kid = new TextDecoder().decode(created.kid);
      print(o, { file: o.out, kid, publicKeyHex: created.publicKeyHex }, () => `wrote ${o.out}: ${kid}, public key ${created.publicKeyHex} (provision terminals with the public key; keep the file secret)`);
    });
  storeOptions(key.command('show').description('The key this data folder (or --store-key) signs with, and the keys the database records')).action(async (o: StoreCliOptions) => {
    await withStore(o, async ({ database, key: inUse }) => {
      const recorded = await recordedKeys(database.db);
      const kid = new TextDecoder().decode(inUse.kid);
      print(o, { inUse: { kid, publicKeyHex: inUse.publicKeyHex }, recorded }, () =>
        table(['', 'kid', 'public key'], [['in use', kid, inUse.publicKeyHex], ...recorded.map((r) => ['recorded', r.kid, r.publicKeyHex])]),
      );
    });
  });
}
