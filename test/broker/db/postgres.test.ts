/**
 * The data layer and the ledger on PostgreSQL, against FAIRWAY_TEST_PG_URL (set it with
 * `eval "$(bash .ci/setup-postgres.sh | tail -n 1)"`). Every fresh database is a new schema,
 * dropped after the file. In CI the variable is required; elsewhere its absence skips the
 * file with a loud notice.
 */
import { afterAll, describe, it } from 'vitest';
import { describeLedgerProperties } from '../ledger/ledger-properties.js';
import { describeLedger } from '../ledger/ledger-suite.js';
import { describeDataLayer } from './data-layer-suite.js';
import { describePostgresCaptureGroups } from './postgres-capture.js';
import { describePostgresNodes } from './postgres-nodes.js';
import { postgresFactory } from './test-databases.js';

const url = process.env.FAIRWAY_TEST_PG_URL;
const HOW_TO = 'run `eval "$(bash .ci/setup-postgres.sh | tail -n 1)"` (as root) and then the tests again';

if (url) {
  const factory = postgresFactory(url);
  afterAll(() => factory.cleanup());
  describeDataLayer('PostgreSQL', factory.openFresh);
  describeLedger('PostgreSQL', factory.openFresh);
  describeLedgerProperties('PostgreSQL', factory.openFresh);
  describePostgresNodes(factory.openFresh);
  describePostgresCaptureGroups(factory.openFresh);
} else if (process.env.CI) {
  describe('PostgreSQL data layer', () => {
    it('has a database to run against (FAIRWAY_TEST_PG_URL)', () => {
      throw new Error(`FAIRWAY_TEST_PG_URL is not set, and CI must test PostgreSQL: ${HOW_TO}`);
    });
  });
} else {
  console.warn(
    [
      '',
      '############################################################################',
      '#  PostgreSQL tests SKIPPED: FAIRWAY_TEST_PG_URL is not set.',
      `#  To run them: ${HOW_TO}`,
      '############################################################################',
      '',
    ].join('\n'),
  );
  describe.skip('PostgreSQL data layer (FAIRWAY_TEST_PG_URL not set)', () => {
    it('needs FAIRWAY_TEST_PG_URL', () => {});
  });
}
