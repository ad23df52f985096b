/**
 * Resumption tickets [FW-4.2.4, issue 12 §1]: a terminal that logged in once logs in again with
 * a one-use ticket instead of its user's password, so a store restart does not cost one scrypt
 * run per reconnecting terminal. Only the ticket's SHA-256 is kept: a copy of the table opens
 * no session. Used rows stay until they expire, so a ticket presented twice is recognised as a
 * replay and not mistaken for an unknown one.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../open.js';
import { bytesType } from './column-types.js';

export function loginTickets(dialect: DialectName): Migration {
  const bytes = bytesType(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('login_tickets')
        .addColumn('hash', bytes, (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      // Revocation and pruning go by device (terminal revoked, replay) or by user (password changed).
      await db.schema.createIndex('login_tickets_device').on('login_tickets').columns(['device_id', 'user_id']).execute();
      await db.schema.createIndex('login_tickets_user').on('login_tickets').column('user_id').execute();
      // The store's sweep deletes expired rows of every device at once (directory/tickets.ts).
      await db.schema.createIndex('login_tickets_expires').on('login_tickets').column('expires_at').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('login_tickets').execute();
    },
  };
}
