/**
 * The throw-away PostgreSQL server (sim/servers/postgres.ts): it starts durable, answers
 * queries through `pg`, keeps its data across a clean stop and across a crash (SIGKILL), and
 * leaves nothing behind. Needs Debian's PostgreSQL server binaries (.ci/setup-postgres.sh
 * installs them) and root (to run them as `postgres`); without either the file is skipped
 * with a notice, except in CI.
 */
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { installedPostgresVersion, startPostgres, type PostgresServer } from '../../../sim/servers/postgres.js';

const canRun = installedPostgresVersion() !== undefined && process.getuid?.() === 0;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

if (!canRun && !process.env.CI) console.warn('sim/servers/postgres tests SKIPPED: they need PostgreSQL server binaries under /usr/lib/postgresql and root');

describe.runIf(canRun || process.env.CI)('a throw-away PostgreSQL server', () => {
  const servers: PostgresServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.destroy())));

  it('starts durable, accepts queries, keeps its data across stop/start and a crash, then removes its folder', async () => {
    const server = await startPostgres();
    servers.push(server);
    expect(server.url).toMatch(/^postgres:\/\/fairway:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(server.durable).toBe(true);
    const setting = async (name: string) => (await query<Record<string, string>>(server.url, `show ${name}`))[0]![name];
    expect([await setting('fsync'), await setting('synchronous_commit'), await setting('full_page_writes')]).toEqual(['on', 'on', 'on']);

    expect(server.cpuMs()).toBeGreaterThan(0); // initdb is not counted, the running server's start-up is
    await query(server.url, 'create table kept (n int)');
    await query(server.url, 'insert into kept values (1)');
    await server.stop();
    expect(server.running).toBe(false);
    await expect(query(server.url, 'select 1')).rejects.toThrow();
    await server.start();
    expect(await query(server.url, 'select n from kept')).toEqual([{ n: 1 }]);

    // A committed row survives SIGKILL of every server process: the restart replays the WAL.
    await query(server.url, 'insert into kept values (2)');
    await server.kill();
    expect(server.running).toBe(false);
    await server.start();
    expect(await query(server.url, 'select n from kept order by n')).toEqual([{ n: 1 }, { n: 2 }]);

    const folder = server.dataDir;
    await server.destroy();
    expect(existsSync(folder)).toBe(false);
    await expect(server.start()).rejects.toThrow(/destroyed/);
  }, 120_000);

  it('freezes with pause() (nothing answers), carries on after resume(), and keeps new backends on the CPUs it is pinned to', async () => {
    const server = await startPostgres({ durable: false });
    servers.push(server);
    expect(await query(server.url, 'show fsync')).toEqual([{ fsync: 'off' }]);
    server.pause();
    const frozen = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 500 });
    await expect(frozen.connect()).rejects.toThrow();
    await frozen.end().catch(() => {});
    server.resume();
    expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    // Pinned, the backends it starts afterwards run on those CPUs only (a bench keeps the database off its own cores).
    server.pinTo('0');
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const backend = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!;
      expect(readFileSync(`/proc/${backend.pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);
    } finally {
      await client.end();
    }
    expect(() => server.pinTo('all of them')).toThrow(/CPU list/);
    await server.stop();
    await server.destroy();
  }, 120_000);
});
