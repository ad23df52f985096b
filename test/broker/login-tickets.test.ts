/**
 * Resumption tickets over real MQTT with a real store [FW-4.2.4–FW-4.2.6; issue 12 §1]: a
 * password login earns a ticket, the next connection logs in with it (no scrypt run), the
 * ticket rotates; both or neither proof is a bad request; a ticket on another device's
 * connection, a replayed one and a second of two racing logins are refused alike; refused
 * tickets count against the device in the login limiter; and the terminal runtime's session
 * logs in with its ticket after a drop, and with its password once the ticket is refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as password from '../../broker/auth/password.js';
import { LOGIN_GUESSES } from '../../broker/cluster/shared-state.js';
import { revokeTicketsOf } from '../../broker/directory/tickets.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser, changePassword } from '../../broker/directory/users.js';
import { startStore } from '../../broker/store.js';
import { NodeSigner, SystemClock, TcpLink } from '../../device/ports/node/index.js';
import { StoreSession } from '../../device/session/store-session.js';
import { encodeCbor } from '../../sdk/cbor/index.js';
import type { DownMessage } from '../../sdk/wire/index.js';
import { crypto } from '../support/keys.js';
import { startTestStore, type TestStore } from '../support/store-fixture.js';
import { TestTerminal } from '../support/terminal-client.js';
import { postgresFactory } from './db/test-databases.js';

// Every password check of the in-process store goes through these two (users' and cards'):
// counting their calls is how the tests below show that a ticket login runs no scrypt.
vi.mock('../../broker/auth/password.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../broker/auth/password.js')>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword), hashPassword: vi.fn(real.hashPassword) };
});
const scryptRuns = () => vi.mocked(password.verifyPassword).mock.calls.length + vi.mocked(password.hashPassword).mock.calls.length;

let store: TestStore;
const open: TestTerminal[] = [];
const signers = new Map<string, NodeSigner>();

beforeAll(async () => {
  store = await startTestStore();
  for (const user of ['ann', 'bob', 'cy', 'dee', 'eve', 'fay']) {
    await store.addUser(user, `${user}-pw`);
    signers.set(`hh-${user}`, await store.enrol(`hh-${user}`, user));
  }
});

afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined);
  await store?.close();
});

async function connect(deviceId: string): Promise<TestTerminal> {
  const t = await TestTerminal.connect(store.port, deviceId, signers.get(deviceId)!);
  open.push(t);
  return t;
}

/** `refusal:ticket-refused`, `error:bad-request`, `login.ok`… */
const answer = (reply: DownMessage) => (reply.t === 'refusal' || reply.t === 'error' ? `${reply.t}:${reply.code}` : reply.t);

function ticketOf(reply: DownMessage): Uint8Array {
  expect(answer(reply)).toBe('login.ok');
  const ok = reply as Extract<DownMessage, { t: 'login.ok' }>;
  expect(ok.ticket).toHaveLength(32);
  expect(ok.ticketExp).toBeGreaterThan(Date.now() + 29 * 24 * 3_600_000);
  return ok.ticket!;
}

describe('login with a resumption ticket, over MQTT', () => {
  it('issues a ticket at a password login; the next connection logs in with it, runs no scrypt, and gets a new one', async () => {
    const first = await connect('hh-ann');
    const ticket = ticketOf(await first.request({ t: 'login', user: 'ann', password: 'ann-pw', wantTicket: true }));
    await first.close();

    const second = await connect('hh-ann');
    const before = scryptRuns();
    const next = ticketOf(await second.request({ t: 'login', user: 'ann', ticket }));
    expect(scryptRuns()).toBe(before);
    expect(next).not.toEqual(ticket);
    // Logged in: requests that need a login are answered.
    expect(answer(await second.request({ t: 'menu.get' }))).toBe('menu');
    // The spent ticket is refused; the new one works (and a password login does run scrypt).
    expect(answer(await second.request({ t: 'login', user: 'ann', ticket }))).toBe('refusal:ticket-refused');
    const withPassword = scryptRuns();
    ticketOf(await second.request({ t: 'login', user: 'ann', password: 'ann-pw', wantTicket: true }));
    expect(scryptRuns()).toBeGreaterThan(withPassword);
  });

  it('puts no ticket in the login.ok of a terminal that did not ask (one built before tickets would refuse the fields)', async () => {
    const t = await connect('hh-dee');
    const reply = await t.request({ t: 'login', user: 'dee', password: 'dee-pw' });
    expect(answer(reply)).toBe('login.ok');
    expect(Object.keys(reply).sort()).toEqual(['balance', 'currency', 'rid', 't', 'user', 'v']);
    await t.close();
  });

  it('answers a login with both a password and a ticket, or with neither, with bad-request', async () => {
    const t = await connect('hh-bob');
    const rid = t.takeRid();
    const both = encodeCbor({ v: 1, t: 'login', rid, user: 'bob', password: 'bob-pw', ticket: new Uint8Array(32) } as never);
    expect(answer(await t.requestRaw('login', rid, both))).toBe('error:bad-request');
    const rid2 = t.takeRid();
    expect(answer(await t.requestRaw('login', rid2, encodeCbor({ v: 1, t: 'login', rid: rid2, user: 'bob' } as never)))).toBe('error:bad-request');
    expect(answer(await t.request({ t: 'menu.get' }))).toBe('error:not-logged-in');
  });

  it('refuses a ticket on another device’s connection without spending it, and a replayed one, with the same answer', async () => {
    const cy = await connect('hh-cy');
    const ticket = ticketOf(await cy.request({ t: 'login', user: 'cy', password: 'cy-pw', wantTicket: true }));
    const dee = await connect('hh-dee');
    const refused = await dee.request({ t: 'login', user: 'cy', ticket });
    expect(refused).toMatchObject({ t: 'refusal', code: 'ticket-refused', message: 'ticket not accepted; log in with the password' });
    expect(answer(await dee.request({ t: 'login', user: 'dee', ticket }))).toBe('refusal:ticket-refused');
    // Not spent: its own device logs in with it; shown again, it is a replay…
    const newer = ticketOf(await cy.request({ t: 'login', user: 'cy', ticket }));
    expect(await cy.request({ t: 'login', user: 'cy', ticket })).toEqual({ ...refused, rid: expect.any(Number) });
    // …which revoked the ticket issued after it: the password is needed again.
    expect(answer(await cy.request({ t: 'login', user: 'cy', ticket: newer }))).toBe('refusal:ticket-refused');
  });

  it('lets one of two logins racing with one ticket through', async () => {
    const t = await connect('hh-eve');
    const ticket = ticketOf(await t.request({ t: 'login', user: 'eve', password: 'eve-pw', wantTicket: true }));
    const replies = await Promise.all([t.request({ t: 'login', user: 'eve', ticket }), t.request({ t: 'login', user: 'eve', ticket })]);
    expect(replies.map(answer).sort()).toEqual(['login.ok', 'refusal:ticket-refused']);
  });

  it('counts refused tickets against the device in the login limiter; a password change deletes the user’s tickets', async () => {
    const t = await connect('hh-fay');
    const ticket = ticketOf(await t.request({ t: 'login', user: 'fay', password: 'fay-pw', wantTicket: true }));
    await changePassword(store.store.database.db, 'fay', 'fay-new-pw', password.FAST_TEST_PARAMS);
    expect(answer(await t.request({ t: 'login', user: 'fay', ticket }))).toBe('refusal:ticket-refused');
    for (let i = 1; i < LOGIN_GUESSES.maxFailures; i++) {
      expect(answer(await t.request({ t: 'login', user: 'fay', ticket: crypto.randomBytes(32) }))).toBe('refusal:ticket-refused');
    }
    expect(answer(await t.request({ t: 'login', user: 'fay', ticket: crypto.randomBytes(32) }))).toBe('error:rate-limited');
  });
});

describe('the terminal runtime’s session', () => {
  it('logs in with its password, after a drop with its ticket, and with its password again once the ticket is refused', async () => {
    await store.addUser('gus', 'gus-pw');
    const signer = await store.enrol('hh-gus', 'gus');
    const online: number[] = [];
    const session = new StoreSession(
      { link: new TcpLink('127.0.0.1', store.port, { connectTimeoutMs: 2_000 }), clock: new SystemClock(), crypto, signer },
      { deviceId: 'hh-gus', user: 'gus', password: 'gus-pw', backoff: { baseMs: 10, capMs: 50 } },
      {
        online: (info) => online.push(info.reconnects),
        offline: () => undefined,
        refused: (reason, message) => {
          throw new Error(`refused: ${reason} ${message}`);
        },
        chunk: () => undefined,
        chunkReply: () => undefined,
      },
    );
    const onlineTimes = async (n: number) => {
      for (let i = 0; i < 500 && online.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(online).toHaveLength(n);
    };
    try {
      session.start();
      await onlineTimes(1);
      expect(session.stats).toMatchObject({ passwordLogins: 1, ticketLogins: 0 });

      const before = scryptRuns();
      await session.dropLink();
      await onlineTimes(2);
      expect(session.stats).toMatchObject({ passwordLogins: 1, ticketLogins: 1, ticketsRefused: 0 });
      expect(scryptRuns()).toBe(before);

      await revokeTicketsOf(store.store.database.db, { deviceId: 'hh-gus' });
      await session.dropLink();
      await onlineTimes(3);
      expect(session.stats).toMatchObject({ passwordLogins: 2, ticketLogins: 1, ticketsRefused: 1 });
    } finally {
      await session.stop();
    }
  });
});

const pgUrl = process.env.FAIRWAY_TEST_PG_URL;
if (!pgUrl && process.env.CI) throw new Error('FAIRWAY_TEST_PG_URL is not set, and CI must test PostgreSQL');

describe.skipIf(!pgUrl)('login with a resumption ticket, on a store over PostgreSQL', () => {
  it('lets one of two logins racing with one ticket through, round after round', async () => {
    const factory = postgresFactory(pgUrl!);
    const root = await mkdtemp(join(tmpdir(), 'fairway-tickets-pg-'));
    const pgStore = await startStore({ dataDir: join(root, 'data'), databaseUrl: (await factory.openFresh()).url!, passwordParams: password.FAST_TEST_PARAMS, logger: pino({ level: 'silent' }) });
    const signer = NodeSigner.generate();
    let t: TestTerminal | undefined;
    try {
      await addUser(pgStore.database.db, { id: 'hal', password: 'hal-pw' }, Date.now(), password.FAST_TEST_PARAMS);
      await enrolTerminal(pgStore.database.db, { deviceId: 'hh-hal', userId: 'hal', publicKey: signer.publicKey }, Date.now());
      t = await TestTerminal.connect(pgStore.broker.ports.tcp, 'hh-hal', signer);
      for (let round = 0; round < 5; round++) {
        // A password login each round: the race's loser revoked the winner's new ticket.
        const ticket = ticketOf(await t.request({ t: 'login', user: 'hal', password: 'hal-pw', wantTicket: true }));
        const replies = await Promise.all([t.request({ t: 'login', user: 'hal', ticket }), t.request({ t: 'login', user: 'hal', ticket })]);
        expect(replies.map(answer).sort()).toEqual(['login.ok', 'refusal:ticket-refused']);
      }
    } finally {
      await t?.close();
      await pgStore.close();
      await factory.cleanup();
      await rm(root, { recursive: true, force: true });
    }
  });
});
