/**
 * The data layer's contract, run against every engine (sqlite.test.ts, postgres.test.ts):
 * migrations, integer and byte round-trips, and the constraints that guard money.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, toBytes, UnsafeIntegerError, type DatabaseHandle } from '../../../broker/db/index.js';
import type { OpenFresh } from './test-databases.js';

export function describeDataLayer(name: string, openFresh: OpenFresh): void {
  describe(`data layer on ${name}`, () => {
    let handle: DatabaseHandle | undefined;
    const migrated = async () => {
      handle = (await openFresh()).open();
      await migrateToLatest(handle);
      return handle;
    };
    afterEach(async () => {
      await handle?.close();
      handle = undefined;
    });

    it('migrates an empty database once and is a no-op when current', async () => {
      handle = (await openFresh()).open();
      expect(await migrateToLatest(handle)).toEqual(['0001-initial', '0002-seat-licences', '0003-cluster', '0004-login-tickets']);
      expect(await migrateToLatest(handle)).toEqual([]);
      const accounts = await handle.db.selectFrom('accounts').select(['id', 'kind', 'balance_minor']).orderBy('id').execute();
      expect(accounts).toEqual([
        { id: 'adjustments', kind: 'adjustments', balance_minor: 0 },
        { id: 'cards', kind: 'cards', balance_minor: 0 },
      ]);
    });

    it('keeps its data across a close and reopen', async () => {
      const fresh = await openFresh();
      handle = fresh.open();
      await migrateToLatest(handle);
      await handle.db.insertInto('audit').values({ at: 1, actor: 'a', action: 'x', subject: 's', detail: '{}' }).execute();
      await handle.close();
      handle = fresh.open();
      expect(await migrateToLatest(handle)).toEqual([]);
      expect(await handle.db.selectFrom('audit').select('actor').execute()).toEqual([{ actor: 'a' }]);
    });

    it('returns bigint columns, counts and sums as exact JS numbers', async () => {
      const { db } = await migrated();
      const big = Number.MAX_SAFE_INTEGER;
      await db.insertInto('accounts').values({ id: 'provider:x', kind: 'provider', owner: 'x', balance_minor: big }).execute();
      await db.insertInto('accounts').values({ id: 'sponsor:y', kind: 'sponsor', owner: 'y', balance_minor: -1_000_000_000_000 }).execute();
      const rows = await db.selectFrom('accounts').select(['id', 'balance_minor']).where('id', 'in', ['provider:x', 'sponsor:y']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'provider:x', balance_minor: big },
        { id: 'sponsor:y', balance_minor: -1_000_000_000_000 },
      ]);
      const { rows: totals } = await sql<{ n: number; total: number }>`select count(*) as n, cast(sum(balance_minor) as bigint) as total from accounts`.execute(db);
      expect(totals).toEqual([{ n: 4, total: big - 1_000_000_000_000 }]);
      const id = await db.insertInto('audit').values({ at: 1, actor: 'a', action: 'b', subject: 'c', detail: '{}' }).returning('id').executeTakeFirstOrThrow();
      expect(typeof id.id).toBe('number');
    });

    it('refuses loudly to read an integer a JS number cannot hold', async () => {
      const { db } = await migrated();
      await sql`insert into accounts (id, kind, owner, balance_minor) values ('provider:huge', 'provider', 'h', 9007199254740993)`.execute(db);
      await expect(db.selectFrom('accounts').select('balance_minor').where('id', '=', 'provider:huge').execute()).rejects.toThrow(UnsafeIntegerError);
    });

    it('stores bytes and hands them back as plain Uint8Array at the boundary', async () => {
      const { db } = await migrated();
      await db.insertInto('users').values({ id: 'u', password_hash: 'h', name: 'n', address: 'a', age: null, occupation: 'o', created_at: 1 }).execute();
      const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
      await db.insertInto('devices').values({ id: 'd', user_id: 'u', public_key: key, enrolled_at: 1, revoked_at: null }).execute();
      const row = await db.selectFrom('devices').selectAll().executeTakeFirstOrThrow();
      expect(row.public_key).toBeInstanceOf(Uint8Array);
      const bytes = toBytes(row.public_key);
      expect(bytes.constructor).toBe(Uint8Array);
      expect(bytes).toEqual(key);
      expect(row.revoked_at).toBeNull();
    });

    it('never lets a user account go below zero, while other accounts may', async () => {
      const { db } = await migrated();
      await db.insertInto('accounts').values({ id: 'user:u', kind: 'user', owner: 'u', balance_minor: 5 }).execute();
      const debit = (id: string, amount: number) =>
        db.updateTable('accounts').set((eb) => ({ balance_minor: eb('balance_minor', '-', amount) })).where('id', '=', id).execute();
      await expect(debit('user:u', 6)).rejects.toThrow(/check|constraint/i);
      await debit('user:u', 5);
      await debit('cards', 6);
      const rows = await db.selectFrom('accounts').select(['id', 'balance_minor']).where('id', 'in', ['user:u', 'cards']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'cards', balance_minor: -6 },
        { id: 'user:u', balance_minor: 0 },
      ]);
    });

    it('refuses a second ledger transaction with the same reference', async () => {
      const { db } = await migrated();
      const txn = { kind: 'adjust' as const, ref: 'adjust:once', transfer_id: null, created_at: 1, memo: '', actor: 't' };
      await db.insertInto('ledger_txns').values(txn).execute();
      await expect(db.insertInto('ledger_txns').values(txn).execute()).rejects.toThrow(/unique|duplicate/i);
    });

    it('enforces foreign keys (a posting must name an existing account)', async () => {
      const { db } = await migrated();
      const { id } = await db
        .insertInto('ledger_txns')
        .values({ kind: 'adjust', ref: 'adjust:fk', transfer_id: null, created_at: 1, memo: '', actor: 't' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await expect(
        db.insertInto('postings').values({ txn_id: id, account_id: 'user:nobody', amount_minor: 1, balance_after_minor: 1 }).execute(),
      ).rejects.toThrow(/foreign key/i);
    });

    it('rolls a failed transaction back completely', async () => {
      const { db } = await migrated();
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.updateTable('accounts').set({ balance_minor: 7 }).where('id', '=', 'cards').execute();
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const cards = await db.selectFrom('accounts').select('balance_minor').where('id', '=', 'cards').executeTakeFirstOrThrow();
      expect(cards.balance_minor).toBe(0);
    });

    it('keeps transfer amounts consistent with the list price', async () => {
      const { db } = await migrated();
      await db.insertInto('users').values({ id: 'u', password_hash: 'h', name: 'n', address: 'a', age: 3, occupation: 'o', created_at: 1 }).execute();
      await db.insertInto('devices').values({ id: 'd', user_id: 'u', public_key: new Uint8Array([1]), enrolled_at: 1, revoked_at: null }).execute();
      await db.insertInto('titles').values({ id: 't', name: 'T', provider: 'p', creator: 'c', category: 'x', currency: 'EUR', pricing: '{}', created_at: 1 }).execute();
      await db
        .insertInto('parts')
        .values({ id: 'p1', title_id: 't', seq: 1, next_id: null, base_id: null, size_bytes: 1, chunk_bytes: 1, part_hash: new Uint8Array([1]), manifest: new Uint8Array([2]), content_hash: 'h', list_price_minor: 100, advert_price_minor: null, sponsor: null, advert_title_id: null })
        .execute();
      const transfer = { id: 'a'.repeat(32), device_id: 'd', user_id: 'u', part_id: 'p1', price_minor: 90, list_price_minor: 100, provider: 'p', sponsor: null, sponsor_pays_minor: 20, state: 'open' as const, hold_until: 5, created_at: 1, charged_at: null, released_at: null, release_reason: null, receipt: null };
      await expect(db.insertInto('transfers').values(transfer).execute()).rejects.toThrow(/check|constraint/i);
      await db.insertInto('transfers').values({ ...transfer, sponsor_pays_minor: 10 }).execute();
      const part = await db.selectFrom('parts').select('use_count').executeTakeFirstOrThrow();
      expect(part.use_count).toBe(0);
    });
  });
}
