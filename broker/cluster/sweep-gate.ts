/**
 * One hold-expiry sweep per tick for the whole cluster [issue 11 §3]. Every node's timer
 * fires every tick; the first to claim the tick's row sweeps, the others skip. The claim runs
 * under `pg_try_advisory_xact_lock`, so nodes that fire together do not even queue on the
 * row: the loser sees the lock taken and goes back to sleep. The row is kept a day, so an
 * operator (and the cluster test) can count sweeps per tick.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db/open.js';
import type { Schema } from '../db/schema.js';

/** An arbitrary constant naming this lock among the database's advisory locks. */
const SWEEP_LOCK_KEY = 0x46574159; // "FWAY"
const TICK_ROWS_KEPT_MS = 24 * 60 * 60_000;

export interface SweepGateOptions {
  db: Kysely<Schema>;
  dialect: DialectName;
  nodeId: string;
  tickMs: number;
}

export class SweepGate {
  constructor(private readonly options: SweepGateOptions) {}

  tickOf(nowMs: number): number {
    return Math.floor(nowMs / this.options.tickMs);
  }

  /** True when this node swept nobody else's tick: it now owns `tickOf(nowMs)` and must sweep. */
  async claim(nowMs: number): Promise<boolean> {
    const { db, dialect, nodeId } = this.options;
    const tick = this.tickOf(nowMs);
    return db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') {
        const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}) as locked`.execute(trx);
        if (!rows[0]?.locked) return false;
      }
      const inserted = await trx.insertInto('sweep_ticks').values({ tick, node_id: nodeId, at: nowMs }).onConflict((oc) => oc.column('tick').doNothing()).returning('tick').executeTakeFirst();
      if (!inserted) return false;
      // Once a minute or so, forget ticks older than a day.
      if (tick % 12 === 0) await trx.deleteFrom('sweep_ticks').where('tick', '<', this.tickOf(nowMs - TICK_ROWS_KEPT_MS)).execute();
      return true;
    });
  }
}
