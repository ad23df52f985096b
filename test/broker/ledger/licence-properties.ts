/**
 * Seat licences under random interleavings (seeded: FAIRWAY_SEED replays a failure), on every
 * engine: several licences of both billing modes, peers' notices duplicated (the same bytes,
 * re-signed, relayed by the host as well as sent by the peer), reordered and fired
 * concurrently, host receipts repeated, time passing and settlement sweeps. Afterwards, and
 * after every step, the books must balance with no balance below zero, and each licence must
 * have charged exactly: min(N, distinct peers whose notice arrived in time) per reception;
 * N for an upfront licence receipted in time; 0 for one that was not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChargeSeatResult } from '../../../broker/ledger/index.js';
import { seed } from '../../support/seed.js';
import type { OpenFresh } from '../db/test-databases.js';
import { deviceOf, openTestStore, resetStore, T0, USERS, type TestStore } from './fixtures.js';
import { enrolPeers, licenceFor, licenceReceiptFor, PEERS, SEAT_PRICE } from './licence-fixtures.js';

const RUNS = Number(process.env.FAIRWAY_LICENCE_RUNS ?? 60);
const FUNDS = 10_000;

interface LicenceSpec {
  user: number;
  seats: number;
  billing: 'upfront' | 'per-reception';
}

type Step =
  | { kind: 'notice'; licence: number; peer: number; copies: number }
  | { kind: 'burst'; notices: { licence: number; peer: number }[] }
  | { kind: 'receipt'; licence: number; copies: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'sweep' };

const licenceSpec: fc.Arbitrary<LicenceSpec> = fc.record({
  user: fc.nat({ max: USERS.length - 1 }),
  seats: fc.integer({ min: 1, max: 4 }),
  billing: fc.constantFrom('upfront' as const, 'per-reception' as const),
});
const pick = fc.nat({ max: 99 });
const peer = fc.nat({ max: PEERS.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('notice' as const), licence: pick, peer, copies: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('burst' as const), notices: fc.array(fc.record({ licence: pick, peer }), { minLength: 2, maxLength: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('receipt' as const), licence: pick, copies: fc.integer({ min: 1, max: 2 }) }) },
  // Sessions last 60 s, per-reception grace 30 s: steps of up to 40 s cross exp and the
  // settlement time in most runs, often with no sweep in between.
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40_000 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'sweep' as const }) },
);

interface ModelLicence {
  id: string;
  user: string;
  seats: number;
  billing: 'upfront' | 'per-reception';
  exp: number;
  settleAt: number;
  /** Peers whose notice reached the store by the settlement time. */
  peersInTime: Set<string>;
  receiptedInTime: boolean;
  /** `charged` outcomes the ledger reported. */
  chargedOutcomes: number;
}

const expectedSeats = (l: ModelLicence): number => (l.billing === 'per-reception' ? Math.min(l.seats, l.peersInTime.size) : l.receiptedInTime ? l.seats : 0);

async function expectSound(store: TestStore, licences: ModelLicence[], nowMs: number): Promise<void> {
  const { handle, ledger } = store;
  expect(await ledger.checkInvariants(nowMs)).toEqual([]);
  const rows = await handle.db.selectFrom('licences').select(['id', 'charged_seats']).execute();
  const charged = new Map(rows.map((r) => [r.id, r.charged_seats]));
  for (const l of licences) {
    expect(charged.get(l.id), `charged seats of ${l.billing} licence ${l.id} (N = ${l.seats})`).toBe(expectedSeats(l));
    if (l.billing === 'per-reception') expect(l.chargedOutcomes, 'charged outcomes reported').toBe(expectedSeats(l));
  }
  const accounts = await handle.db.selectFrom('accounts').select(['id', 'balance_minor']).where('kind', '=', 'user').execute();
  const balances = new Map(accounts.map((a) => [a.id, a.balance_minor]));
  for (const user of USERS) {
    const spent = licences.filter((l) => l.user === user).reduce((sum, l) => sum + expectedSeats(l) * SEAT_PRICE, 0);
    expect(balances.get(`user:${user}`), `balance of ${user}`).toBe(FUNDS - spent);
  }
}

export function describeLicenceProperties(name: string, openFresh: OpenFresh): void {
  describe(`seat licence properties on ${name}`, () => {
    it(`charges min(N, distinct peers), N or 0 per licence under ${RUNS} random interleavings (seed ${seed})`, async () => {
      const store = await openTestStore(await openFresh());
      await fc.assert(
        fc.asyncProperty(fc.array(licenceSpec, { minLength: 1, maxLength: 4 }), fc.array(step, { minLength: 4, maxLength: 24, size: 'medium' }), async (specs, steps) => {
          await resetStore(store.handle);
          await enrolPeers(store.handle.db);
          for (const user of USERS) await store.ledger.adjustBalance({ userId: user, amountMinor: FUNDS, reason: 'funds', actor: 'test', nowMs: T0 });
          let nowMs = T0;
          const licences: ModelLicence[] = [];
          for (const spec of specs) {
            const user = USERS[spec.user]!;
            const input = licenceFor(user, spec.seats, spec.billing, nowMs);
            const placed = await store.ledger.placeLicenceHold(input);
            if (!placed.ok) throw new Error(`licence refused: ${JSON.stringify(placed)}`);
            // A repeated request (same part and seats) answers with the open licence: one model entry per licence.
            if (!placed.created) continue;
            licences.push({ id: input.licenceId, user, seats: spec.seats, billing: spec.billing, exp: input.exp, settleAt: input.settleAt, peersInTime: new Set(), receiptedInTime: false, chargedOutcomes: 0 });
          }
          let nonce = 0;
          const notice = async (l: ModelLicence, peerId: string): Promise<ChargeSeatResult> => {
            const result = await store.ledger.chargeSeat({ licenceId: l.id, peerDeviceId: peerId, notice: new TextEncoder().encode(`notice ${l.id} ${peerId} ${nonce++}`), nowMs });
            return result;
          };
          const note = (l: ModelLicence, peerId: string, result: ChargeSeatResult) => {
            if (l.billing === 'per-reception' && nowMs <= l.settleAt) l.peersInTime.add(peerId);
            if (result.outcome === 'charged') l.chargedOutcomes++;
            expect(result.outcome === 'not-billed', 'not-billed iff upfront').toBe(l.billing === 'upfront');
          };
          for (const s of steps) {
            switch (s.kind) {
              case 'notice': {
                const l = licences[s.licence % licences.length]!;
                const peerId = PEERS[s.peer]!;
                for (let c = 0; c < s.copies; c++) note(l, peerId, await notice(l, peerId));
                break;
              }
              case 'burst': {
                const sent = s.notices.map((n) => ({ l: licences[n.licence % licences.length]!, peerId: PEERS[n.peer]! }));
                const results = await Promise.all(sent.map(({ l, peerId }) => notice(l, peerId)));
                sent.forEach(({ l, peerId }, i) => note(l, peerId, results[i]!));
                break;
              }
              case 'receipt': {
                const l = licences[s.licence % licences.length]!;
                for (let c = 0; c < s.copies; c++) {
                  const result = await store.ledger.captureLicence({ licenceId: l.id, deviceId: deviceOf(l.user), userId: l.user, receipt: licenceReceiptFor(l.id), nowMs });
                  if (l.billing === 'upfront' && nowMs <= l.exp) l.receiptedInTime = true;
                  expect(result.ok, `receipt for ${l.billing} licence at +${nowMs - l.exp} ms after exp`).toBe(l.billing === 'upfront' && l.receiptedInTime);
                }
                break;
              }
              case 'advance':
                nowMs += s.ms;
                break;
              case 'sweep':
                await store.ledger.settleLicences(nowMs);
                break;
            }
            await expectSound(store, licences, nowMs);
          }
          // Past every settlement time, before any sweep: late notices and receipts change nothing.
          nowMs = Math.max(...licences.map((l) => l.settleAt)) + 1;
          for (const l of licences) {
            for (const peerId of PEERS) note(l, peerId, await notice(l, peerId));
            const late = await store.ledger.captureLicence({ licenceId: l.id, deviceId: deviceOf(l.user), userId: l.user, receipt: licenceReceiptFor(l.id), nowMs });
            expect(late.ok).toBe(l.billing === 'upfront' && l.receiptedInTime);
          }
          await expectSound(store, licences, nowMs);
          // Then the sweep leaves nothing open and nothing held.
          await store.ledger.settleLicences(nowMs);
          const open = await store.handle.db.selectFrom('licences').select('id').where('state', 'in', ['open']).execute();
          expect(open).toEqual([]);
          for (const user of USERS) expect((await store.ledger.credit(user, nowMs)).heldMinor).toBe(0);
          await expectSound(store, licences, nowMs);
        }),
        { seed, numRuns: RUNS },
      ).finally(() => store.handle.close());
    }, 120_000);
  });
}
