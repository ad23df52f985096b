/** Prepaid cards [FW-4.5] and operator adjustments. */
import { describe, expect, it } from 'vitest';
import { redeemRef } from '../../../broker/ledger/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import type { OpenFresh } from '../db/test-databases.js';
import { fund, holdFor, PARTS, snapshot, T0 } from './fixtures.js';
import { useTestStore } from './ledger-suite.js';

export function describeCardsAndAdjustments(name: string, openFresh: OpenFresh): void {
  describe(`ledger prepaid cards on ${name}`, () => {
    const store = useTestStore(openFresh);
    const issue = (count = 1, valueMinor = 1000) => store().ledger.issueCards({ count, valueMinor, batch: 'B1', nowMs: T0 });
    const redeem = (cardId: string, password: string, userId: string, nowMs = T0 + 1) => store().ledger.redeemCard({ cardId, password, userId, nowMs });

    it('issues typeable cards whose passwords are stored only as hashes', async () => {
      const cards = await issue(3);
      expect(new Set(cards.map((c) => c.id)).size).toBe(3);
      for (const card of cards) {
        expect(card.id).toMatch(/^PC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
        expect(card.password).toMatch(/^[0-9]{4}-[0-9]{4}$/);
      }
      const rows = await store().handle.db.selectFrom('cards').select(['id', 'password_hash', 'value_minor', 'batch']).execute();
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row.password_hash).toMatch(/^scrypt\$/);
        expect(row).toMatchObject({ value_minor: 1000, batch: 'B1' });
      }
      const audit = await store().handle.db.selectFrom('audit').select(['action', 'subject']).execute();
      expect(audit).toEqual([{ action: 'issue-cards', subject: 'B1' }]);
    });

    it('redeems once; the same user again gets the original answer, another user card-used', async () => {
      const [card] = await issue();
      const first = await redeem(card!.id, card!.password, 'alice');
      expect(first).toEqual({ ok: true, cardId: card!.id, valueMinor: 1000, balanceMinor: 1000, repeated: false });
      await fund(store().ledger, 'alice', 50, T0 + 2);
      // Typed differently (lower case, no dash): still the same card and password.
      expect(await redeem(card!.id.toLowerCase(), card!.password.replace('-', ' '), 'alice', T0 + 3)).toEqual({ ...first, repeated: true });
      expect(await redeem(card!.id, card!.password, 'bob')).toEqual({ ok: false, code: 'card-used' });
      expect((await store().ledger.credit('alice', T0 + 4)).balanceMinor).toBe(1050);
      expect((await store().ledger.credit('bob', T0 + 4)).balanceMinor).toBe(0);
      expect(await store().ledger.checkInvariants()).toEqual([]);
    });

    it('refuses an unknown card and a wrong password with the same answer, changing nothing', async () => {
      const [card] = await issue();
      const before = await snapshot(store().handle);
      expect(await redeem(card!.id, '0000-0000' === card!.password ? '1111-1111' : '0000-0000', 'alice')).toEqual({ ok: false, code: 'card-refused' });
      expect(await redeem('PC-0000-0000', card!.password, 'alice')).toEqual({ ok: false, code: 'card-refused' });
      expect(await redeem('', '', 'alice')).toEqual({ ok: false, code: 'card-refused' });
      expect(await snapshot(store().handle)).toEqual(before);
    });

    it('credits once when two users redeem one card at the same moment', async () => {
      const [card] = await issue();
      const results = await Promise.all([redeem(card!.id, card!.password, 'alice'), redeem(card!.id, card!.password, 'bob')]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.code === 'card-used')).toHaveLength(1);
      const balances = await Promise.all(['alice', 'bob'].map(async (u) => (await store().ledger.credit(u, T0 + 2)).balanceMinor));
      expect(balances.sort()).toEqual([0, 1000]);
      const txns = await store().handle.db.selectFrom('ledger_txns').select('id').where('ref', '=', redeemRef(card!.id)).execute();
      expect(txns).toHaveLength(1);
      expect(await store().ledger.checkInvariants()).toEqual([]);
    });

    it('credits once when one user redeems one card several times at once', async () => {
      const [card] = await issue();
      const results = await Promise.all(Array.from({ length: 4 }, () => redeem(card!.id, card!.password, 'carol')));
      for (const r of results) expect(r).toMatchObject({ ok: true, valueMinor: 1000, balanceMinor: 1000 });
      expect(results.filter((r) => r.ok && !r.repeated)).toHaveLength(1);
      expect((await store().ledger.credit('carol', T0 + 2)).balanceMinor).toBe(1000);
    });

    it('lets a redeemed card pay for a part that was refused for lack of credit (top-up flow)', async () => {
      const [card] = await issue(1, 300);
      const part = PARTS[0]!;
      expect(await store().ledger.placeHold(holdFor('alice', part, T0))).toMatchObject({ ok: false, code: 'insufficient-credit', availableMinor: 0 });
      await fund(store().ledger, 'alice', 200);
      expect(await redeem(card!.id, card!.password, 'alice')).toMatchObject({ ok: true, balanceMinor: 500 });
      expect(await store().ledger.placeHold(holdFor('alice', part, T0 + 2))).toMatchObject({ ok: true, created: true });
    });
  });

  describe(`ledger adjustments on ${name}`, () => {
    const store = useTestStore(openFresh);
    const adjust = (amountMinor: number, extra: { requestId?: string; nowMs?: number } = {}) =>
      store().ledger.adjustBalance({ userId: 'alice', amountMinor, reason: 'goodwill', actor: 'op:eve', nowMs: extra.nowMs ?? T0, ...extra });

    it('credits and debits against the adjustments account and audits who and why', async () => {
      expect(await adjust(700)).toMatchObject({ balanceMinor: 700, repeated: false });
      expect(await adjust(-200, { nowMs: T0 + 1 })).toMatchObject({ balanceMinor: 500 });
      const accounts = await store().handle.db.selectFrom('accounts').select(['id', 'balance_minor']).where('id', 'in', ['adjustments', 'user:alice']).orderBy('id').execute();
      expect(accounts).toEqual([
        { id: 'adjustments', balance_minor: -500 },
        { id: 'user:alice', balance_minor: 500 },
      ]);
      const audit = await store().handle.db.selectFrom('audit').select(['actor', 'action', 'subject', 'detail']).orderBy('id').execute();
      expect(audit).toHaveLength(2);
      expect(audit[0]).toMatchObject({ actor: 'op:eve', action: 'adjust-balance', subject: 'user:alice' });
      expect(JSON.parse(audit[1]!.detail)).toMatchObject({ amountMinor: -200, reason: 'goodwill' });
      expect(await store().ledger.checkInvariants()).toEqual([]);
    });

    it('is idempotent per request id, and refuses a request id reused for another amount', async () => {
      const first = await adjust(300, { requestId: 'req-1' });
      expect(await adjust(300, { requestId: 'req-1', nowMs: T0 + 9 })).toEqual({ ...first, repeated: true });
      await expectKind(() => adjust(301, { requestId: 'req-1' }), 'invalid-argument');
      expect((await store().ledger.credit('alice', T0)).balanceMinor).toBe(300);
    });

    it('refuses to take a user below zero, or below what open holds reserve, changing nothing', async () => {
      await adjust(600);
      await expectKind(() => adjust(-601), 'out-of-range');
      expect(await store().ledger.placeHold(holdFor('alice', PARTS[0]!, T0))).toMatchObject({ ok: true });
      const before = await snapshot(store().handle);
      await expectKind(() => adjust(-101, { nowMs: T0 + 1 }), 'out-of-range');
      expect(await snapshot(store().handle)).toEqual(before);
      expect(await adjust(-100, { nowMs: T0 + 2 })).toMatchObject({ balanceMinor: 500 });
    });
  });
}
