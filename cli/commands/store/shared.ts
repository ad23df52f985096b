/**
 * What every `fairway store …` command shares: where the store's data lives, how to open it,
 * and how to print a result (a table for people, one JSON document with --json).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { openDatabase, parseDatabaseUrl, pendingMigrations, type DatabaseHandle } from '../../../broker/db/index.js';
import { defaultDatabaseUrl, openStoreData, type StoreData } from '../../../broker/store-data.js';

export const DEFAULT_DATA_DIR = 'data/store';

export interface StoreCliOptions {
  data: string;
  db?: string;
  storeKey?: string;
  json?: boolean;
}

export function storeOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'the store’s data folder (database file, store key, content)', DEFAULT_DATA_DIR)
    .option('--db <url>', 'database URL: postgres://… or sqlite:<path> (default: SQLite in the data folder)')
    .option('--store-key <file>', 'the store key file to sign with (a cluster’s key) instead of the data folder’s')
    .option('--json', 'print the result as JSON');
}

export async function withStore<T>(options: StoreCliOptions, work: (data: StoreData) => Promise<T>): Promise<T> {
  const data = await openStoreData(options.data, { ...(options.db ? { databaseUrl: options.db } : {}), ...(options.storeKey ? { storeKeyFile: options.storeKey } : {}), nowMs: Date.now() });
  try {
    return await work(data);
  } finally {
    await data.close();
  }
}

/**
 * The database alone, for commands that only read what nodes wrote (`store nodes`): no
 * migration, no store key — an operator's box watching a cluster holds neither.
 */
export async function withDatabase<T>(options: StoreCliOptions, work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const url = options.db ?? defaultDatabaseUrl(options.data);
  const location = parseDatabaseUrl(url);
  // Opening a SQLite path creates the file: look first, so a mistyped --data leaves nothing behind.
  if (location.dialect === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path)) throw new CliInputError(`no store database at ${location.path}`);
  const database = openDatabase(url);
  try {
    // A database no store has set up (a mistyped --data or schema) is said so, not read.
    const pending = await pendingMigrations(database).catch(() => ['all']);
    if (pending.length > 0) throw new CliInputError(`no store database at ${options.db ? 'that --db' : options.data} (or not brought up to date by this version): start the store on it first`);
    return await work(database);
  } finally {
    await database.close();
  }
}

export function print(options: { json?: boolean }, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}\n` : `${human()}\n`);
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** Parses a whole number of minor units from an option, or says what was wrong. */
export function parseMinor(value: string, what: string, allowNegative = false): number {
  if (!/^-?\d+$/.test(value)) throw new CliInputError(`${what} must be a whole number of minor units, not "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 1e12 || (!allowNegative && n < 0)) throw new CliInputError(`${what} is out of range: ${value}`);
  return n;
}

export function parseCount(value: string, what: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new CliInputError(`${what} must be a whole number from 1 to ${max}, not "${value}"`);
  return Number(value);
}

/** An operator mistake in arguments or files: printed as one line, exit code 2. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
}
