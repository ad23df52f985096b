/**
 * PostgreSQL-only: a capture group costs a fixed number of statements (round trips), however
 * many receipts it carries [issue 11]. Counted with the handle's Kysely query log, which sees
 * every statement the ledger sends through it, BEGIN and COMMIT included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { migrateToLatest, type DatabaseHandle } from '../../../broker/db/index.js';
import { Ledger, type CaptureInput, type CaptureResult } from '../../../broker/ledger/index.js';
import { deviceOf, fund, HOLD_MS, holdFor, nextTransferId, PROVIDER, receiptFor, seedStore, SPONSOR, T0, TITLE, USERS, type TestPart } from '../ledger/fixtures.js';
import type { OpenFresh } from './test-databases.js';

/** BEGIN, lock users and transfers, read the repeats' charges (every group here has one), write, COMMIT. */
const MAX_STATEMENTS_PER_GROUP = 5;

/** Parts enough for groups of 63 holds over three users (one open hold per device and part), half of them sponsored. */
const EXTRA_PARTS: TestPart[] = Array.from({ length: 40 }, (_, i) => ({ id: `extra-${i}`, listPriceMinor: 10 + i, priceMinor: i % 2 === 0 ? 10 + i : 5, ...(i % 2 === 0 ? {} : { sponsor: SPONSOR }) }));

export function describePostgresCaptureGroups(openFresh: OpenFresh): void {
  describe('PostgreSQL capture groups', () => {
    let handle: DatabaseHandle | undefined;
    afterEach(async () => {
      await handle?.close();
      handle = undefined;
    });

    it(`captures a group with at most ${MAX_STATEMENTS_PER_GROUP} statements whatever its size, repeats, refusals and sponsors included`, async () => {
      let statements = 0;
      let counting = false;
      handle = (await openFresh()).open({ log: () => void (counting && statements++) });
      const countStatements = async (work: () => Promise<unknown>): Promise<number> => {
        [statements, counting] = [0, true];
        try {
          await work();
        } finally {
          counting = false;
        }
        return statements;
      };
      await migrateToLatest(handle);
      await seedStore(handle.db);
      await handle.db
        .insertInto('parts')
        .values(EXTRA_PARTS.map((p, i) => ({ id: p.id, title_id: TITLE, seq: 10 + i, next_id: null, base_id: null, size_bytes: 1, chunk_bytes: 1, part_hash: new Uint8Array(32).fill(9), manifest: new Uint8Array([0xd2]), content_hash: 'x', list_price_minor: p.listPriceMinor, advert_price_minor: null, sponsor: p.sponsor ?? null, advert_title_id: null })))
        .execute();
      const ledger = new Ledger(handle, { passwordParams: FAST_TEST_PARAMS });
      for (const user of USERS) await fund(ledger, user, 100_000);

      let nextPart = 0;
      const group = async (size: number, at: number): Promise<CaptureInput[]> => {
        const inputs: CaptureInput[] = [];
        for (let i = 0; i < size; i++) {
          const user = USERS[i % USERS.length]!;
          const part = EXTRA_PARTS[Math.floor(nextPart++ / USERS.length) % EXTRA_PARTS.length]!;
          const held = await ledger.placeHold(holdFor(user, part, at));
          if (!held.ok || !held.created) throw new Error(`no new hold for ${user} and ${part.id}`);
          inputs.push({ transferId: held.transfer.transferId, deviceId: deviceOf(user), userId: user, receipt: receiptFor(held.transfer.transferId), nowMs: at + 1 });
        }
        return inputs;
      };

      // With every group: a receipt charged before it (a repeat), one whose hold lapsed (released
      // by the group), one of nobody's, the same receipt twice, and one naming another offer.
      const counts: number[] = [];
      for (const [round, size] of [1, 6, 30, 60].entries()) {
        const at = T0 + round * 10 * HOLD_MS;
        const [charged, lapsed, wrong, ...fresh] = await group(size + 3, at);
        await ledger.capture(charged!);
        const inputs: CaptureInput[] = [
          ...fresh,
          charged!,
          { ...lapsed!, nowMs: at + HOLD_MS + 1 },
          { ...fresh[0]!, transferId: nextTransferId() },
          fresh[0]!,
          { ...wrong!, offered: { partId: 'golf-h01', priceMinor: 1, partHash: new Uint8Array(32) } },
        ];
        let results: CaptureResult[] = [];
        counts.push(await countStatements(async () => (results = await ledger.captureMany(inputs))));
        expect(results.slice(0, size).every((r) => r.ok && !r.repeated), `size ${size}`).toBe(true);
        expect(results.slice(size)).toMatchObject([
          { ok: true, repeated: true },
          { ok: false, code: 'hold-expired' },
          { ok: false, code: 'unknown-transfer' },
          { ...results[0], repeated: true },
          { ok: false, code: 'receipt-mismatch' },
        ]);
        expect(await ledger.getTransfer(wrong!.transferId)).toMatchObject({ state: 'open' });
        expect(await ledger.checkInvariants(at + 1)).toEqual([]);
      }
      for (const count of counts) expect(count).toBeLessThanOrEqual(MAX_STATEMENTS_PER_GROUP);
      expect(new Set(counts).size, `statements per group of 1, 6, 30, 60: ${counts.join(', ')}`).toBe(1);
      const provider = await handle.db.selectFrom('accounts').select('balance_minor').where('id', '=', `provider:${PROVIDER}`).executeTakeFirstOrThrow();
      expect(provider.balance_minor).toBeGreaterThan(0);
    });
  });
}
