/** `fairway store …`: everything a store operator runs. */
import type { Command } from 'commander';
import { registerCards } from './cards.js';
import { registerCatalog } from './catalog.js';
import { registerContent } from './content.js';
import { registerKey } from './key.js';
import { registerLedger } from './ledger.js';
import { registerNodes } from './nodes.js';
import { registerServe } from './serve.js';
import { registerTerminals } from './terminals.js';
import { registerUsers } from './users.js';

export function registerStore(program: Command): void {
  const store = program.command('store').description('Run and operate the store: serve, users, terminals, cards, catalog, content, ledger, sales, balance, nodes, key');
  registerServe(store);
  registerUsers(store);
  registerTerminals(store);
  registerCards(store);
  registerCatalog(store);
  registerContent(store);
  registerLedger(store);
  registerKey(store);
  registerNodes(store);
}
