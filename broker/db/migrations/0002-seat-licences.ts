/**
 * Seat licences [FW-13]: a title's seat rule, the licences the store signed (each with what
 * it still holds of the host user's credit) and one row per charged seat. Exactly once is in
 * the database too: a seat is UNIQUE per (licence, peer), a licence never charges more seats
 * than it names, and what an open licence holds always equals its uncharged seats' price.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../open.js';
import { bytesType } from './column-types.js';

export function seatLicences(dialect: DialectName): Migration {
  const bytes = bytesType(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      // The title's seat rule as JSON text ({price, billing, maxSeats, sessionMs}); null: not licensable.
      await db.schema.alterTable('titles').addColumn('seats', 'text').execute();

      await db.schema
        .createTable('licences')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('host_device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('title_id', 'text', (c) => c.notNull().references('titles.id'))
        .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id'))
        .addColumn('part_hash', bytes, (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('seats', 'integer', (c) => c.notNull())
        .addColumn('billing', 'text', (c) => c.notNull())
        .addColumn('seat_price_minor', 'bigint', (c) => c.notNull())
        .addColumn('held_minor', 'bigint', (c) => c.notNull())
        .addColumn('charged_seats', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('exp', 'bigint', (c) => c.notNull())
        .addColumn('settle_at', 'bigint', (c) => c.notNull())
        .addColumn('licence', bytes, (c) => c.notNull())
        .addColumn('receipt', bytes)
        .addColumn('charged_at', 'bigint')
        .addColumn('closed_at', 'bigint')
        .addCheckConstraint('licences_state', sql`state in ('open', 'charged', 'settled', 'released')`)
        .addCheckConstraint('licences_billing', sql`billing in ('upfront', 'per-reception')`)
        .addCheckConstraint('licences_seats', sql`seats between 1 and 64 and charged_seats between 0 and seats`)
        .addCheckConstraint('licences_times', sql`issued_at <= exp and exp <= settle_at`)
        // An open licence holds exactly its uncharged seats; a closed one holds nothing.
        .addCheckConstraint(
          'licences_held',
          sql`seat_price_minor >= 0 and ((state = 'open' and held_minor = (seats - charged_seats) * seat_price_minor) or (state <> 'open' and held_minor = 0))`,
        )
        // Upfront: all seats or none, and only with the host's receipt; per-reception never has one.
        .addCheckConstraint(
          'licences_upfront',
          sql`(billing = 'upfront' and (charged_seats = 0 or charged_seats = seats) and ((charged_seats = seats) = (receipt is not null)) and state <> 'settled')
            or (billing = 'per-reception' and receipt is null)`,
        )
        .addCheckConstraint('licences_charged', sql`state <> 'charged' or (charged_seats = seats and charged_at is not null)`)
        .execute();
      // Available credit sums a user's open licences; the sweep scans open ones by deadline;
      // licence.get looks for the host's open licence of a part.
      await db.schema.createIndex('licences_user_state').on('licences').columns(['user_id', 'state']).execute();
      await db.schema.createIndex('licences_state_deadline').on('licences').columns(['state', 'settle_at']).execute();
      await db.schema.createIndex('licences_host_part').on('licences').columns(['host_device_id', 'part_id']).execute();

      await db.schema
        .createTable('seat_charges')
        .addColumn('licence_id', 'text', (c) => c.notNull().references('licences.id'))
        .addColumn('peer_device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('notice', bytes, (c) => c.notNull())
        .addColumn('charged_at', 'bigint', (c) => c.notNull())
        .addColumn('txn_id', 'bigint', (c) => c.notNull().references('ledger_txns.id'))
        // One seat per peer per licence, whatever arrives how often: the exactly-once rule [FW-13.5.1].
        .addUniqueConstraint('seat_charges_licence_peer', ['licence_id', 'peer_device_id'])
        .execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('seat_charges').execute();
      await db.schema.dropTable('licences').execute();
      await db.schema.alterTable('titles').dropColumn('seats').execute();
    },
  };
}
