/**
 * A small store for ledger tests: three users each with one handheld, one title from provider
 * "acme" with three parts (the third sponsored by "fizzco"), written straight into the
 * tables (catalog and user management are other modules' business).
 */
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import type { Kysely } from 'kysely';
import { migrateToLatest, SYSTEM_ACCOUNTS, type DatabaseHandle, type Schema } from '../../../broker/db/index.js';
import { Ledger, type PlaceHoldInput } from '../../../broker/ledger/index.js';
import type { FreshDatabase } from '../db/test-databases.js';

export const T0 = 1_800_000_000_000;
export const HOLD_MS = 600_000;

export const USERS = ['alice', 'bob', 'carol'] as const;
export type TestUser = (typeof USERS)[number];
export const deviceOf = (user: string): string => `hh-${user}`;

export const TITLE = 'golf';
export const PROVIDER = 'acme';
export const SPONSOR = 'fizzco';

export interface TestPart {
  id: string;
  listPriceMinor: number;
  priceMinor: number;
  sponsor?: string;
}

export const PARTS: readonly TestPart[] = [
  { id: 'golf-h01', listPriceMinor: 500, priceMinor: 500 },
  { id: 'golf-h02', listPriceMinor: 400, priceMinor: 300 },
  { id: 'golf-h03', listPriceMinor: 600, priceMinor: 200, sponsor: SPONSOR },
];

export async function seedStore(db: Kysely<Schema>): Promise<void> {
  await db
    .insertInto('users')
    .values(USERS.map((id) => ({ id, password_hash: 'x', name: id, address: `${id} street`, age: 30, occupation: 'golfer', created_at: T0 })))
    .execute();
  await db
    .insertInto('devices')
    .values(USERS.map((user) => ({ id: deviceOf(user), user_id: user, public_key: new Uint8Array(32).fill(1), enrolled_at: T0, revoked_at: null })))
    .execute();
  await db
    .insertInto('titles')
    .values({ id: TITLE, name: 'Golf', provider: PROVIDER, creator: 'Ace', category: 'sports', currency: 'EUR', pricing: '{"rule":"standard"}', created_at: T0 })
    .execute();
  await db
    .insertInto('parts')
    .values(
      PARTS.map((p, i) => ({
        id: p.id,
        title_id: TITLE,
        seq: i + 1,
        next_id: PARTS[i + 1]?.id ?? null,
        base_id: null,
        size_bytes: 1000,
        chunk_bytes: 100,
        part_hash: new Uint8Array(32).fill(i + 1),
        manifest: new Uint8Array([0xd2, i]),
        content_hash: `hash-${i}`,
        list_price_minor: p.listPriceMinor,
        advert_price_minor: p.sponsor ? p.priceMinor : null,
        sponsor: p.sponsor ?? null,
        advert_title_id: p.sponsor ? 'fizz-game' : null,
      })),
    )
    .execute();
}

export interface TestStore {
  fresh: FreshDatabase;
  handle: DatabaseHandle;
  ledger: Ledger;
  /** Closes this handle and opens the same database again, as a restarted broker would. */
  restart(): Promise<void>;
}

export async function openTestStore(fresh: FreshDatabase): Promise<TestStore> {
  const handle = fresh.open();
  await migrateToLatest(handle);
  await seedStore(handle.db);
  const store: TestStore = {
    fresh,
    handle,
    ledger: new Ledger(handle, { passwordParams: FAST_TEST_PARAMS }),
    async restart() {
      await store.handle.close();
      store.handle = fresh.open();
      await migrateToLatest(store.handle);
      store.ledger = new Ledger(store.handle, { passwordParams: FAST_TEST_PARAMS });
    },
  };
  return store;
}

/** Child tables first, so deleting never trips a foreign key. */
const TABLES_CHILD_FIRST = ['seat_charges', 'postings', 'ledger_txns', 'history', 'audit', 'licences', 'transfers', 'cards', 'devices', 'parts', 'titles', 'accounts', 'users'] as const;

/**
 * Empties every table and seeds the store again: a fresh store without a fresh database, for
 * the property test's hundred runs (a new PostgreSQL schema and migration costs ~150 ms each).
 */
export async function resetStore(handle: DatabaseHandle): Promise<void> {
  await handle.db.transaction().execute(async (trx) => {
    for (const table of TABLES_CHILD_FIRST) await trx.deleteFrom(table).execute();
    await trx.insertInto('accounts').values(SYSTEM_ACCOUNTS.map((a) => ({ ...a, balance_minor: 0 }))).execute();
    await seedStore(trx);
  });
}

let transferCounter = 0;
/** Distinct, readable transfer ids (hex of a counter); real offers mint random ones. */
export function nextTransferId(): string {
  return (++transferCounter).toString(16).padStart(32, '0');
}

export function holdFor(user: string, part: TestPart, nowMs: number, overrides: Partial<PlaceHoldInput> = {}): PlaceHoldInput {
  return {
    transferId: nextTransferId(),
    deviceId: deviceOf(user),
    userId: user,
    partId: part.id,
    listPriceMinor: part.listPriceMinor,
    priceMinor: part.priceMinor,
    provider: PROVIDER,
    ...(part.sponsor ? { sponsor: part.sponsor } : {}),
    sponsorPaysMinor: part.sponsor ? part.listPriceMinor - part.priceMinor : 0,
    holdUntil: nowMs + HOLD_MS,
    nowMs,
    ...overrides,
  };
}

export const receiptFor = (transferId: string): Uint8Array => new TextEncoder().encode(`receipt for ${transferId}`);

/** Everything money-related, to show that a refused call changed nothing. */
export async function snapshot(handle: DatabaseHandle): Promise<unknown> {
  const { db } = handle;
  return {
    accounts: await db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    txns: await db.selectFrom('ledger_txns').selectAll().orderBy('id').execute(),
    postings: await db.selectFrom('postings').selectAll().orderBy('id').execute(),
    transfers: await db.selectFrom('transfers').selectAll().orderBy('id').execute(),
    cards: await db.selectFrom('cards').selectAll().orderBy('id').execute(),
    audit: await db.selectFrom('audit').selectAll().orderBy('id').execute(),
    history: await db.selectFrom('history').selectAll().orderBy('id').execute(),
    licences: await db.selectFrom('licences').selectAll().orderBy('id').execute(),
    seatCharges: await db.selectFrom('seat_charges').selectAll().orderBy('licence_id').orderBy('peer_device_id').execute(),
  };
}

/** Gives a user money through the adjustments account. */
export async function fund(ledger: Ledger, user: string, amountMinor: number, nowMs = T0): Promise<void> {
  await ledger.adjustBalance({ userId: user, amountMinor, reason: 'test funds', actor: 'test', nowMs });
}
