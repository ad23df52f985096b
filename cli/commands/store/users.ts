/** `fairway store users add|passwd|list|show`: the people who buy (seed 004, Fig. 5). */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { addUser, changePassword, getUser, listUsers } from '../../../broker/directory/users.js';
import { CliInputError, print, storeOptions, table, withStore, type StoreCliOptions } from './shared.js';

export function registerUsers(store: Command): void {
  const users = store.command('users').description('Users: add, passwd, list, show');
  storeOptions(
    users
      .command('add <id>')
      .description('Add a user; the password comes from --password-file or the FAIRWAY_PASSWORD variable, never the command line')
      .option('--password-file <file>', 'file whose first line is the password')
      .option('--name <name>', 'full name', '')
      .option('--address <address>', 'postal address', '')
      .option('--age <years>', 'age in years')
      .option('--occupation <text>', 'occupation', ''),
  ).action(async (id: string, o: StoreCliOptions & { passwordFile?: string; name: string; address: string; age?: string; occupation: string }) => {
    const password = await passwordFrom(o);
    if (o.age !== undefined && !/^\d{1,3}$/.test(o.age)) throw new CliInputError(`--age must be a whole number of years, not "${o.age}"`);
    await withStore(o, async ({ database }) => {
      await addUser(database.db, { id, password, name: o.name, address: o.address, age: o.age === undefined ? null : Number(o.age), occupation: o.occupation }, Date.now());
      const user = await getUser(database.db, id);
      print(o, user, () => `added user ${id}`);
    });
  });
  storeOptions(
    users
      .command('passwd <id>')
      .description('Set a user’s password (from --password-file or FAIRWAY_PASSWORD); the user’s terminals log in with it again, their resumption tickets are deleted')
      .option('--password-file <file>', 'file whose first line is the password'),
  ).action(async (id: string, o: StoreCliOptions & { passwordFile?: string }) => {
    const password = await passwordFrom(o);
    await withStore(o, async ({ database }) => {
      const { ticketsRevoked } = await changePassword(database.db, id, password);
      print(o, { id, passwordChanged: true, ticketsRevoked }, () => `changed the password of ${id}; ${ticketsRevoked} resumption ticket(s) deleted`);
    });
  });
  storeOptions(users.command('list').description('List users with balances and terminals')).action(async (o: StoreCliOptions) => {
    await withStore(o, async ({ database }) => {
      const all = await listUsers(database.db);
      print(o, all, () => table(['user', 'name', 'balance', 'terminals'], all.map((u) => [u.id, u.name, u.balanceMinor, u.terminals.join(',')])));
    });
  });
  storeOptions(users.command('show <id>').description('One user: details, balance, terminals')).action(async (id: string, o: StoreCliOptions) => {
    await withStore(o, async ({ database }) => {
      const user = await getUser(database.db, id);
      const { history, ...details } = user;
      print(o, user, () =>
        [
          table(['field', 'value'], Object.entries(details).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v as string | number | null)])),
          '',
          history.length === 0 ? 'no history' : table(['time', 'kind', 'title', 'part', 'results'], history.map((h) => [new Date(h.at).toISOString(), h.kind, h.titleId, h.partId, h.results === null ? '' : JSON.stringify(h.results)])),
        ].join('\n'),
      );
    });
  });
}

/** Never from the command line, where other users of the machine can read it in the process list. */
async function passwordFrom(o: { passwordFile?: string }): Promise<string> {
  const password = o.passwordFile ? (await readFile(o.passwordFile, 'utf8')).split('\n')[0] : process.env.FAIRWAY_PASSWORD;
  if (!password) throw new CliInputError('give the password with --password-file FILE or in FAIRWAY_PASSWORD');
  return password;
}
