/** Holds, captures and releases [FW-4.4, FW-7.1, FW-8]: lifecycle, duplicates, expiry, races. */
import { describe, expect, it } from 'vitest';
import { chargeRef } from '../../../broker/ledger/index.js';
import type { OpenFresh } from '../db/test-databases.js';
import { deviceOf, fund, HOLD_MS, holdFor, nextTransferId, PARTS, PROVIDER, receiptFor, SPONSOR, T0, TITLE } from './fixtures.js';
import { useTestStore } from './ledger-suite.js';

const [h01, h02, h03] = [PARTS[0]!, PARTS[1]!, PARTS[2]!];

export function describeHoldsAndCharges(name: string, openFresh: OpenFresh): void {
  describe(`ledger holds and charges on ${name}`, () => {
    const store = useTestStore(openFresh);

    const placed = async (user: string, part = h01, nowMs = T0) => {
      const result = await store().ledger.placeHold(holdFor(user, part, nowMs));
      if (!result.ok) throw new Error(`hold refused: ${JSON.stringify(result)}`);
      return result.transfer;
    };
    const captureOf = (transferId: string, user: string, nowMs: number) =>
      store().ledger.capture({ transferId, deviceId: deviceOf(user), userId: user, receipt: receiptFor(transferId), nowMs });
    const chargeTxns = async (transferId: string) =>
      store().handle.db.selectFrom('ledger_txns').select('id').where('ref', '=', chargeRef(transferId)).execute();

    it('holds, captures once and books user, provider, use count and history', async () => {
      const { ledger, handle } = store();
      await fund(ledger, 'alice', 1000);
      const transfer = await placed('alice');
      expect(transfer).toMatchObject({ state: 'open', priceMinor: 500, holdUntil: T0 + HOLD_MS, receipt: null });
      expect(await ledger.credit('alice', T0)).toEqual({ balanceMinor: 1000, heldMinor: 500, availableMinor: 500 });
      expect(await ledger.findOpenTransfer(deviceOf('alice'), 'alice', h01.id, T0 + 10)).toEqual(transfer);

      const charged = await captureOf(transfer.transferId, 'alice', T0 + 1000);
      expect(charged).toEqual({ ok: true, transferId: transfer.transferId, partId: h01.id, priceMinor: 500, balanceMinor: 500, chargedAt: T0 + 1000, repeated: false });
      expect(await ledger.credit('alice', T0 + 1000)).toEqual({ balanceMinor: 500, heldMinor: 0, availableMinor: 500 });
      const after = await ledger.getTransfer(transfer.transferId);
      expect(after).toMatchObject({ state: 'charged', chargedAt: T0 + 1000 });
      expect(after?.receipt).toEqual(receiptFor(transfer.transferId));
      expect(await ledger.findOpenTransfer(deviceOf('alice'), 'alice', h01.id, T0 + 1000)).toBeUndefined();

      const lines = (await ledger.allPostings()).filter((p) => p.kind === 'charge');
      expect(lines.map((p) => [p.accountId, p.amountMinor])).toEqual([
        ['provider:acme', 500],
        ['user:alice', -500],
      ]);
      const part = await handle.db.selectFrom('parts').select('use_count').where('id', '=', h01.id).executeTakeFirstOrThrow();
      expect(part.use_count).toBe(1);
      const history = await handle.db.selectFrom('history').select(['user_id', 'title_id', 'part_id', 'kind', 'at']).execute();
      expect(history).toEqual([{ user_id: 'alice', title_id: TITLE, part_id: h01.id, kind: 'charge', at: T0 + 1000 }]);
      expect(await ledger.release(transfer.transferId, 'cancelled', T0 + 2000)).toBe('charged');
      expect(await ledger.checkInvariants(T0 + 2000)).toEqual([]);
    });

    it('answers a repeated offer for the same part with the same open transfer [FW-4.4.1]', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const first = await placed('alice');
      const again = await ledger.placeHold(holdFor('alice', h01, T0 + 5));
      expect(again).toEqual({ ok: true, transfer: first, created: false });
      const sameId = await ledger.placeHold({ ...holdFor('alice', h01, T0 + 6), transferId: first.transferId });
      expect(sameId).toEqual({ ok: true, transfer: first, created: false });
      expect(await ledger.credit('alice', T0 + 6)).toMatchObject({ heldMinor: 500 });
    });

    it('answers a duplicate capture with the first charge, balance included, and posts once', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const transfer = await placed('alice');
      const first = await captureOf(transfer.transferId, 'alice', T0 + 100);
      await fund(ledger, 'alice', 250, T0 + 200); // the balance moves on; the answer must not
      const second = await captureOf(transfer.transferId, 'alice', T0 + HOLD_MS + 5000); // even after the hold time
      expect(second).toEqual({ ...first, repeated: true });
      expect(await chargeTxns(transfer.transferId)).toHaveLength(1);
      expect((await ledger.credit('alice', T0 + 300)).balanceMinor).toBe(750);
      expect(await ledger.checkInvariants()).toEqual([]);
    });

    it('charges once when the same receipt arrives many times at once', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const transfer = await placed('alice');
      const results = await Promise.all(Array.from({ length: 6 }, () => captureOf(transfer.transferId, 'alice', T0 + 100)));
      expect(results.filter((r) => r.ok && !r.repeated)).toHaveLength(1);
      for (const r of results) expect(r).toMatchObject({ ok: true, balanceMinor: 500, chargedAt: T0 + 100 });
      expect(await chargeTxns(transfer.transferId)).toHaveLength(1);
      expect(await ledger.checkInvariants()).toEqual([]);
    });

    it('refuses a capture after the hold lapsed, posts nothing and releases the hold', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const transfer = await placed('alice');
      expect(await captureOf(transfer.transferId, 'alice', transfer.holdUntil + 1)).toEqual({ ok: false, code: 'hold-expired', partId: h01.id });
      expect(await ledger.getTransfer(transfer.transferId)).toMatchObject({ state: 'released', releaseReason: 'expired' });
      // Even with a clock that runs behind, a lapsed-and-released hold stays lapsed.
      expect(await captureOf(transfer.transferId, 'alice', T0 + 10)).toEqual({ ok: false, code: 'hold-expired', partId: h01.id });
      expect(await chargeTxns(transfer.transferId)).toHaveLength(0);
      expect(await ledger.credit('alice', transfer.holdUntil + 1)).toEqual({ balanceMinor: 1000, heldMinor: 0, availableMinor: 1000 });
      expect(await ledger.checkInvariants()).toEqual([]);
    });

    it('captures a group in one transaction with the same answers as one by one, repeats and refusals included', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 2000);
      await fund(ledger, 'bob', 1000);
      const a1 = await placed('alice', h01);
      const a3 = await placed('alice', h03); // sponsored: alice pays 200, fizzco 400
      const b1 = await placed('bob', h01);
      const lapsed = await placed('bob', h02, T0 - HOLD_MS);
      const earlier = await captureOf(b1.transferId, 'bob', T0 + 10);
      const at = T0 + 1000;
      const input = (transferId: string, user: string) => ({ transferId, deviceId: deviceOf(user), userId: user, receipt: receiptFor(transferId), nowMs: at });
      const results = await ledger.captureMany([
        input(a1.transferId, 'alice'),
        input(a3.transferId, 'alice'),
        input(a1.transferId, 'alice'), // the same receipt twice in one group
        input(b1.transferId, 'bob'), // charged before the group
        input(lapsed.transferId, 'bob'),
        input(nextTransferId(), 'bob'),
        input(a3.transferId, 'bob'), // alice's transfer named by bob
      ]);
      expect(results).toEqual([
        { ok: true, transferId: a1.transferId, partId: h01.id, priceMinor: 500, balanceMinor: 1500, chargedAt: at, repeated: false },
        { ok: true, transferId: a3.transferId, partId: h03.id, priceMinor: 200, balanceMinor: 1300, chargedAt: at, repeated: false },
        { ok: true, transferId: a1.transferId, partId: h01.id, priceMinor: 500, balanceMinor: 1500, chargedAt: at, repeated: true },
        { ...earlier, repeated: true },
        { ok: false, code: 'hold-expired', partId: h02.id },
        { ok: false, code: 'unknown-transfer' },
        { ok: false, code: 'unknown-transfer' },
      ]);
      for (const t of [a1, a3]) expect(await chargeTxns(t.transferId)).toHaveLength(1);
      expect(await ledger.getTransfer(lapsed.transferId)).toMatchObject({ state: 'released' });
      const sponsor = (await ledger.allPostings()).filter((p) => p.accountId === `sponsor:${SPONSOR}`);
      expect(sponsor.map((p) => p.amountMinor)).toEqual([-400]);
      // Each posting records the balance right after it, in the group's order.
      const alice = (await ledger.postingsOfUser('alice')).filter((p) => p.kind === 'charge');
      expect(alice.map((p) => p.balanceAfterMinor)).toEqual([1500, 1300]);
      expect(await ledger.captureMany([input(a1.transferId, 'alice')])).toEqual([results[2]]);
      expect(await ledger.checkInvariants(at)).toEqual([]);
    });

    it('checks the receipt against the offer under its locks [FW-8.3 #7]: a mismatch charges nothing, a charged transfer still answers its charge', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 2000);
      const a1 = await placed('alice', h01);
      const a2 = await placed('alice', h02);
      const partHash = new Uint8Array(32).fill(1); // seedStore: part i has hash fill(i + 1)
      const at = T0 + 10;
      const input = (transferId: string, offered: { partId: string; priceMinor: number; partHash: Uint8Array }) => ({
        transferId,
        deviceId: deviceOf('alice'),
        userId: 'alice',
        receipt: receiptFor(transferId),
        nowMs: at,
        offered,
      });
      const results = await ledger.captureMany([
        input(a1.transferId, { partId: h01.id, priceMinor: 500, partHash }),
        input(a2.transferId, { partId: h02.id, priceMinor: 300, partHash }), // h02's hash is fill(2)
        input(a2.transferId, { partId: h01.id, priceMinor: 300, partHash: new Uint8Array(32).fill(2) }),
        input(a2.transferId, { partId: h02.id, priceMinor: 299, partHash: new Uint8Array(32).fill(2) }),
      ]);
      expect(results).toEqual([
        { ok: true, transferId: a1.transferId, partId: h01.id, priceMinor: 500, balanceMinor: 1500, chargedAt: at, repeated: false },
        { ok: false, code: 'receipt-mismatch' },
        { ok: false, code: 'receipt-mismatch' },
        { ok: false, code: 'receipt-mismatch' },
      ]);
      expect(await ledger.getTransfer(a2.transferId)).toMatchObject({ state: 'open' });
      expect(await chargeTxns(a2.transferId)).toHaveLength(0);
      // Once charged, the charge is the answer whatever the receipt claims [FW-8.3 #6 before #7].
      const wrong = await ledger.capture(input(a1.transferId, { partId: h02.id, priceMinor: 1, partHash }));
      expect(wrong).toEqual({ ...results[0], repeated: true });
      expect(await ledger.checkInvariants(at)).toEqual([]);
    });

    it('still captures at exactly holdUntil (the deadline is inclusive)', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const transfer = await placed('alice');
      expect(await captureOf(transfer.transferId, 'alice', transfer.holdUntil)).toMatchObject({ ok: true, balanceMinor: 500 });
    });

    it('answers unknown-transfer for an unknown id or another device or user', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const transfer = await placed('alice');
      expect(await captureOf(nextTransferId(), 'alice', T0)).toEqual({ ok: false, code: 'unknown-transfer' });
      expect(await captureOf(transfer.transferId, 'bob', T0)).toEqual({ ok: false, code: 'unknown-transfer' });
      const otherDevice = await ledger.capture({ transferId: transfer.transferId, deviceId: deviceOf('bob'), userId: 'alice', receipt: receiptFor('x'), nowMs: T0 });
      expect(otherDevice).toEqual({ ok: false, code: 'unknown-transfer' });
      expect(await ledger.capture({ transferId: transfer.transferId, deviceId: 'hh-nobody', userId: 'nobody', receipt: receiptFor('x'), nowMs: T0 })).toEqual({
        ok: false,
        code: 'unknown-transfer',
      });
      expect(await ledger.getTransfer(transfer.transferId)).toMatchObject({ state: 'open' });
    });

    it('refuses a hold beyond available credit with the available amount and the price', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 700);
      await placed('alice', h01); // 500 held, 200 available
      const refused = await ledger.placeHold(holdFor('alice', h02, T0));
      expect(refused).toEqual({ ok: false, code: 'insufficient-credit', availableMinor: 200, priceMinor: 300 });
      const nothing = await ledger.placeHold(holdFor('bob', h01, T0));
      expect(nothing).toEqual({ ok: false, code: 'insufficient-credit', availableMinor: 0, priceMinor: 500 });
      expect(await ledger.findOpenTransfer(deviceOf('alice'), 'alice', h02.id, T0)).toBeUndefined();
    });

    it('lets exactly one of two racing holds through when together they exceed the balance', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 700); // 500 + 300 > 700
      const results = await Promise.all([ledger.placeHold(holdFor('alice', h01, T0)), ledger.placeHold(holdFor('alice', h02, T0))]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.code === 'insufficient-credit')).toHaveLength(1);
      const credit = await ledger.credit('alice', T0);
      expect(credit.availableMinor).toBeGreaterThanOrEqual(0);
      expect(await ledger.checkInvariants(T0)).toEqual([]);
    });

    it('never over-commits under many racing holds of one user', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      // Racing offers for three parts and repeats of them: 500 + 300 + 200 fit exactly once;
      // a repeat is the same offer [FW-4.4.1], never a second hold.
      const attempts = [h01, h02, h03, h01, h02, h03, h01, h02].map((p, i) => ledger.placeHold(holdFor('alice', p, T0 + i)));
      const results = await Promise.all(attempts);
      const created = results.filter((r) => r.ok && r.created);
      expect(created).toHaveLength(3);
      expect((await ledger.credit('alice', T0 + 10)).availableMinor).toBe(0);
      expect(await ledger.checkInvariants(T0 + 10)).toEqual([]);
    });

    it('releases idempotently, frees the credit, and a released hold cannot be captured', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 500);
      const transfer = await placed('alice');
      expect(await ledger.release(transfer.transferId, 'cancelled', T0 + 1)).toBe('released');
      expect(await ledger.release(transfer.transferId, 'cancelled', T0 + 2)).toBe('already-released');
      expect(await ledger.release(nextTransferId(), 'cancelled', T0 + 2)).toBe('unknown');
      expect(await ledger.availableCredit('alice', T0 + 2)).toBe(500);
      expect(await captureOf(transfer.transferId, 'alice', T0 + 3)).toEqual({ ok: false, code: 'hold-expired', partId: h01.id });
      const next = await ledger.placeHold(holdFor('alice', h01, T0 + 4));
      expect(next).toMatchObject({ ok: true, created: true });
    });

    it('sweeps lapsed holds with releaseExpired and counts them', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 2000);
      const a = await placed('alice', h01, T0);
      await placed('alice', h02, T0 + 1000);
      expect(await ledger.releaseExpired(a.holdUntil)).toBe(0); // inclusive deadline: not lapsed yet
      expect(await ledger.releaseExpired(a.holdUntil + 1)).toBe(1);
      expect(await ledger.releaseExpired(a.holdUntil + 1)).toBe(0);
      expect(await ledger.releaseExpired(T0 + 1000 + HOLD_MS + 1)).toBe(1);
      expect(await ledger.credit('alice', T0 + 2 * HOLD_MS)).toEqual({ balanceMinor: 2000, heldMinor: 0, availableMinor: 2000 });
    });

    it('cancels an offer [FW-4.4.6]: idempotent, refuses charged and foreign transfers', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const open = await placed('alice', h01);
      const cancel = (transferId: string, user = 'alice') => ledger.cancelOffer({ transferId, deviceId: deviceOf(user), userId: user, nowMs: T0 + 5 });
      expect(await cancel(open.transferId, 'bob')).toEqual({ ok: false, code: 'unknown-transfer' });
      expect(await cancel(open.transferId)).toEqual({ ok: true, availableMinor: 1000 });
      expect(await cancel(open.transferId)).toEqual({ ok: true, availableMinor: 1000 });
      const other = await placed('alice', h02);
      await captureOf(other.transferId, 'alice', T0 + 1);
      expect(await cancel(other.transferId)).toEqual({ ok: false, code: 'unknown-transfer' });
    });

    it('makes the sponsor pay the difference on a sponsored part [FW-4.4.2]', async () => {
      const { ledger } = store();
      await fund(ledger, 'bob', 200);
      const transfer = await placed('bob', h03);
      expect(transfer).toMatchObject({ sponsor: SPONSOR, sponsorPaysMinor: 400, priceMinor: 200, listPriceMinor: 600 });
      expect(await captureOf(transfer.transferId, 'bob', T0 + 1)).toMatchObject({ ok: true, balanceMinor: 0, priceMinor: 200 });
      const charge = (await ledger.allPostings()).filter((p) => p.ref === chargeRef(transfer.transferId));
      expect(Object.fromEntries(charge.map((p) => [p.accountId, p.amountMinor]))).toEqual({
        [`provider:${PROVIDER}`]: 600,
        [`sponsor:${SPONSOR}`]: -400,
        'user:bob': -200,
      });
      expect(await ledger.checkInvariants()).toEqual([]);
    });

    it('gives the same answer after a store restart', async () => {
      const s = store();
      await fund(s.ledger, 'alice', 1000);
      const transfer = await placed('alice');
      const first = await captureOf(transfer.transferId, 'alice', T0 + 1);
      await s.restart();
      expect(await captureOf(transfer.transferId, 'alice', T0 + 2)).toEqual({ ...first, repeated: true });
      expect(await store().ledger.checkInvariants()).toEqual([]);
    });
  });
}
