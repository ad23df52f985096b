/**
 * Outage or bug: real driver errors from a real PostgreSQL (a closed port, a terminated
 * backend) are outages, a bad query is not — the difference between a terminal told
 * `unavailable` (resend later) and an operator paged for `internal`.
 */
import { createServer } from 'node:net';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../broker/db/index.js';
import { DependencyUnavailableError, isOutage } from '../../../broker/service/outage.js';

const url = process.env.FAIRWAY_TEST_PG_URL;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('outage classification', () => {
  it('a database nobody listens for is an outage', async () => {
    const db = openDatabase(`postgres://nobody:x@127.0.0.1:${await closedPort()}/none`, { onPoolError: () => undefined });
    try {
      const error = await sql`select 1`.execute(db.db).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isOutage(error)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('our own typed error is an outage; a plain bug and a non-error are not', () => {
    expect(isOutage(new DependencyUnavailableError('redis', 'Redis is down'))).toBe(true);
    expect(isOutage(new Error('wrapped', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isOutage(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isOutage('ECONNREFUSED')).toBe(false);
  });

  describe.runIf(url)('on a real PostgreSQL', () => {
    const admin = url ? openDatabase(url, { poolMax: 2 }) : undefined;
    afterAll(() => admin?.close());

    it('a backend terminated under a query is an outage; a syntax error is not', async () => {
      const victim = openDatabase(url!, { poolMax: 1, onPoolError: () => undefined });
      try {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(victim.db);
        const running = sql`select pg_sleep(5)`.execute(victim.db).then(() => undefined, (e: unknown) => e);
        await new Promise((r) => setTimeout(r, 200));
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin!.db);
        expect(isOutage(await running)).toBe(true);
        const syntax = await sql`selec 1`.execute(admin!.db).then(() => undefined, (e: unknown) => e);
        expect(syntax).toBeInstanceOf(Error);
        expect(isOutage(syntax)).toBe(false);
      } finally {
        await victim.close();
      }
    });
  });
});
