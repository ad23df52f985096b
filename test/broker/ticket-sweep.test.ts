/**
 * The store's sweep deletes expired resumption tickets of every device — also of devices never
 * seen again, whose rows would otherwise stay — at most once a minute, and leaves live ones
 * [FW-4.2.4]. The sweep's interval is faked; the store, its database and its clock are real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it, vi } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { issueTicket, TICKET_LIFETIME_MS } from '../../broker/directory/tickets.js';
import { EXPIRY_SWEEP_MS } from '../../broker/service/store-service.js';
import { startStore } from '../../broker/store.js';
import { crypto } from '../support/keys.js';
import { twoTerminalWorld } from './support/two-terminals.js';

afterEach(() => vi.useRealTimers());

it('deletes every device’s expired tickets in its sweep, at most once a minute, and keeps the live ones', async () => {
  vi.useFakeTimers({ toFake: ['setInterval'] });
  const root = await mkdtemp(join(tmpdir(), 'fairway-ticket-sweep-'));
  let nowMs = Date.now();
  const store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS, clock: { wallMs: () => nowMs }, logger: pino({ level: 'silent' }) });
  try {
    await twoTerminalWorld(store, root, 16_384);
    const db = store.database.db;
    const rows = async () => (await db.selectFrom('login_tickets').select('device_id').orderBy('device_id').execute()).map((r) => r.device_id);
    const sweep = async () => {
      await vi.advanceTimersByTimeAsync(EXPIRY_SWEEP_MS);
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r)); // the sweep's statements
    };
    // ann's ticket was issued a lifetime ago and has just expired; bob's expires in 30 s.
    await issueTicket(db, { deviceId: 'hh-ann', userId: 'ann' }, nowMs - TICKET_LIFETIME_MS, crypto);
    await issueTicket(db, { deviceId: 'hh-bob', userId: 'bob' }, nowMs - TICKET_LIFETIME_MS + 30_000, crypto);
    await sweep();
    expect(await rows()).toEqual(['hh-bob']);

    // 40 s on, bob's has expired too, but within a minute of the last ticket sweep nothing is deleted.
    nowMs += 40_000;
    await sweep();
    expect(await rows()).toEqual(['hh-bob']);
    nowMs += 30_000;
    await sweep();
    expect(await rows()).toEqual([]);
  } finally {
    vi.useRealTimers();
    await store.close();
    await rm(root, { recursive: true, force: true });
  }
});
