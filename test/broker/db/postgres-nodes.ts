/**
 * PostgreSQL-only: several broker nodes share one database, each with its own pool. Row
 * locks, not the process, must keep money safe, and migrations must run once when nodes
 * start together. (SQLite is one broker process per file: see broker/db/sqlite.ts.)
 */
import { describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { migrateToLatest } from '../../../broker/db/index.js';
import { Ledger } from '../../../broker/ledger/index.js';
import { deviceOf, fund, holdFor, PARTS, receiptFor, seedStore, T0 } from '../ledger/fixtures.js';
import type { OpenFresh } from './test-databases.js';

export function describePostgresNodes(openFresh: OpenFresh): void {
  describe('PostgreSQL with several broker nodes', () => {
    it('migrates once when several nodes start at the same moment', async () => {
      const fresh = await openFresh();
      const nodes = [fresh.open(), fresh.open(), fresh.open()];
      try {
        const applied = await Promise.all(nodes.map((n) => migrateToLatest(n)));
        expect(applied.flat()).toEqual(['0001-initial', '0002-seat-licences', '0003-cluster', '0004-login-tickets']);
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
    });

    it('keeps holds, charges and redemptions exactly-once across nodes', async () => {
      const fresh = await openFresh();
      const handles = [fresh.open(), fresh.open(), fresh.open()];
      try {
        await migrateToLatest(handles[0]!);
        await seedStore(handles[0]!.db);
        const nodes = handles.map((h) => new Ledger(h, { passwordParams: FAST_TEST_PARAMS }));
        const [a, b, c] = nodes as [Ledger, Ledger, Ledger];
        await fund(a, 'alice', 700);

        // Three nodes offer alice parts costing 500, 300 and 200 against 700 of credit.
        const holds = await Promise.all(nodes.map((node, i) => node.placeHold(holdFor('alice', PARTS[i]!, T0))));
        const placed = holds.filter((h) => h.ok);
        const heldMinor = placed.reduce((sum, h) => sum + (h.ok ? h.transfer.priceMinor : 0), 0);
        expect(heldMinor).toBeLessThanOrEqual(700);
        expect((await b.credit('alice', T0)).availableMinor).toBe(700 - heldMinor);

        // The same receipt reaches every node at once: one charge.
        const transfer = placed[0]!.ok ? placed[0]!.transfer : undefined;
        const captures = await Promise.all(
          nodes.map((node) =>
            node.capture({ transferId: transfer!.transferId, deviceId: deviceOf('alice'), userId: 'alice', receipt: receiptFor('r'), nowMs: T0 + 1 }),
          ),
        );
        expect(captures.filter((r) => r.ok && !r.repeated)).toHaveLength(1);
        expect(new Set(captures.map((r) => (r.ok ? r.balanceMinor : -1))).size).toBe(1);

        // One card, three users, three nodes: credited once.
        const [card] = await c.issueCards({ count: 1, valueMinor: 400, batch: 'nodes', nowMs: T0 });
        const users = ['alice', 'bob', 'carol'];
        const redemptions = await Promise.all(nodes.map((node, i) => node.redeemCard({ cardId: card!.id, password: card!.password, userId: users[i]!, nowMs: T0 + 2 })));
        expect(redemptions.filter((r) => r.ok)).toHaveLength(1);
        expect(redemptions.filter((r) => !r.ok && r.code === 'card-used')).toHaveLength(2);

        expect(await a.checkInvariants(T0 + 2)).toEqual([]);
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    });
  });
}
