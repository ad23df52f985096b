/**
 * What several store nodes share through the database [issue 11]: the cluster's signing key
 * (its public half, so a node started with another key refuses to start), part content (so
 * every node serves every title, whichever node imported it), the nodes' heartbeats, one row
 * per hold-expiry sweep tick (so a tick sweeps once cluster-wide, and it can be counted), and
 * a request key on history rows (so a `finish` resent to another node writes one row) and on
 * seat charges (so a `seat.notices` resent to another node is told `charged` again, as its
 * first answer said, rather than `already-charged`).
 * Single-node stores get the same tables; they cost nothing there.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../open.js';
import { bytesType } from './column-types.js';

export function cluster(dialect: DialectName): Migration {
  const bytes = bytesType(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('store_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('public_key', bytes, (c) => c.notNull())
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .execute();

      // Parts in segments (a whole 64 MiB part in one bytea would be read in one piece).
      await db.schema
        .createTable('part_content')
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('offset_bytes', 'bigint', (c) => c.notNull())
        .addColumn('bytes', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('part_content_pk', ['content_hash', 'offset_bytes'])
        .execute();
      // A part is readable once its row here exists: segments are written first, this last.
      await db.schema
        .createTable('part_content_complete')
        .addColumn('content_hash', 'text', (c) => c.primaryKey())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('segment_bytes', 'integer', (c) => c.notNull())
        .addColumn('stored_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('store_nodes')
        .addColumn('node_id', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('mqtt_port', 'integer', (c) => c.notNull())
        .addColumn('metrics_port', 'integer')
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .addColumn('connections', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('transfers_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('clock_skew_ms', 'integer', (c) => c.notNull().defaultTo(0))
        .addCheckConstraint('store_nodes_state', sql`state in ('starting', 'ready', 'draining', 'stopped')`)
        .execute();

      await db.schema
        .createTable('sweep_ticks')
        .addColumn('tick', 'bigint', (c) => c.primaryKey())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.alterTable('history').addColumn('request_key', 'text').execute();
      await db.schema.createIndex('history_request_key').unique().on('history').column('request_key').execute();
      // Not unique: one seat.notices request may charge several seats.
      await db.schema.alterTable('seat_charges').addColumn('request_key', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('seat_charges').dropColumn('request_key').execute();
      await db.schema.dropIndex('history_request_key').execute();
      await db.schema.alterTable('history').dropColumn('request_key').execute();
      for (const table of ['sweep_ticks', 'store_nodes', 'part_content_complete', 'part_content', 'store_keys']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
