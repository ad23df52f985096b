/**
 * Bad arguments [DESIGN "Invariants": malformed input gets a clear typed error and changes no
 * state]: every entry point throws a FairwayError naming the field, before touching anything.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../../sdk/errors.js';
import { expectKind } from '../../support/expect-fairway.js';
import type { OpenFresh } from '../db/test-databases.js';
import { deviceOf, fund, holdFor, nextTransferId, PARTS, receiptFor, snapshot, T0 } from './fixtures.js';
import { useTestStore } from './ledger-suite.js';

const part = PARTS[0]!;
const sponsored = PARTS[2]!;

export function describeBadInput(name: string, openFresh: OpenFresh): void {
  describe(`ledger refuses bad input on ${name}`, () => {
    const store = useTestStore(openFresh);

    /** Runs `call`, expects the error kind and field, and checks the database did not change. */
    const refused = async (kind: ErrorKind, path: string | undefined, call: () => Promise<unknown>) => {
      const before = await snapshot(store().handle);
      const error = await expectKind(call, kind);
      if (path !== undefined) expect(error.path).toBe(path);
      expect(await snapshot(store().handle)).toEqual(before);
    };

    it('refuses bad holds: money, ids, unknown user, device or part, inconsistent prices', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const hold = (overrides: object) => () => ledger.placeHold({ ...holdFor('alice', part, T0), ...overrides });
      await refused('out-of-range', 'priceMinor', hold({ priceMinor: -1 }));
      await refused('invalid-argument', 'priceMinor', hold({ priceMinor: 1.5 }));
      await refused('invalid-argument', 'priceMinor', hold({ priceMinor: '500' }));
      await refused('invalid-argument', 'priceMinor', hold({ priceMinor: Number.NaN }));
      await refused('out-of-range', 'listPriceMinor', hold({ listPriceMinor: 1e12 + 1 }));
      await refused('out-of-range', 'priceMinor', hold({ priceMinor: 501 }));
      await refused('invalid-argument', 'sponsorPaysMinor', () => ledger.placeHold({ ...holdFor('alice', PARTS[1]!, T0), sponsorPaysMinor: 1 }));
      await refused('out-of-range', 'sponsorPaysMinor', () => ledger.placeHold({ ...holdFor('alice', sponsored, T0), sponsorPaysMinor: 1 }));
      await refused('out-of-range', 'holdUntil', hold({ holdUntil: T0 - 1 }));
      await refused('invalid-argument', 'nowMs', hold({ nowMs: undefined }));
      await refused('invalid-argument', 'transferId', hold({ transferId: 'ABC' }));
      await refused('invalid-argument', 'userId', hold({ userId: 'no spaces allowed' }));
      await refused('invalid-argument', 'userId', hold({ userId: 'nobody' }));
      await refused('invalid-argument', 'deviceId', hold({ deviceId: deviceOf('bob') }));
      await refused('invalid-argument', 'partId', hold({ partId: 'no-such-part' }));
      await refused('out-of-range', 'provider', hold({ provider: '' }));
      await refused('invalid-argument', undefined, () => ledger.placeHold(null as never));
    });

    it('refuses a transfer id already minted for another offer', async () => {
      const { ledger } = store();
      await fund(ledger, 'alice', 1000);
      const first = await ledger.placeHold(holdFor('alice', part, T0));
      if (!first.ok) throw new Error('hold refused');
      await refused('invalid-argument', 'transferId', () => ledger.placeHold({ ...holdFor('alice', PARTS[1]!, T0), transferId: first.transfer.transferId }));
    });

    it('refuses bad captures, releases and sweeps', async () => {
      const { ledger } = store();
      const capture = (overrides: object) => () =>
        ledger.capture({ transferId: nextTransferId(), deviceId: deviceOf('alice'), userId: 'alice', receipt: receiptFor('x'), nowMs: T0, ...overrides });
      await refused('out-of-range', 'receipt', capture({ receipt: new Uint8Array(0) }));
      await refused('out-of-range', 'receipt', capture({ receipt: new Uint8Array(4097) }));
      await refused('invalid-argument', 'receipt', capture({ receipt: 'bytes' }));
      await refused('out-of-range', 'nowMs', capture({ nowMs: -1 }));
      await refused('invalid-argument', 'transferId', capture({ transferId: 'x'.repeat(32) }));
      await refused('invalid-argument', 'transferId', () => ledger.release('nope', 'cancelled', T0));
      await refused('out-of-range', 'reason', () => ledger.release(nextTransferId(), '', T0));
      await refused('invalid-argument', 'nowMs', () => ledger.releaseExpired(1.25));
    });

    it('refuses bad card requests, card batches and adjustments', async () => {
      const { ledger } = store();
      await refused('invalid-argument', 'userId', () => ledger.redeemCard({ cardId: 'PC-0000-0000', password: '1', userId: 'nobody', nowMs: T0 }));
      await refused('invalid-argument', 'password', () => ledger.redeemCard({ cardId: 'PC-0000-0000', password: 7 as never, userId: 'alice', nowMs: T0 }));
      await refused('out-of-range', 'count', () => ledger.issueCards({ count: 0, valueMinor: 100, batch: 'b', nowMs: T0 }));
      await refused('out-of-range', 'valueMinor', () => ledger.issueCards({ count: 1, valueMinor: 0, batch: 'b', nowMs: T0 }));
      await refused('out-of-range', 'valueMinor', () => ledger.issueCards({ count: 1, valueMinor: -5, batch: 'b', nowMs: T0 }));
      await refused('invalid-argument', 'valueMinor', () => ledger.issueCards({ count: 1, valueMinor: 9.99, batch: 'b', nowMs: T0 }));
      const adjust = (overrides: object) => () => ledger.adjustBalance({ userId: 'alice', amountMinor: 100, reason: 'r', actor: 'op', nowMs: T0, ...overrides });
      await refused('out-of-range', 'amountMinor', adjust({ amountMinor: 0 }));
      await refused('invalid-argument', 'amountMinor', adjust({ amountMinor: 0.5 }));
      await refused('out-of-range', 'amountMinor', adjust({ amountMinor: -(1e12 + 1) }));
      await refused('out-of-range', 'amountMinor', adjust({ amountMinor: -1 }));
      await refused('invalid-argument', 'userId', adjust({ userId: 'nobody' }));
      await refused('out-of-range', 'reason', adjust({ reason: '' }));
      await refused('invalid-argument', 'requestId', adjust({ requestId: 'has space' }));
      await refused('invalid-argument', 'userId', () => ledger.credit('nobody', T0));
    });
  });
}
