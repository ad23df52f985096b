/**
 * Builds the demo world inside a running store (issue 5, acceptance 5): imports the catalog,
 * creates the users, enrols one terminal per user, gives each a starting credit and a hand of
 * prepaid cards — and does it idempotently, so `npm start` run again on the same data folder
 * finds the same world instead of a second one. Everyone is derived from the seed
 * (identities.ts); the only thing that cannot be derived, a card's password, is kept in the
 * card record (card-record.ts).
 *
 * On a second run: titles already in the catalog are reused; users and terminals are reused
 * when they match the seed (a mismatch is refused rather than silently given another key);
 * the starting credit is never given twice; cards already issued and still unused are handed
 * out again, and only redeemed ones are replaced, so each terminal starts with `cardsPerUser`
 * unused cards; a world terminal an operator revoked is enrolled again (the world is made to
 * run).
 */
import { dirname, join } from 'node:path';
import type { ScryptParams } from '../../broker/auth/password.js';
import { enrolTerminal, findTerminal } from '../../broker/directory/terminals.js';
import { addUser, checkLogin } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { issueCards } from '../../broker/ledger/cards.js';
import type { RunningStore } from '../../broker/store.js';
import { SystemClock, type NodeSigner } from '../../device/ports/node/index.js';
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import { loadCardRecord, saveCardRecord, type CardRecord, type WorldCard } from './card-record.js';
import { worldDeviceId, worldPassword, worldSigner, worldUserId, WORLD_USERS_MAX } from './identities.js';
import { importCatalog, type WorldTitle } from './import-catalog.js';

export const CARDS_PER_USER_MAX = 100;
/** Users set up at once: the scrypt work runs on libuv's four threads. */
const CONCURRENCY = 4;
const MAX_MONEY_MINOR = 1_000_000_000_000;

export interface WorldOptions {
  /** How many users, each with one terminal. 1–99,999. */
  users: number;
  /** Terminals per user; only 1 is supported. */
  terminalsPerUser?: 1;
  /** Credit given to each user once, when the world is first made (0: none). */
  creditMinor: number;
  /** Unused prepaid cards each terminal holds when the run starts, 0–100. */
  cardsPerUser: number;
  /** Value of each newly issued card. */
  cardValueMinor: number;
  /** Derives every id, password and key; the same seed on the same data gives the same world. */
  seed: number;
  /** A folder of title folders (what writeDemoCatalog writes), or one title folder. */
  catalogDir: string;
  /**
   * scrypt cost for the users' passwords. Default: the store's own (the `passwordParams` it was
   * started with, which cards are always hashed with; PRODUCTION_PARAMS unless a test chose the
   * fast ones). At the production cost 50 users with 2 cards each took 11 s on two cores.
   */
  passwordParams?: ScryptParams;
  /** Where the issued cards are recorded. Default: `world-cards.json` beside the store's data. */
  recordPath?: string;
  /** Wall time stamped on users, terminals, titles and ledger entries. Default: the system clock. */
  clock?: { wallMs(): number };
}

export interface WorldDevice {
  deviceId: string;
  userId: string;
  password: string;
  signer: NodeSigner;
  /** Unused cards for this terminal to redeem when short of credit. */
  cards: WorldCard[];
}

export interface World {
  /** One per user, in user order. */
  devices: WorldDevice[];
  storePublicKey: Uint8Array;
  /** The catalog's titles as the menu shows them, in folder-name order. */
  titles: WorldTitle[];
}

export async function provisionWorld(store: RunningStore, options: WorldOptions): Promise<World> {
  checkOptions(options);
  const clock = options.clock ?? new SystemClock();
  const recordPath = options.recordPath ?? defaultRecordPath(store);
  const record = await loadCardRecord(recordPath, options.seed);
  const titles = await importCatalog(store, options.catalogDir, clock.wallMs());

  // Record saves are chained so that concurrent users never write the file at the same time.
  let saving = Promise.resolve();
  const save = () => (saving = saving.then(() => saveCardRecord(recordPath, record)));

  const devices: WorldDevice[] = new Array<WorldDevice>(options.users);
  let next = 1;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (let index = next++; index <= options.users && !failure; index = next++) {
      try {
        devices[index - 1] = await provisionUser(store, options, index, clock, record, save);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  // Every worker is awaited, even after a failure, so nothing is still writing when this returns.
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, options.users) }, worker));
  await saving;
  if (failure) throw failure.error;
  return { devices, storePublicKey: store.key.signer.publicKey, titles };
}

/** `world-cards.json` in the store's data folder (the content store lives in `<data>/content`). */
export function defaultRecordPath(store: RunningStore): string {
  return join(dirname(store.content.directory), 'world-cards.json');
}

async function provisionUser(store: RunningStore, options: WorldOptions, index: number, clock: { wallMs(): number }, record: CardRecord, save: () => Promise<void>): Promise<WorldDevice> {
  const db = store.database.db;
  const userId = worldUserId(index);
  const deviceId = worldDeviceId(index);
  const password = worldPassword(options.seed, index);
  const signer = worldSigner(options.seed, index);

  const user = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  const terminal = await findTerminal(db, deviceId);
  if (terminal && (terminal.userId !== userId || !sameBytes(terminal.publicKey, signer.publicKey))) {
    throw new FairwayError('invalid-argument', `terminal ${deviceId} is already enrolled with another key or user: this data folder holds a world made with another seed`, 'seed');
  }
  if (!user) {
    await addUser(db, { id: userId, password, name: `Demo player ${index}`, occupation: 'simulated player' }, clock.wallMs(), options.passwordParams ?? store.ledger.passwordParams);
  } else if (!terminal && !(await checkLogin(db, userId, password))) {
    throw new FairwayError('invalid-argument', `user ${userId} already exists with another password: this data folder holds a world made with another seed`, 'seed');
  }
  if (!terminal || terminal.revokedAt !== null) await enrolTerminal(db, { deviceId, userId, publicKey: signer.publicKey }, clock.wallMs());

  if (options.creditMinor > 0) await giveStartingCredit(store, userId, options.creditMinor, clock.wallMs());

  // Redeemed cards, and cards this store never issued (a record from another data folder), are dropped from the record.
  const recorded = record.cards[userId] ?? [];
  const cards = await unusedCards(store, recorded);
  const missing = options.cardsPerUser - cards.length;
  if (missing > 0) {
    const issued = await issueCards(store.ledger, { count: missing, valueMinor: options.cardValueMinor, batch: `world-${userId}`, nowMs: clock.wallMs(), actor: 'world' });
    cards.push(...issued.map((card) => ({ id: card.id, password: card.password, valueMinor: options.cardValueMinor })));
  }
  if (cards.length !== recorded.length || missing > 0) {
    record.cards[userId] = cards;
    await save();
  }
  return { deviceId, userId, password, signer, cards: cards.slice(0, options.cardsPerUser) };
}

/** Once per user, whatever the amount asked for later: the adjustment's request id is the user's. */
async function giveStartingCredit(store: RunningStore, userId: string, amountMinor: number, nowMs: number): Promise<void> {
  try {
    await adjustBalance(store.ledger, { userId, amountMinor, reason: 'demo world: starting credit', actor: 'world', nowMs, requestId: `world-credit-${userId}` });
  } catch (e) {
    // The same request id with another amount: the user already had a starting credit.
    if (isFairwayError(e, 'invalid-argument') && e.path === 'requestId') return;
    throw e;
  }
}

/** The recorded cards the store still knows and nobody has redeemed, with their stored value. */
async function unusedCards(store: RunningStore, recorded: WorldCard[]): Promise<WorldCard[]> {
  if (recorded.length === 0) return [];
  const rows = await store.database.db
    .selectFrom('cards')
    .select(['id', 'value_minor', 'redeemed_by'])
    .where('id', 'in', recorded.map((c) => c.id))
    .execute();
  const unused = new Map(rows.filter((r) => r.redeemed_by === null).map((r) => [r.id, r.value_minor]));
  return recorded.flatMap((card) => {
    const valueMinor = unused.get(card.id);
    return valueMinor === undefined ? [] : [{ ...card, valueMinor }];
  });
}

function checkOptions(options: WorldOptions): void {
  const whole = (field: keyof WorldOptions, value: unknown, low: number, high: number) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < low || value > high) {
      throw new FairwayError('out-of-range', `${field} ${String(value)}; a whole number ${low}–${high}`, field);
    }
  };
  whole('users', options.users, 1, WORLD_USERS_MAX);
  if (options.terminalsPerUser !== undefined && options.terminalsPerUser !== 1) {
    throw new FairwayError('out-of-range', `terminalsPerUser ${String(options.terminalsPerUser)}; only 1 is supported`, 'terminalsPerUser');
  }
  whole('creditMinor', options.creditMinor, 0, MAX_MONEY_MINOR);
  whole('cardsPerUser', options.cardsPerUser, 0, CARDS_PER_USER_MAX);
  whole('cardValueMinor', options.cardValueMinor, options.cardsPerUser > 0 ? 1 : 0, MAX_MONEY_MINOR);
  whole('seed', options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (typeof options.catalogDir !== 'string' || options.catalogDir.length === 0) throw new FairwayError('invalid-argument', 'catalogDir names the folder of title folders', 'catalogDir');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
