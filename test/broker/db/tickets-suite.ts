/**
 * Resumption tickets' contract [FW-4.2.4–FW-4.2.6], run against every engine
 * (test/broker/tickets.test.ts): issue, resume and rotation, expiry, revocation, a ticket
 * shown on another device, replay, and two resumes of one ticket racing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { migrateToLatest, type DatabaseHandle } from '../../../broker/db/index.js';
import { enrolTerminal, revokeTerminal } from '../../../broker/directory/terminals.js';
import { issueTicket, resumeTicket, revokeTicketsOf, TICKET_LIFETIME_MS } from '../../../broker/directory/tickets.js';
import { addUser, changePassword } from '../../../broker/directory/users.js';
import type { Kysely } from 'kysely';
import type { Schema } from '../../../broker/db/schema.js';
import { crypto } from '../../support/keys.js';
import type { OpenFresh } from './test-databases.js';

const T0 = 1_795_000_000_000;
const key = (n: number) => new Uint8Array(32).fill(n);

export function describeTickets(name: string, openFresh: OpenFresh): void {
  describe(`login tickets on ${name}`, () => {
    let handle: DatabaseHandle | undefined;
    afterEach(async () => {
      await handle?.close();
      handle = undefined;
    });

    /** ann has hh-ann and hh-ann2; bob has hh-bob. */
    async function seeded(): Promise<Kysely<Schema>> {
      handle = (await openFresh()).open();
      await migrateToLatest(handle);
      const { db } = handle;
      for (const user of ['ann', 'bob']) await addUser(db, { id: user, password: `${user}-pw` }, T0, FAST_TEST_PARAMS);
      await enrolTerminal(db, { deviceId: 'hh-ann', userId: 'ann', publicKey: key(1) }, T0);
      await enrolTerminal(db, { deviceId: 'hh-ann2', userId: 'ann', publicKey: key(2) }, T0);
      await enrolTerminal(db, { deviceId: 'hh-bob', userId: 'bob', publicKey: key(3) }, T0);
      return db;
    }
    const ann = { deviceId: 'hh-ann', userId: 'ann' };
    const resume = (db: Kysely<Schema>, ticket: Uint8Array, nowMs = T0 + 1_000, deviceId = 'hh-ann', userId = 'ann') => resumeTicket(db, { ticket, deviceId, userId }, nowMs, crypto);

    it('issues 32 random bytes that resume once, and stores only their SHA-256', async () => {
      const db = await seeded();
      const first = await issueTicket(db, ann, T0, crypto);
      expect(first.ticket).toHaveLength(32);
      expect(first.expiresAtMs).toBe(T0 + TICKET_LIFETIME_MS);
      const rows = await db.selectFrom('login_tickets').selectAll().execute();
      expect(rows).toHaveLength(1);
      const h = crypto.sha256();
      h.update(first.ticket);
      expect(new Uint8Array(rows[0]!.hash)).toEqual(h.digest());
      expect(rows[0]).toMatchObject({ device_id: 'hh-ann', user_id: 'ann', issued_at: T0, expires_at: T0 + TICKET_LIFETIME_MS, used_at: null });

      expect(await resume(db, first.ticket)).toEqual({ userId: 'ann' });
      // Rotation: the login that used it gets the next one, which resumes in turn.
      const second = await issueTicket(db, ann, T0 + 1_000, crypto);
      expect(second.ticket).not.toEqual(first.ticket);
      expect(await resume(db, second.ticket, T0 + 2_000)).toEqual({ userId: 'ann' });
    });

    it('refuses an unknown ticket and one that expired (at its expiry exactly), without consuming the latter', async () => {
      const db = await seeded();
      expect(await resume(db, key(9))).toEqual({ refused: 'unknown' });
      expect(await resume(db, new Uint8Array(31))).toEqual({ refused: 'unknown' });
      const { ticket, expiresAtMs } = await issueTicket(db, ann, T0, crypto);
      expect(await resume(db, ticket, expiresAtMs)).toEqual({ refused: 'expired' });
      expect(await db.selectFrom('login_tickets').select('used_at').executeTakeFirst()).toEqual({ used_at: null });
      expect(await resume(db, ticket, expiresAtMs - 1)).toEqual({ userId: 'ann' });
    });

    it('drops a device’s expired rows when it is issued a new ticket', async () => {
      const db = await seeded();
      await issueTicket(db, ann, T0, crypto);
      await issueTicket(db, { deviceId: 'hh-bob', userId: 'bob' }, T0, crypto);
      await issueTicket(db, ann, T0 + TICKET_LIFETIME_MS, crypto);
      const rows = await db.selectFrom('login_tickets').select(['device_id', 'issued_at']).orderBy('device_id').execute();
      expect(rows).toEqual([
        { device_id: 'hh-ann', issued_at: T0 + TICKET_LIFETIME_MS },
        { device_id: 'hh-bob', issued_at: T0 },
      ]);
    });

    it('revokes a terminal’s tickets with the terminal, and a user’s with a password change', async () => {
      const db = await seeded();
      const onAnn = await issueTicket(db, ann, T0, crypto);
      const onAnn2 = await issueTicket(db, { deviceId: 'hh-ann2', userId: 'ann' }, T0, crypto);
      const onBob = await issueTicket(db, { deviceId: 'hh-bob', userId: 'bob' }, T0, crypto);
      await revokeTerminal(db, 'hh-ann', T0 + 500);
      expect(await resume(db, onAnn.ticket)).toEqual({ refused: 'unknown' });
      const again = await issueTicket(db, { deviceId: 'hh-ann2', userId: 'ann' }, T0, crypto);
      expect(await changePassword(db, 'ann', 'new-pw', FAST_TEST_PARAMS)).toEqual({ ticketsRevoked: 2 });
      expect(await resume(db, onAnn2.ticket, T0 + 1_000, 'hh-ann2')).toEqual({ refused: 'unknown' });
      expect(await resume(db, again.ticket, T0 + 1_000, 'hh-ann2')).toEqual({ refused: 'unknown' });
      // Nobody else's tickets are touched.
      expect(await resume(db, onBob.ticket, T0 + 1_000, 'hh-bob', 'bob')).toEqual({ userId: 'bob' });
      expect(await revokeTicketsOf(db, { userId: 'bob' })).toBe(1);
    });

    it('refuses a password change for an unknown user or to an empty password, changing nothing', async () => {
      const db = await seeded();
      const { ticket } = await issueTicket(db, ann, T0, crypto);
      await expect(changePassword(db, 'nobody', 'pw', FAST_TEST_PARAMS)).rejects.toMatchObject({ code: 'unknown-user' });
      await expect(changePassword(db, 'ann', '', FAST_TEST_PARAMS)).rejects.toMatchObject({ code: 'invalid-argument' });
      expect(await resume(db, ticket)).toEqual({ userId: 'ann' });
    });

    it('refuses a ticket shown on another device’s connection or for another user, and leaves it to its owner', async () => {
      const db = await seeded();
      const { ticket } = await issueTicket(db, ann, T0, crypto);
      expect(await resume(db, ticket, T0 + 1_000, 'hh-bob', 'ann')).toEqual({ refused: 'other-device' });
      expect(await resume(db, ticket, T0 + 1_000, 'hh-bob', 'bob')).toEqual({ refused: 'other-device' });
      expect(await resume(db, ticket, T0 + 1_000, 'hh-ann', 'bob')).toEqual({ refused: 'other-user' });
      expect(await db.selectFrom('login_tickets').select('used_at').executeTakeFirst()).toEqual({ used_at: null });
      expect(await resume(db, ticket)).toEqual({ userId: 'ann' });
    });

    it('treats a used ticket shown again as a replay: refused, and the device’s newer tickets are revoked', async () => {
      const db = await seeded();
      const stolen = await issueTicket(db, ann, T0, crypto);
      const elsewhere = await issueTicket(db, { deviceId: 'hh-ann2', userId: 'ann' }, T0, crypto);
      // The thief (with a clone of the device key) uses it first and gets the next ticket…
      expect(await resume(db, stolen.ticket)).toEqual({ userId: 'ann' });
      const thiefs = await issueTicket(db, ann, T0 + 1_000, crypto);
      // …then the real terminal shows the same one: both lose, and the password decides.
      expect(await resume(db, stolen.ticket, T0 + 2_000)).toEqual({ refused: 'used' });
      expect(await resume(db, thiefs.ticket, T0 + 3_000)).toEqual({ refused: 'unknown' });
      // Another device of the same user keeps its ticket.
      expect(await resume(db, elsewhere.ticket, T0 + 3_000, 'hh-ann2')).toEqual({ userId: 'ann' });
    });

    it('lets exactly one of two racing resumes of one ticket through, each rotating in a transaction as the login does', async () => {
      const db = await seeded();
      for (let round = 0; round < 10; round++) {
        const { ticket } = await issueTicket(db, ann, T0 + round, crypto);
        const login = () =>
          db.transaction().execute(async (trx) => {
            const outcome = await resumeTicket(trx, { ticket, deviceId: 'hh-ann', userId: 'ann' }, T0 + round + 1, crypto);
            // The winner holds its row lock a while, so on PostgreSQL the loser's UPDATE is
            // certainly waiting on it (not merely running after the commit).
            if ('userId' in outcome) await new Promise((r) => setTimeout(r, 20));
            if ('userId' in outcome) await issueTicket(trx, ann, T0 + round + 1, crypto);
            return outcome;
          });
        const outcomes = await Promise.all([login(), login()]);
        expect(outcomes.filter((o) => 'userId' in o)).toHaveLength(1);
        expect(outcomes.filter((o) => 'refused' in o)).toEqual([{ refused: 'used' }]);
      }
    });
  });
}
