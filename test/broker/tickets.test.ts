/**
 * Resumption tickets on SQLite and on PostgreSQL (FAIRWAY_TEST_PG_URL; required in CI,
 * skipped with a notice elsewhere, as in test/broker/db/postgres.test.ts).
 */
import { afterAll, describe, it } from 'vitest';
import { describeTickets } from './db/tickets-suite.js';
import { postgresFactory, sqliteFactory } from './db/test-databases.js';

const sqlite = sqliteFactory();
afterAll(() => sqlite.cleanup());
describeTickets('SQLite', sqlite.openFresh);

const url = process.env.FAIRWAY_TEST_PG_URL;
if (url) {
  const postgres = postgresFactory(url);
  afterAll(() => postgres.cleanup());
  describeTickets('PostgreSQL', postgres.openFresh);
} else if (process.env.CI) {
  describe('login tickets on PostgreSQL', () => {
    it('has a database to run against (FAIRWAY_TEST_PG_URL)', () => {
      throw new Error('FAIRWAY_TEST_PG_URL is not set, and CI must test PostgreSQL');
    });
  });
} else {
  describe.skip('login tickets on PostgreSQL (FAIRWAY_TEST_PG_URL not set)', () => {
    it('needs FAIRWAY_TEST_PG_URL', () => {});
  });
}
