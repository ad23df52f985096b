/**
 * The ledger under random interleavings (seeded: FAIRWAY_SEED replays a failure): holds,
 * captures with duplicates and strangers, capture groups racing each other, releases,
 * sweeps, time passing, card redemptions racing each other, adjustments and store
 * restarts. After every step the books must balance (checkInvariants), every balance must
 * equal the reference model's, and every capture that said ok must be charged exactly once;
 * at the end, once time has passed every deadline and the sweep has run, no hold may be left
 * open.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { Ledger } from '../../../broker/ledger/index.js';
import { seed } from '../../support/seed.js';
import type { OpenFresh } from '../db/test-databases.js';
import { openTestStore, resetStore, T0, USERS, type TestStore } from './fixtures.js';
import { LedgerModel, type ModelCard } from './ledger-model.js';
import { runStep, type Step } from './ledger-steps.js';

const RUNS = Number(process.env.FAIRWAY_LEDGER_RUNS ?? 100);
const MAX_STEPS = 16;

const user = fc.nat({ max: USERS.length - 1 });
const oneIn = (n: number) => fc.nat({ max: n - 1 }).map((k) => k === 0);
const preference = fc.constantFrom('live' as const, 'lapsed' as const, 'any' as const);
const groupedCapture = fc.record({ pick: fc.nat(), prefer: preference, stranger: oneIn(6) });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('hold' as const), user, part: fc.nat({ max: 2 }), ttlMs: fc.integer({ min: 500, max: 15_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('racingHolds' as const), user, parts: fc.array(fc.nat({ max: 2 }), { minLength: 2, maxLength: 4 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('capture' as const), pick: fc.nat(), prefer: preference, copies: fc.integer({ min: 1, max: 3 }), stranger: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('captureGroups' as const),
      groups: fc.array(fc.array(groupedCapture, { minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'releaseExpired' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 15_000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('redeem' as const), card: fc.nat({ max: 2 }), users: fc.array(user, { minLength: 1, maxLength: 3 }), wrongPassword: oneIn(5) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), user, amountMinor: fc.integer({ min: -900, max: 1500 }).filter((n) => n !== 0) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

/** What each user starts with (often enough to buy something, sometimes nothing). */
const startingFunds = fc.tuple(...USERS.map(() => fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_500 }))));

async function fundUsers(store: TestStore, model: LedgerModel, funds: number[]): Promise<void> {
  for (const [i, amountMinor] of funds.entries()) {
    if (amountMinor === 0) continue;
    await store.ledger.adjustBalance({ userId: USERS[i]!, amountMinor, reason: 'starting funds', actor: 'test', nowMs: model.nowMs });
    model.credit(USERS[i]!, amountMinor);
  }
}

/** Three cards, one per value, issued before the run; the model knows their passwords. */
async function issueTestCards(ledger: Ledger): Promise<ModelCard[]> {
  const cards: ModelCard[] = [];
  for (const valueMinor of [300, 800, 1200]) {
    const [card] = await ledger.issueCards({ count: 1, valueMinor, batch: 'prop', nowMs: T0 });
    cards.push({ id: card!.id, password: card!.password, valueMinor });
  }
  return cards;
}

async function expectSound(store: TestStore, model: LedgerModel): Promise<void> {
  const { ledger, handle } = store;
  const [violations, accounts, charges] = await Promise.all([
    ledger.checkInvariants(model.nowMs),
    handle.db.selectFrom('accounts').select(['id', 'balance_minor']).where('kind', '=', 'user').execute(),
    handle.db.selectFrom('ledger_txns').select('transfer_id').where('kind', '=', 'charge').execute(),
  ]);
  expect(violations).toEqual([]);
  const actual = new Map(accounts.map((a) => [a.id, a.balance_minor]));
  for (const u of USERS) expect(actual.get(`user:${u}`) ?? 0, `balance of ${u}`).toBe(model.balance(u));
  const charged = charges.map((c) => c.transfer_id).sort();
  const expected = model.transfers.filter((t) => t.state === 'charged').map((t) => t.id).sort();
  expect(charged, 'charged transfers (each exactly once)').toEqual(expected);
}

async function finish(store: TestStore, model: LedgerModel): Promise<void> {
  model.nowMs = model.latestDeadline() + 1;
  await store.ledger.releaseExpired(model.nowMs);
  model.settleLapsed();
  const open = await store.handle.db.selectFrom('transfers').select('id').where('state', '=', 'open').execute();
  expect(open, 'holds left open after every deadline passed and the sweep ran').toEqual([]);
  const states = await store.handle.db.selectFrom('transfers').select(['id', 'state']).orderBy('id').execute();
  expect(states).toEqual(model.transfers.map((t) => ({ id: t.id, state: t.state })).sort((a, b) => (a.id < b.id ? -1 : 1)));
  await expectSound(store, model);
}

export function describeLedgerProperties(name: string, openFresh: OpenFresh): void {
  describe(`ledger properties on ${name}`, () => {
    it(`keeps the books sound under ${RUNS} random interleavings (seed ${seed})`, async () => {
      // One database for all runs, emptied before each (resetStore), restarted by the steps.
      const store = await openTestStore(await openFresh());
      await fc.assert(
        fc.asyncProperty(startingFunds, fc.array(step, { minLength: 3, maxLength: MAX_STEPS }), async (funds, steps) => {
          await resetStore(store.handle);
          const model = new LedgerModel(T0, await issueTestCards(store.ledger));
          await fundUsers(store, model, funds);
          for (const s of steps) {
            await runStep(store, model, s);
            await expectSound(store, model);
          }
          await finish(store, model);
        }),
        { seed, numRuns: RUNS },
      ).finally(() => store.handle.close());
    }, 120_000);
  });
}
