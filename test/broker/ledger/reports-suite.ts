/** The operator's views: postings per user, per title and all; sales per title, part, provider. */
import { describe, expect, it } from 'vitest';
import type { OpenFresh } from '../db/test-databases.js';
import { deviceOf, fund, holdFor, PARTS, PROVIDER, receiptFor, T0, TITLE } from './fixtures.js';
import { useTestStore } from './ledger-suite.js';

export function describeReports(name: string, openFresh: OpenFresh): void {
  describe(`ledger reports on ${name}`, () => {
    const store = useTestStore(openFresh);

    /** alice buys h01 and h03 (sponsored), bob buys h01; carol's hold lapses. */
    const trade = async () => {
      const { ledger } = store();
      for (const user of ['alice', 'bob', 'carol']) await fund(ledger, user, 1000);
      const buys: [string, number][] = [
        ['alice', 0],
        ['alice', 2],
        ['bob', 0],
      ];
      let at = T0 + 10;
      for (const [user, index] of buys) {
        const hold = await ledger.placeHold(holdFor(user, PARTS[index]!, at++));
        if (!hold.ok) throw new Error('hold refused');
        const transferId = hold.transfer.transferId;
        await ledger.capture({ transferId, deviceId: deviceOf(user), userId: user, receipt: receiptFor(transferId), nowMs: at++ });
      }
      await ledger.placeHold(holdFor('carol', PARTS[1]!, at));
    };

    it('lists postings per user in order, with the running balance', async () => {
      await trade();
      const lines = await store().ledger.postingsOfUser('alice');
      expect(lines.map((l) => [l.kind, l.amountMinor, l.balanceAfterMinor])).toEqual([
        ['adjust', 1000, 1000],
        ['charge', -500, 500],
        ['charge', -200, 300],
      ]);
      expect(lines[1]).toMatchObject({ accountId: 'user:alice', actor: 'device:hh-alice', memo: 'part golf-h01' });
      expect(lines[1]!.ref).toBe(`charge:${lines[1]!.transferId}`);
    });

    it('lists postings per title and pages through all postings by id', async () => {
      await trade();
      const { ledger } = store();
      const title = await ledger.postingsOfTitle(TITLE);
      expect(title.every((l) => l.kind === 'charge')).toBe(true);
      expect(title).toHaveLength(2 + 3 + 2); // h01: user+provider, h03: user+provider+sponsor, h01 again
      expect(title.reduce((sum, l) => sum + l.amountMinor, 0)).toBe(0);
      const all = await ledger.allPostings();
      const firstPage = await ledger.allPostings({ limit: 4 });
      const rest = await ledger.allPostings({ afterId: firstPage.at(-1)!.postingId });
      expect([...firstPage, ...rest]).toEqual(all);
    });

    it('sums sales per title, part and provider, splitting user and sponsor shares', async () => {
      await trade();
      const { ledger } = store();
      expect(await ledger.salesByTitle()).toEqual([{ key: TITLE, sales: 3, userPaidMinor: 1200, sponsorPaidMinor: 400, seats: 0, seatsMinor: 0, grossMinor: 1600 }]);
      expect(await ledger.salesByPart()).toEqual([
        { key: 'golf-h01', sales: 2, userPaidMinor: 1000, sponsorPaidMinor: 0, seats: 0, seatsMinor: 0, grossMinor: 1000 },
        { key: 'golf-h03', sales: 1, userPaidMinor: 200, sponsorPaidMinor: 400, seats: 0, seatsMinor: 0, grossMinor: 600 },
      ]);
      expect(await ledger.salesByProvider()).toEqual([{ key: PROVIDER, sales: 3, userPaidMinor: 1200, sponsorPaidMinor: 400, seats: 0, seatsMinor: 0, grossMinor: 1600 }]);
      expect(await ledger.salesByPart({ sinceMs: T0 + 1000 })).toEqual([]);
    });
  });
}
