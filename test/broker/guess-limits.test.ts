/**
 * Guess limits under bursts, over real MQTT [FW-4.2.2, FW-4.5.1; issue 12 §4]: a burst of
 * concurrent wrong logins or card passwords checks at most the limit (each attempt is reserved
 * before the costly check); a terminal guessing another user's password is limited by its own
 * count and never locks that user out; a failed login leaves the connection's binding as it
 * was [FW-4.2.3].
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { LOGIN_GUESSES } from '../../broker/cluster/shared-state.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import type { DownMessage } from '../../sdk/wire/index.js';
import { seed } from '../support/seed.js';
import { TestTerminal } from '../support/terminal-client.js';

const BURST = 31;
const LIMIT = LOGIN_GUESSES.maxFailures;
const random = seededRandomSource(seed);
const DEVICES = ['ann-1', 'ann-2', 'bob-1', 'cy-1', 'dee-1'] as const;
const signers = new Map(DEVICES.map((d) => [d, NodeSigner.fromSeed(random(32))]));
const ownerOf = (deviceId: string) => deviceId.split('-')[0]!;

let root: string;
let store: RunningStore;
const open: TestTerminal[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-guess-limits-'));
  store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS });
  const db = store.database.db;
  for (const user of ['ann', 'bob', 'cy', 'dee']) await addUser(db, { id: user, password: `${user}-pw` }, Date.now(), FAST_TEST_PARAMS);
  for (const deviceId of DEVICES) await enrolTerminal(db, { deviceId, userId: ownerOf(deviceId), publicKey: signers.get(deviceId)!.publicKey }, Date.now());
});

afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined);
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

async function connect(deviceId: (typeof DEVICES)[number]): Promise<TestTerminal> {
  const t = await TestTerminal.connect(store.broker.ports.tcp, deviceId, signers.get(deviceId)!);
  open.push(t);
  return t;
}

/** `refusal:login-refused`, `error:rate-limited`, `login.ok`… */
const answer = (reply: DownMessage) => (reply.t === 'refusal' || reply.t === 'error' ? `${reply.t}:${reply.code}` : reply.t);
const tally = (replies: DownMessage[]) => replies.map(answer).reduce<Record<string, number>>((counts, a) => ({ ...counts, [a]: (counts[a] ?? 0) + 1 }), {});

describe(`guess limits under bursts (FAIRWAY_SEED=${seed})`, () => {
  it(`checks at most ${LIMIT} of ${BURST} concurrent wrong logins; the rest are told to wait`, async () => {
    const t = await connect('ann-1');
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => t.request({ t: 'login', user: 'ann', password: `guess-${i}` })));
    expect(tally(replies)).toEqual({ 'refusal:login-refused': LIMIT, 'error:rate-limited': BURST - LIMIT });
    for (const r of replies) if (r.t === 'error') expect(r.retryAfterMs).toBeGreaterThan(0);
    // The user is locked out on her other terminal too: her own terminals share her count.
    const other = await connect('ann-2');
    expect(answer(await other.request({ t: 'login', user: 'ann', password: 'ann-pw' }))).toBe('error:rate-limited');
  });

  it(`checks at most ${LIMIT} of ${BURST} concurrent wrong prepaid cards`, async () => {
    const t = await connect('cy-1');
    expect(answer(await t.request({ t: 'login', user: 'cy', password: 'cy-pw' }))).toBe('login.ok');
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => t.request({ t: 'card.redeem', card: `PC-NOPE-${i}`, password: '1234-5678' })));
    expect(tally(replies)).toEqual({ 'refusal:card-refused': LIMIT, 'error:rate-limited': BURST - LIMIT });
  });

  it('a terminal guessing another user’s password is limited on its own and never locks that user out', async () => {
    const intruder = await connect('bob-1');
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => intruder.request({ t: 'login', user: 'dee', password: `guess-${i}` })));
    expect(tally(replies)).toEqual({ 'refusal:login-refused': LIMIT, 'error:rate-limited': BURST - LIMIT });
    // The intruding terminal is limited, for every user, its owner's included…
    expect(answer(await intruder.request({ t: 'login', user: 'bob', password: 'bob-pw' }))).toBe('error:rate-limited');
    // …and the user it guessed at logs in on her own terminal.
    const dee = await connect('dee-1');
    expect(answer(await dee.request({ t: 'login', user: 'dee', password: 'dee-pw' }))).toBe('login.ok');
  });

  it('a failed login keeps the connection logged in as before; a right one with a terminal not enrolled to the user is refused as such', async () => {
    const t = await connect('cy-1');
    expect(answer(await t.request({ t: 'login', user: 'cy', password: 'cy-pw' }))).toBe('login.ok');
    expect(answer(await t.request({ t: 'login', user: 'cy', password: 'not-it' }))).toBe('refusal:login-refused');
    expect(answer(await t.request({ t: 'menu.get' }))).toBe('menu');
    expect(answer(await t.request({ t: 'login', user: 'bob', password: 'bob-pw' }))).toBe('refusal:terminal-not-enrolled');
    expect(answer(await t.request({ t: 'menu.get' }))).toBe('menu');
  });
});
