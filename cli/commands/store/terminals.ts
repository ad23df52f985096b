/** `fairway store terminals enrol|revoke`: bind a handheld's Ed25519 key to a user [FW-2.3]. */
import type { Command } from 'commander';
import { enrolTerminal, revokeTerminal } from '../../../broker/directory/terminals.js';
import { fromHex } from '../../../sdk/vectors/json.js';
import { CliInputError, print, storeOptions, withStore, type StoreCliOptions } from './shared.js';

export function registerTerminals(store: Command): void {
  const terminals = store.command('terminals').description('Terminals: enrol, revoke');
  storeOptions(
    terminals.command('enrol <deviceId>').description('Enrol a terminal for a user').requiredOption('--user <id>', 'the owning user').requiredOption('--public-key <hex>', 'its raw 32-byte Ed25519 public key, hex'),
  ).action(async (deviceId: string, o: StoreCliOptions & { user: string; publicKey: string }) => {
    if (!/^[0-9a-fA-F]{64}$/.test(o.publicKey)) throw new CliInputError('--public-key must be 64 hex digits (a raw 32-byte Ed25519 key)');
    await withStore(o, async ({ database }) => {
      await enrolTerminal(database.db, { deviceId, userId: o.user, publicKey: fromHex(o.publicKey) }, Date.now());
      print(o, { deviceId, userId: o.user }, () => `enrolled ${deviceId} for ${o.user}`);
    });
  });
  storeOptions(terminals.command('revoke <deviceId>').description('Revoke a terminal: its key stops opening connections')).action(async (deviceId: string, o: StoreCliOptions) => {
    await withStore(o, async ({ database }) => {
      await revokeTerminal(database.db, deviceId, Date.now());
      print(o, { deviceId, revoked: true }, () => `revoked ${deviceId}`);
    });
  });
}
