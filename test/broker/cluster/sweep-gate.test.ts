/**
 * One expiry sweep per tick for the whole cluster: nodes racing for the same tick on the
 * same PostgreSQL database (cluster mode requires it) — one wins, and the next tick is
 * claimable again. On SQLite (one node) the gate only records ticks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SweepGate } from '../../../broker/cluster/sweep-gate.js';
import { migrateToLatest } from '../../../broker/db/index.js';
import { postgresFactory, sqliteFactory, type DatabaseFactory } from '../db/test-databases.js';

const url = process.env.FAIRWAY_TEST_PG_URL;
const sqlite = sqliteFactory();
const postgres = url ? postgresFactory(url) : undefined;
afterAll(() => Promise.all([sqlite.cleanup(), postgres?.cleanup()]));

describe('sweep gate on SQLite (one node)', () => {
  it('claims each tick once', async () => {
    const handle = (await sqlite.openFresh()).open();
    await migrateToLatest(handle);
    const gate = new SweepGate({ db: handle.db, dialect: handle.dialect, nodeId: 'solo', tickMs: 5_000 });
    expect(await gate.claim(10_000)).toBe(true);
    expect(await gate.claim(14_999)).toBe(false);
    expect(await gate.claim(15_000)).toBe(true);
  });
});

describe.runIf(postgres)('sweep gate on PostgreSQL', () => {
  const factory = postgres as DatabaseFactory;
  it('lets exactly one of several nodes sweep each tick', async () => {
    const fresh = await factory.openFresh();
    const first = fresh.open();
    await migrateToLatest(first);
    const handles = [first, fresh.open(), fresh.open()];
    const gates = handles.map((h, i) => new SweepGate({ db: h.db, dialect: h.dialect, nodeId: `node-${i}`, tickMs: 5_000 }));
    const t0 = 1_700_000_000_000;
    for (let tick = 0; tick < 5; tick++) {
      const nowMs = t0 + tick * 5_000 + 17;
      const won = await Promise.all(gates.map((g) => g.claim(nowMs).catch((e: unknown) => e)));
      expect(won.filter((w) => w === true)).toHaveLength(1);
      expect(won.every((w) => typeof w === 'boolean')).toBe(true);
      // A late node in the same tick does not sweep again.
      expect(await gates[0]!.claim(nowMs + 4_000)).toBe(false);
    }
    const rows = await first.db.selectFrom('sweep_ticks').select(['tick', 'node_id']).execute();
    expect(rows).toHaveLength(5);
  });
});
