/**
 * The ledger's behaviour, run against every engine from the data-layer entry files
 * (test/broker/db/sqlite.test.ts, postgres.test.ts), so both databases pass the same tests.
 */
import { afterEach, beforeEach } from 'vitest';
import type { OpenFresh } from '../db/test-databases.js';
import { describeBadInput } from './bad-input.js';
import { describeCardsAndAdjustments } from './cards-and-adjustments.js';
import { openTestStore, type TestStore } from './fixtures.js';
import { describeHoldsAndCharges } from './holds-and-charges.js';
import { describeLicenceProperties } from './licence-properties.js';
import { describeLicences } from './licences-suite.js';
import { describeReports } from './reports-suite.js';

/** A fresh, seeded store per test; the getter is valid inside `it`. */
export function useTestStore(openFresh: OpenFresh): () => TestStore {
  let store: TestStore | undefined;
  beforeEach(async () => {
    store = await openTestStore(await openFresh());
  });
  afterEach(async () => {
    await store?.handle.close();
    store = undefined;
  });
  return () => {
    if (!store) throw new Error('the test store exists only inside a test');
    return store;
  };
}

export function describeLedger(name: string, openFresh: OpenFresh): void {
  describeHoldsAndCharges(name, openFresh);
  describeCardsAndAdjustments(name, openFresh);
  describeBadInput(name, openFresh);
  describeReports(name, openFresh);
  describeLicences(name, openFresh);
  describeLicenceProperties(name, openFresh);
}
