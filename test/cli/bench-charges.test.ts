/**
 * `fairway bench charges` at toy size: SQLite and a durable throw-away PostgreSQL
 * (sim/servers/postgres.ts) each charge a few hundred receipts through the store's receipt
 * path, and every figure is there and sane. The figures are not judged (benches print, they
 * never assert); that the bench measures both engines and says under which conditions is.
 * The bench itself fails if the ledger's invariants do not hold after a run.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../broker/db/index.js';
import { benchCharges } from '../../cli/bench/charges.js';
import { BENCHES } from '../../cli/commands/bench.js';
import { installedPostgresVersion } from '../../sim/servers/postgres.js';

const METRICS = [
  'per_second_sqlite',
  'per_second_postgres',
  'ratio_postgres_to_sqlite',
  'provider_row_lock_ms_per_group',
  'receipts_per_group_postgres',
  'postgres_fsync_on',
  'postgres_synchronous_commit_on',
  'store_cpu_ms_per_charge_sqlite',
  'store_cpu_ms_per_charge_postgres',
  'server_cpu_ms_per_charge_postgres',
];
const canRunPostgres = installedPostgresVersion() !== undefined && process.getuid?.() === 0;
if (!canRunPostgres && !process.env.CI) console.warn('charges bench test SKIPPED: it needs PostgreSQL server binaries under /usr/lib/postgresql and root');

describe.runIf(canRunPostgres || process.env.CI)('charges bench', () => {
  it('charges on SQLite and on a durable PostgreSQL of its own, and prints every figure', async () => {
    const lines: string[] = [];
    const figures = await benchCharges(100, { postgresUrl: undefined, inFlight: 16, log: (line) => lines.push(line) });
    expect(figures.map((f) => f.metric)).toEqual(METRICS);
    const value = (metric: string): number => figures.find((f) => f.metric === metric)!.value;
    for (const f of figures) expect(Number.isFinite(f.value), f.metric).toBe(true);
    expect(value('per_second_sqlite')).toBeGreaterThan(0);
    expect(value('per_second_postgres')).toBeGreaterThan(0);
    expect(value('provider_row_lock_ms_per_group')).toBeGreaterThan(0);
    expect(value('receipts_per_group_postgres')).toBeGreaterThanOrEqual(1);
    expect(value('receipts_per_group_postgres')).toBeLessThanOrEqual(64);
    for (const metric of METRICS.filter((m) => m.includes('cpu_ms'))) expect(value(metric), metric).toBeGreaterThan(0);
    // The conditions a figure is worth nothing without: said in the figures and in the log.
    expect([value('postgres_fsync_on'), value('postgres_synchronous_commit_on')]).toEqual([1, 1]);
    expect(lines.join('\n')).toMatch(/PostgreSQL \d+.*fsync=on, synchronous_commit=on, full_page_writes=on/);
  }, 180_000);

  it.runIf(process.env.FAIRWAY_TEST_PG_URL)('measures on a server given by URL in a schema of its own, twice in a row, and leaves nothing behind', async () => {
    const url = process.env.FAIRWAY_TEST_PG_URL!;
    const schemas = async () => {
      const admin = openDatabase(url, { poolMax: 1 });
      try {
        return (await sql<{ name: string }>`select nspname as name from pg_namespace`.execute(admin.db)).rows.map((r) => r.name).sort();
      } finally {
        await admin.close();
      }
    };
    const before = await schemas();
    for (let run = 0; run < 2; run++) {
      const figures = await benchCharges(100, { postgresUrl: url, inFlight: 16, log: () => {} });
      expect(figures.find((f) => f.metric === 'per_second_postgres')!.value, `run ${run + 1}`).toBeGreaterThan(0);
    }
    expect((await schemas()).filter((s) => !s.startsWith('fw_'))).toEqual(before.filter((s) => !s.startsWith('fw_')));
    expect((await schemas()).filter((s) => !before.includes(s) && s.startsWith('fw_cluster_') && s.includes(`_${process.pid}_`))).toEqual([]);
  }, 180_000);

  it('is registered as `fairway bench charges`', () => {
    expect(BENCHES.charges?.about).toContain('PostgreSQL');
  });
});
