/**
 * The first schema: users and devices, the double-entry ledger (accounts, transactions,
 * postings), prepaid cards, the catalog (titles, parts), transfers (holds), history, audit.
 * Constraints that protect money are in the database as well as in code: a user balance
 * cannot go below zero, a ledger reference cannot be used twice, a posting cannot name a
 * missing account.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../open.js';
import { bytesType, withSerialId } from './column-types.js';

/** Accounts that exist from the start; user, provider and sponsor accounts are made on demand. */
export const SYSTEM_ACCOUNTS = [
  { id: 'cards', kind: 'cards', owner: 'store' },
  { id: 'adjustments', kind: 'adjustments', owner: 'store' },
] as const;

export function initialSchema(dialect: DialectName): Migration {
  const bytes = bytesType(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('age', 'integer')
        .addColumn('occupation', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('balance_minor', 'bigint', (c) => c.notNull().defaultTo(0))
        .addCheckConstraint('accounts_kind', sql`kind in ('user', 'provider', 'sponsor', 'cards', 'adjustments')`)
        .addCheckConstraint('accounts_user_not_negative', sql`kind <> 'user' or balance_minor >= 0`)
        .execute();
      await db.insertInto('accounts').values(SYSTEM_ACCOUNTS.map((a) => ({ ...a, balance_minor: 0 }))).execute();

      await withSerialId(db.schema.createTable('ledger_txns'), dialect)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull().unique())
        .addColumn('transfer_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('memo', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('actor', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ledger_txns_transfer').on('ledger_txns').column('transfer_id').execute();

      await withSerialId(db.schema.createTable('postings'), dialect)
        .addColumn('txn_id', 'bigint', (c) => c.notNull().references('ledger_txns.id'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('balance_after_minor', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('postings_txn').on('postings').column('txn_id').execute();
      await db.schema.createIndex('postings_account').on('postings').columns(['account_id', 'id']).execute();

      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('public_key', bytes, (c) => c.notNull())
        .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('devices_user').on('devices').column('user_id').execute();

      await db.schema
        .createTable('cards')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('value_minor', 'bigint', (c) => c.notNull())
        .addColumn('batch', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('redeemed_by', 'text', (c) => c.references('users.id'))
        .addColumn('redeemed_at', 'bigint')
        .addCheckConstraint('cards_value_positive', sql`value_minor > 0`)
        .addCheckConstraint('cards_redeemed_together', sql`(redeemed_by is null) = (redeemed_at is null)`)
        .execute();
      await db.schema.createIndex('cards_batch').on('cards').column('batch').execute();

      await db.schema
        .createTable('titles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('pricing', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('parts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title_id', 'text', (c) => c.notNull().references('titles.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        // next/base may name parts loaded later in the same import, so they are not FKs.
        .addColumn('next_id', 'text')
        .addColumn('base_id', 'text')
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('chunk_bytes', 'integer', (c) => c.notNull())
        .addColumn('part_hash', bytes, (c) => c.notNull())
        .addColumn('manifest', bytes, (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('list_price_minor', 'bigint', (c) => c.notNull())
        .addColumn('advert_price_minor', 'bigint')
        .addColumn('sponsor', 'text')
        .addColumn('advert_title_id', 'text')
        .addColumn('use_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('parts_title').on('parts').columns(['title_id', 'seq']).execute();

      await db.schema
        .createTable('transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id'))
        .addColumn('price_minor', 'bigint', (c) => c.notNull())
        .addColumn('list_price_minor', 'bigint', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('sponsor', 'text')
        .addColumn('sponsor_pays_minor', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('hold_until', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('charged_at', 'bigint')
        .addColumn('released_at', 'bigint')
        .addColumn('release_reason', 'text')
        .addColumn('receipt', bytes)
        .addCheckConstraint('transfers_state', sql`state in ('open', 'charged', 'released')`)
        .addCheckConstraint(
          'transfers_amounts',
          sql`price_minor >= 0 and sponsor_pays_minor >= 0 and price_minor + sponsor_pays_minor <= list_price_minor`,
        )
        .addCheckConstraint('transfers_charged_has_receipt', sql`state <> 'charged' or (charged_at is not null and receipt is not null)`)
        .execute();
      // Available credit sums a user's open holds; expiry sweeps scan open holds by deadline.
      await db.schema.createIndex('transfers_user_state').on('transfers').columns(['user_id', 'state']).execute();
      await db.schema.createIndex('transfers_state_deadline').on('transfers').columns(['state', 'hold_until']).execute();
      await db.schema.createIndex('transfers_device_part').on('transfers').columns(['device_id', 'part_id']).execute();
      await db.schema.createIndex('transfers_part').on('transfers').column('part_id').execute();

      await withSerialId(db.schema.createTable('history'), dialect)
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('title_id', 'text', (c) => c.notNull())
        .addColumn('part_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('results', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('history_user').on('history').columns(['user_id', 'at']).execute();

      await withSerialId(db.schema.createTable('audit'), dialect)
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_at').on('audit').column('at').execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['audit', 'history', 'transfers', 'parts', 'titles', 'cards', 'devices', 'postings', 'ledger_txns', 'accounts', 'users']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
