/**
 * Seat licences in the ledger [FW-13], on every engine: holds that count against available
 * credit, upfront capture exactly once, per-reception seats exactly once per peer and at most
 * N, settlement, the sweep, and the invariants checker noticing a tampered seat.
 */
import { describe, expect, it } from 'vitest';
import { licenceChargeRef, seatChargeRef } from '../../../broker/ledger/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import type { OpenFresh } from '../db/test-databases.js';
import { deviceOf, fund, holdFor, PARTS, PROVIDER, snapshot, T0, TITLE } from './fixtures.js';
import { enrolPeers, GRACE_MS, licenceFor, licenceReceiptFor, noticeFor, PEERS, SEAT_PRICE, SESSION_MS } from './licence-fixtures.js';
import { useTestStore } from './ledger-suite.js';

export function describeLicences(name: string, openFresh: OpenFresh): void {
  describe(`ledger seat licences on ${name}`, () => {
    const store = useTestStore(openFresh);

    const granted = async (user: string, seats: number, billing: 'upfront' | 'per-reception', nowMs = T0) => {
      const result = await store().ledger.placeLicenceHold(licenceFor(user, seats, billing, nowMs));
      if (!result.ok) throw new Error(`licence refused: ${JSON.stringify(result)}`);
      return result.licence;
    };
    const seat = (licenceId: string, peer: string, nowMs: number) => store().ledger.chargeSeat({ licenceId, peerDeviceId: peer, notice: noticeFor(licenceId, peer), nowMs });
    const upfront = (licenceId: string, user: string, nowMs: number) =>
      store().ledger.captureLicence({ licenceId, deviceId: deviceOf(user), userId: user, receipt: licenceReceiptFor(licenceId), nowMs });

    it('available credit excludes a licence hold, so that credit cannot be spent on an offer or taken by an adjustment', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 800);
      const placed = await ledger.placeLicenceHold(licenceFor('alice', 4, 'per-reception', T0));
      expect(placed).toMatchObject({ ok: true, created: true, availableMinor: 400, licence: { state: 'open', heldMinor: 400, chargedSeats: 0 } });
      expect(await ledger.credit('alice', T0)).toEqual({ balanceMinor: 800, heldMinor: 400, availableMinor: 400 });
      // The part costs 500: 800 − 400 held is not enough.
      expect(await ledger.placeHold(holdFor('alice', PARTS[0]!, T0 + 1))).toEqual({ ok: false, code: 'insufficient-credit', availableMinor: 400, priceMinor: 500 });
      await expectKind(() => ledger.adjustBalance({ userId: 'alice', amountMinor: -401, reason: 'x', actor: 'test', nowMs: T0 + 2 }), 'out-of-range');
      expect(await ledger.checkInvariants(T0 + 2)).toEqual([]);
    });

    it('answers a repeated licence request for the same part and seats with the open licence, and refuses short credit without a hold', async () => {
      const { ledger, handle } = store();
      await fund(ledger, 'alice', 500);
      const first = await granted('alice', 3, 'upfront');
      const again = await ledger.placeLicenceHold(licenceFor('alice', 3, 'upfront', T0 + 10));
      expect(again).toEqual({ ok: true, licence: first, created: false, availableMinor: 200 });
      const before = await snapshot(handle);
      expect(await ledger.placeLicenceHold(licenceFor('alice', 4, 'upfront', T0 + 20))).toEqual({ ok: false, code: 'insufficient-credit', availableMinor: 200, totalMinor: 400 });
      expect(await snapshot(handle)).toEqual(before);
      // Once expired it is no longer the answer: a new licence (the old one is released on the way).
      const later = await ledger.placeLicenceHold(licenceFor('alice', 3, 'upfront', T0 + SESSION_MS + 1));
      expect(later).toMatchObject({ ok: true, created: true });
      expect((await ledger.getLicence(first.licenceId))?.state).toBe('released');
    });

    it('claim 7: an upfront licence receipt charges N × seat price once; a repeat answers the same charge', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 4, 'upfront');
      const charged = await upfront(licence.licenceId, 'alice', T0 + 5_000);
      expect(charged).toEqual({ ok: true, licenceId: licence.licenceId, seats: 4, amountMinor: 400, balanceMinor: 600, chargedAt: T0 + 5_000, repeated: false });
      expect(await upfront(licence.licenceId, 'alice', T0 + 6_000)).toEqual({ ...charged, repeated: true });
      expect(await ledger.credit('alice', T0 + 6_000)).toEqual({ balanceMinor: 600, heldMinor: 0, availableMinor: 600 });
      const lines = (await ledger.allPostings()).filter((p) => p.ref === licenceChargeRef(licence.licenceId));
      expect(lines.map((p) => [p.kind, p.accountId, p.amountMinor])).toEqual([
        ['seat', 'provider:acme', 400],
        ['seat', 'user:alice', -400],
      ]);
      expect(await ledger.getLicence(licence.licenceId)).toMatchObject({ state: 'charged', chargedSeats: 4, heldMinor: 0, receipt: licenceReceiptFor(licence.licenceId) });
      expect(await ledger.checkInvariants(T0 + 6_000)).toEqual([]);
    });

    it('refuses an upfront receipt after exp, releases the hold and charges nothing; another device or a per-reception licence is unknown', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 2, 'upfront');
      expect(await ledger.captureLicence({ licenceId: licence.licenceId, deviceId: deviceOf('bob'), userId: 'bob', receipt: licenceReceiptFor('x'), nowMs: T0 + 1 })).toEqual({ ok: false, code: 'unknown-licence' });
      const perReception = await granted('alice', 3, 'per-reception', T0 + 2);
      expect(await upfront(perReception.licenceId, 'alice', T0 + 3)).toEqual({ ok: false, code: 'unknown-licence' });
      expect(await upfront(licence.licenceId, 'alice', T0 + SESSION_MS + 1)).toEqual({ ok: false, code: 'licence-expired' });
      expect(await upfront(licence.licenceId, 'alice', T0 + SESSION_MS + 2)).toEqual({ ok: false, code: 'licence-expired' });
      expect(await ledger.getLicence(licence.licenceId)).toMatchObject({ state: 'released', heldMinor: 0, chargedSeats: 0 });
      expect((await ledger.credit('alice', T0 + SESSION_MS + 2)).balanceMinor).toBe(1000);
      expect(await ledger.checkInvariants(T0 + SESSION_MS + 2)).toEqual([]);
    });

    it('claim 8: each peer’s notice charges one seat once, at most N; duplicates, surplus peers and upfront licences change nothing', async () => {
      const { ledger, handle } = store();
      await enrolPeers(handle.db);
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 2, 'per-reception');
      expect(await seat(licence.licenceId, PEERS[0], T0 + 1)).toEqual({ outcome: 'charged', balanceMinor: 900, seat: 1 });
      expect(await seat(licence.licenceId, PEERS[0], T0 + 2)).toEqual({ outcome: 'already-charged' });
      expect(await ledger.credit('alice', T0 + 2)).toEqual({ balanceMinor: 900, heldMinor: 100, availableMinor: 800 });
      expect(await seat(licence.licenceId, PEERS[1], T0 + 3)).toEqual({ outcome: 'charged', balanceMinor: 800, seat: 2 });
      expect(await ledger.getLicence(licence.licenceId)).toMatchObject({ state: 'charged', chargedSeats: 2, heldMinor: 0, chargedAt: T0 + 3 });
      const before = await snapshot(handle);
      expect(await seat(licence.licenceId, PEERS[2], T0 + 4)).toEqual({ outcome: 'seats-exhausted' });
      expect(await seat(licence.licenceId, PEERS[1], T0 + 5)).toEqual({ outcome: 'already-charged' });
      expect(await seat('f'.repeat(32), PEERS[1], T0 + 5)).toEqual({ outcome: 'unknown-licence' });
      expect(await snapshot(handle)).toEqual(before);
      const upfrontLicence = await granted('alice', 3, 'upfront', T0 + 7);
      expect(await seat(upfrontLicence.licenceId, PEERS[3], T0 + 8)).toEqual({ outcome: 'not-billed' });
      const seats = await handle.db.selectFrom('ledger_txns').select('ref').where('kind', '=', 'seat').orderBy('id').execute();
      expect(seats.map((s) => s.ref)).toEqual([seatChargeRef(licence.licenceId, PEERS[0]), seatChargeRef(licence.licenceId, PEERS[1])]);
      expect(await ledger.checkInvariants(T0 + 8)).toEqual([]);
    });

    it('tells the request that charged a seat `charged` again (its balance, its seat), even after settlement; any other request `already-charged`', async () => {
      const { ledger, handle } = store();
      await enrolPeers(handle.db);
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 2, 'per-reception');
      const first = `seat.notices:hh-alice:7:${'a'.repeat(64)}`;
      const other = `seat.notices:hh-alice:8:${'b'.repeat(64)}`;
      const byRequest = (peer: string, nowMs: number, requestKey: string) => ledger.chargeSeat({ licenceId: licence.licenceId, peerDeviceId: peer, notice: noticeFor(licence.licenceId, peer), nowMs, requestKey });
      expect(await byRequest(PEERS[0], T0 + 1, first)).toEqual({ outcome: 'charged', balanceMinor: 900, seat: 1 });
      expect(await byRequest(PEERS[1], T0 + 2, other)).toEqual({ outcome: 'charged', balanceMinor: 800, seat: 2 });
      const before = await snapshot(handle);
      expect(await byRequest(PEERS[0], T0 + 3, first)).toEqual({ outcome: 'charged', balanceMinor: 900, seat: 1, repeated: true });
      expect(await byRequest(PEERS[0], T0 + 3, other)).toEqual({ outcome: 'already-charged' });
      expect(await seat(licence.licenceId, PEERS[0], T0 + 3)).toEqual({ outcome: 'already-charged' });
      // Settled since: the resend still hears its first answer.
      expect(await byRequest(PEERS[1], T0 + SESSION_MS + GRACE_MS + 1, other)).toEqual({ outcome: 'charged', balanceMinor: 800, seat: 2, repeated: true });
      expect(await snapshot(handle)).toEqual(before);
      await expectKind(() => byRequest(PEERS[2], T0 + 4, 'finish:x:1:ab'), 'invalid-argument');
    });

    it('counts charged seats in the sales reports: all of an upfront licence at its charge, one per reception otherwise', async () => {
      const { ledger, handle } = store();
      await enrolPeers(handle.db);
      await fund(ledger, 'alice', 2000);
      const perReception = await granted('alice', 3, 'per-reception');
      await seat(perReception.licenceId, PEERS[0], T0 + 10);
      await seat(perReception.licenceId, PEERS[1], T0 + 20);
      const upfrontLicence = await granted('alice', 4, 'upfront', T0 + 30);
      await upfront(upfrontLicence.licenceId, 'alice', T0 + 40);
      const unreceipted = await granted('alice', 2, 'upfront', T0 + 50);
      void unreceipted;
      const seatsOf = (lines: { key: string; seats: number; seatsMinor: number; grossMinor: number }[], key: string) => lines.find((l) => l.key === key);
      expect(seatsOf(await ledger.salesByTitle(), TITLE)).toMatchObject({ seats: 6, seatsMinor: 6 * SEAT_PRICE });
      expect(seatsOf(await ledger.salesByProvider(), PROVIDER)).toMatchObject({ seats: 6, seatsMinor: 6 * SEAT_PRICE });
      // A window sees only what was charged inside it.
      expect(seatsOf(await ledger.salesByTitle({ sinceMs: T0 + 15, untilMs: T0 + 35 }), TITLE)).toMatchObject({ seats: 1, seatsMinor: SEAT_PRICE, grossMinor: SEAT_PRICE });
    });

    it('lists licences for the operator, newest first, by user and state, without the signed bytes', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 2000);
      const first = await granted('alice', 2, 'upfront', T0 + 1);
      const second = await granted('alice', 3, 'per-reception', T0 + 2);
      await upfront(first.licenceId, 'alice', T0 + 3);
      const lines = await ledger.listLicences({});
      expect(lines.map((l) => [l.licenceId, l.state, l.seats, l.chargedSeats])).toEqual([
        [second.licenceId, 'open', 3, 0],
        [first.licenceId, 'charged', 2, 2],
      ]);
      expect(lines[0]).not.toHaveProperty('licence');
      expect((await ledger.listLicences({ state: 'charged' })).map((l) => l.licenceId)).toEqual([first.licenceId]);
      expect(await ledger.listLicences({ userId: 'bob' })).toEqual([]);
      await expectKind(() => ledger.listLicences({ state: 'lost' as never }), 'out-of-range');
      await expectKind(() => ledger.listLicences({ limit: 0 }), 'out-of-range');
    });

    it('settles a per-reception licence after exp + grace: the rest is released and later notices get licence-closed', async () => {
      const { ledger, handle } = store();
      await enrolPeers(handle.db);
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 4, 'per-reception');
      const up = await granted('alice', 2, 'upfront', T0 + 1);
      expect(await seat(licence.licenceId, PEERS[0], T0 + SESSION_MS + GRACE_MS)).toMatchObject({ outcome: 'charged' });
      // Before the settlement time nothing is closed; the upfront one lapses at its exp.
      expect(await ledger.settleLicences(T0 + SESSION_MS)).toEqual({ released: 0, settled: 0 });
      expect(await ledger.settleLicences(T0 + SESSION_MS + 2)).toEqual({ released: 1, settled: 0 });
      expect(await ledger.credit('alice', T0 + SESSION_MS + 2)).toEqual({ balanceMinor: 900, heldMinor: 300, availableMinor: 600 });
      expect(await ledger.settleLicences(T0 + SESSION_MS + GRACE_MS + 1)).toEqual({ released: 0, settled: 1 });
      expect(await ledger.getLicence(licence.licenceId)).toMatchObject({ state: 'settled', chargedSeats: 1, heldMinor: 0 });
      expect(await ledger.getLicence(up.licenceId)).toMatchObject({ state: 'released', chargedSeats: 0 });
      expect(await ledger.credit('alice', T0 + SESSION_MS + GRACE_MS + 1)).toEqual({ balanceMinor: 900, heldMinor: 0, availableMinor: 900 });
      const before = await snapshot(handle);
      expect(await seat(licence.licenceId, PEERS[1], T0 + SESSION_MS + GRACE_MS + 2)).toEqual({ outcome: 'licence-closed' });
      expect(await seat(licence.licenceId, PEERS[0], T0 + SESSION_MS + GRACE_MS + 2)).toEqual({ outcome: 'licence-closed' });
      expect(await snapshot(handle)).toEqual(before);
      expect(await ledger.checkInvariants(T0 + SESSION_MS + GRACE_MS + 2)).toEqual([]);
    });

    it('closes an unswept licence when a notice arrives after its settlement time, so the answer never changes', async () => {
      const { ledger, handle } = store();
      await enrolPeers(handle.db);
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 2, 'per-reception');
      expect(await seat(licence.licenceId, PEERS[0], T0 + SESSION_MS + GRACE_MS + 1)).toEqual({ outcome: 'licence-closed' });
      expect(await ledger.getLicence(licence.licenceId)).toMatchObject({ state: 'settled', heldMinor: 0 });
      expect(await ledger.checkInvariants(T0 + SESSION_MS + GRACE_MS + 1)).toEqual([]);
    });

    it('the invariants checker notices a seat charged without its seat row, and a licence hold its balance does not cover', async () => {
      const { ledger, handle } = store();
      await enrolPeers(handle.db);
      await fund(ledger, 'alice', 1000);
      const licence = await granted('alice', 3, 'per-reception');
      await seat(licence.licenceId, PEERS[0], T0 + 1);
      expect(await ledger.checkInvariants(T0 + 1)).toEqual([]);
      await handle.db.deleteFrom('seat_charges').execute();
      const rules = (await ledger.checkInvariants(T0 + 1)).map((v) => v.rule);
      expect(rules).toEqual(expect.arrayContaining(['seats-charged-exactly-once', 'seat-charge-amounts']));
      // A hold larger than the balance (written behind the ledger's back) is reported.
      await handle.db.updateTable('accounts').set({ balance_minor: 100 }).where('id', '=', 'user:alice').execute();
      await handle.db.updateTable('accounts').set({ balance_minor: -100 }).where('id', '=', 'adjustments').execute();
      expect((await ledger.checkInvariants(T0 + 1)).map((v) => v.rule)).toContain('holds-covered');
    });

    it('refuses bad licence arguments with the field named and changes nothing', async () => {
      const { ledger, handle } = store();
      await fund(ledger, 'alice', 1000);
      const before = await snapshot(handle);
      const bad = async (path: string, kind: 'invalid-argument' | 'out-of-range', overrides: object) => {
        const error = await expectKind(() => ledger.placeLicenceHold({ ...licenceFor('alice', 2, 'per-reception', T0), ...overrides }), kind);
        expect(error.path).toBe(path);
      };
      await bad('seats', 'out-of-range', { seats: 0 });
      await bad('seats', 'out-of-range', { seats: 65 });
      await bad('billing', 'invalid-argument', { billing: 'monthly' });
      await bad('seatPriceMinor', 'out-of-range', { seatPriceMinor: -1 });
      await bad('licenceId', 'invalid-argument', { licenceId: 'nope' });
      await bad('partHash', 'out-of-range', { partHash: new Uint8Array(31) });
      await bad('exp', 'out-of-range', { exp: T0 - 1 });
      await bad('settleAt', 'out-of-range', { settleAt: T0 });
      await bad('hostDeviceId', 'invalid-argument', { hostDeviceId: deviceOf('bob') });
      await bad('partId', 'invalid-argument', { partId: 'no-such-part' });
      await expectKind(() => ledger.chargeSeat({ licenceId: 'x', peerDeviceId: 'peer-0', notice: new Uint8Array(1), nowMs: T0 }), 'invalid-argument');
      await expectKind(() => ledger.chargeSeat({ licenceId: 'f'.repeat(32), peerDeviceId: 'peer-0', notice: new Uint8Array(0), nowMs: T0 }), 'out-of-range');
      await expectKind(() => ledger.captureLicence({ licenceId: 'f'.repeat(32), deviceId: 'hh alice', userId: 'alice', receipt: new Uint8Array(1), nowMs: T0 }), 'invalid-argument');
      expect(await snapshot(handle)).toEqual(before);
    });
  });
}
