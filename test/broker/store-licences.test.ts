/**
 * Seat licences end to end [FW-13] (seed 000 claims 4–10): a real store (aedes over TCP on
 * 127.0.0.1, SQLite, the store key) and real terminals' MQTT clients — a host that bought a
 * part asks for a licence, pays for its seats up front with a signed receipt, or per peer
 * with the peers' signed reception notices, sent by the peers and relayed by the host.
 * The store clock runs at real time plus an offset the tests move to pass deadlines.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal, revokeTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { credit } from '../../broker/ledger/holds.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { licenceArtefact, licenceReceiptArtefact, seatNoticeArtefact, type Licence } from '../../sdk/licence/index.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import type { DownMessage, MessageOf } from '../../sdk/wire/index.js';
import { crypto, utf8 } from '../support/keys.js';
import { seed } from '../support/seed.js';
import { TestTerminal } from '../support/terminal-client.js';

const SESSION_MS = 60_000;
const GRACE_MS = 120_000;
const root = await mkdtemp(join(tmpdir(), 'fairway-licences-'));
const random = seededRandomSource(seed);
let store: RunningStore;
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

const keys = new Map<string, NodeSigner>();
const terminals = new Map<string, TestTerminal>();
const PEERS = ['peer-1', 'peer-2', 'peer-3', 'peer-4', 'peer-5'];
const term = (id: string) => terminals.get(id)!;
const key = (id: string) => keys.get(id)!;

beforeAll(async () => {
  store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS, clock: { wallMs: now }, config: { seatNoticeGraceMs: GRACE_MS } });
  const db = store.database.db;
  for (const user of ['alice', 'bob', 'carol']) await addUser(db, { id: user, password: `${user}-pw` }, now(), FAST_TEST_PARAMS);
  const devices: [string, string][] = [['hh-alice', 'alice'], ['hh-bob', 'bob'], ...PEERS.map((p, i): [string, string] => [p, i % 2 ? 'carol' : 'bob'])];
  for (const [deviceId, userId] of devices) {
    keys.set(deviceId, NodeSigner.generate());
    await enrolTerminal(db, { deviceId, userId, publicKey: key(deviceId).publicKey }, now());
  }
  const titles = {
    // Per reception: 100 a seat, up to 3.
    golf: `id: golf\nname: Golf\nprovider: Sharp\ncategory: game\nseats: { price: 100, billing: per-reception, maxSeats: 3, sessionMs: ${SESSION_MS} }\nparts:\n  - { id: golf-h01, file: p1, price: 300 }\n  - { id: golf-h02, file: p2, price: 300 }\n`,
    // Up front: 50 a seat, up to 4.
    tennis: `id: tennis\nname: Tennis\nprovider: Sharp\ncategory: game\nseats: { price: 50, billing: upfront, maxSeats: 4, sessionMs: ${SESSION_MS} }\nparts:\n  - { id: tennis-t01, file: p1, price: 200 }\n`,
    kart: `id: kart\nname: Kart\nprovider: Sharp\ncategory: demo\nparts:\n  - { id: kart-d01, file: p1, price: 0 }\n`,
  };
  for (const [name, yaml] of Object.entries(titles)) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'title.yaml'), yaml);
    await writeFile(join(dir, 'p1'), random(3_000));
    await writeFile(join(dir, 'p2'), random(2_000));
    await saveTitle(db, await prepareTitle(dir, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), dir, now());
  }
  for (const user of ['alice', 'bob']) await adjustBalance(store.ledger, { userId: user, amountMinor: 2_000, reason: 'test funds', actor: 'test', nowMs: now() });
  // Everyone connects now: the CONNECT credential must be within the window of the store clock,
  // which the tests later move forward.
  for (const [deviceId, userId] of devices) {
    const t = await TestTerminal.connect(store.broker.ports.tcp, deviceId, key(deviceId));
    terminals.set(deviceId, t);
    if (deviceId !== 'hh-bob') as(await t.request({ t: 'login', user: userId, password: `${userId}-pw` }), 'login.ok');
  }
  // alice owns golf-h01 and tennis-t01 (bought the ordinary way: offer, receipt, charge).
  for (const part of ['golf-h01', 'tennis-t01']) await buy(term('hh-alice'), 'alice', part);
});

afterAll(async () => {
  for (const t of terminals.values()) await t.close().catch(() => undefined);
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

function as<T extends DownMessage['t']>(reply: DownMessage, t: T): Extract<DownMessage, { t: T }> {
  expect(reply.t, JSON.stringify(reply, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(t);
  return reply as Extract<DownMessage, { t: T }>;
}

async function buy(t: TestTerminal, user: string, part: string): Promise<void> {
  const offer = as(await t.request({ t: 'offer.get', part }), 'offer');
  const manifest = (await manifestArtefact.open(offer.manifest, store.key.signer.publicKey, crypto)).payload;
  const receipt = await receiptArtefact.sign(
    { v: 1, device: t.deviceId, user, part, partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: now() },
    key(t.deviceId),
    utf8(t.deviceId),
  );
  as(await t.request({ t: 'receipt', receipt }), 'charge');
}

const openLicence = async (m: MessageOf<'licence'>): Promise<Licence> => (await licenceArtefact.open(m.licence, store.key.signer.publicKey, crypto)).payload;
const available = async (user: string) => (await credit(store.ledger, user, now())).availableMinor;
const balance = async (user: string) => (await credit(store.ledger, user, now())).balanceMinor;
const sound = async () => expect(await checkInvariants(store.ledger, now())).toEqual([]);

async function noticeBy(peer: string, licence: Licence, overrides: Partial<Parameters<typeof seatNoticeArtefact.sign>[0]> = {}, signer = key(peer)): Promise<Uint8Array> {
  return seatNoticeArtefact.sign(
    { v: 1, licence: licence.licence, peer, host: licence.host, part: licence.part, partHash: licence.partHash, nonce: crypto.randomBytes(16), time: now(), ...overrides },
    signer,
    utf8(peer),
  );
}

async function send(from: string, notices: Uint8Array[]) {
  return as(await term(from).request({ t: 'seat.notices', notices }), 'seat.charges').results;
}

describe('licence.get [FW-13.2]', () => {
  it('refuses in the order of the table: not logged in, not licensable, not owned, too many seats, insufficient credit', async () => {
    const host = term('hh-alice');
    expect(as(await term('hh-bob').request({ t: 'licence.get', part: 'golf-h01', seats: 1 }), 'error').code).toBe('not-logged-in');
    expect(as(await host.request({ t: 'licence.get', part: 'no-such-part', seats: 1 }), 'refusal')).toMatchObject({ code: 'not-licensable', part: 'no-such-part' });
    expect(as(await host.request({ t: 'licence.get', part: 'kart-d01', seats: 1 }), 'refusal')).toMatchObject({ code: 'not-licensable', part: 'kart-d01' });
    // Not owned comes before too many seats.
    expect(as(await host.request({ t: 'licence.get', part: 'golf-h02', seats: 64 }), 'refusal')).toMatchObject({ code: 'not-owned', part: 'golf-h02' });
    expect(as(await host.request({ t: 'licence.get', part: 'golf-h01', seats: 4 }), 'refusal')).toMatchObject({ code: 'too-many-seats', part: 'golf-h01' });
    // carol has no money; give her golf-h01 for free to reach the credit check.
    const carol = term('peer-2');
    await adjustBalance(store.ledger, { userId: 'carol', amountMinor: 300, reason: 'buy', actor: 'test', nowMs: now() });
    await buy(carol, 'carol', 'golf-h01');
    const short = as(await carol.request({ t: 'licence.get', part: 'golf-h01', seats: 2 }), 'refusal');
    expect(short).toMatchObject({ code: 'insufficient-credit', balance: 0, price: 200, part: 'golf-h01' });
    expect(await store.database.db.selectFrom('licences').select('id').execute()).toEqual([]);
    await sound();
  });

  it('claims 4, 5: grants a store-signed licence naming the number of approved terminals for the owned part, and holds seats × price; a repeat returns the same licence, no second hold', async () => {
    const host = term('hh-alice');
    const before = await available('alice');
    const reply = as(await host.request({ t: 'licence.get', part: 'golf-h01', seats: 3 }), 'licence');
    expect(reply).toMatchObject({ seatPrice: 100, total: 300, billing: 'per-reception', balance: before - 300 });
    const licence = await openLicence(reply);
    const manifest = (await manifestArtefact.open((await store.database.db.selectFrom('parts').select('manifest').where('id', '=', 'golf-h01').executeTakeFirstOrThrow()).manifest, store.key.signer.publicKey, crypto)).payload;
    expect(licence).toMatchObject({ host: 'hh-alice', user: 'alice', title: 'golf', part: 'golf-h01', seats: 3, billing: 'per-reception', seatPrice: 100 });
    expect(licence.partHash).toEqual(manifest.hash);
    expect(licence.exp - licence.issuedAt).toBe(SESSION_MS);
    expect(licenceArtefact.peekKid(reply.licence)).toEqual(store.key.kid);
    const again = as(await host.request({ t: 'licence.get', part: 'golf-h01', seats: 3 }), 'licence');
    expect(Array.from(again.licence)).toEqual(Array.from(reply.licence));
    expect(await available('alice')).toBe(before - 300);
    // Credit backing the licence cannot be spent: an offer larger than what is left is refused.
    await adjustBalance(store.ledger, { userId: 'alice', amountMinor: -(before - 300 - 100), reason: 'leave 100 free', actor: 'test', nowMs: now() });
    expect(as(await host.request({ t: 'offer.get', part: 'golf-h02' }), 'refusal')).toMatchObject({ code: 'insufficient-credit', balance: 100, price: 300 });
    await adjustBalance(store.ledger, { userId: 'alice', amountMinor: 2_000, reason: 'refill', actor: 'test', nowMs: now() });
    await sound();
  });
});

describe('upfront billing: licence.receipt [FW-13.4] (claims 7, 10)', () => {
  it('claim 7: the host’s receipt charges N × seat price once; the same or a re-signed receipt answers the same licence.charge', async () => {
    const host = term('hh-alice');
    const reply = as(await host.request({ t: 'licence.get', part: 'tennis-t01', seats: 4 }), 'licence');
    expect(reply).toMatchObject({ total: 200, billing: 'upfront' });
    const licence = await openLicence(reply);
    const balanceBefore = await balance('alice');
    const payload = { v: 1 as const, licence: licence.licence, device: 'hh-alice', user: 'alice', seats: 4, amount: 200, nonce: crypto.randomBytes(16), time: now() };
    const sign = (p: typeof payload, signer = key('hh-alice')) => licenceReceiptArtefact.sign(p, signer, utf8('hh-alice'));
    // Refused first: forged, other contents, unknown licence — nothing charged.
    expect(as(await host.request({ t: 'licence.receipt', receipt: await sign(payload, key('hh-bob')) }), 'refusal').code).toBe('licence-refused');
    expect(as(await host.request({ t: 'licence.receipt', receipt: await sign({ ...payload, amount: 100 }) }), 'refusal').code).toBe('licence-refused');
    expect(as(await host.request({ t: 'licence.receipt', receipt: await sign({ ...payload, seats: 2, amount: 100 }) }), 'refusal').code).toBe('licence-refused');
    expect(as(await host.request({ t: 'licence.receipt', receipt: await sign({ ...payload, user: 'bob' }) }), 'refusal').code).toBe('licence-refused');
    expect(as(await host.request({ t: 'licence.receipt', receipt: await sign({ ...payload, licence: new Uint8Array(16) }) }), 'refusal').code).toBe('unknown-licence');
    expect(as(await host.request({ t: 'licence.receipt', receipt: new Uint8Array([1, 2, 3]) }), 'refusal').code).toBe('licence-refused');
    expect(await balance('alice')).toBe(balanceBefore);

    const receipt = await sign(payload);
    const charge = as(await host.request({ t: 'licence.receipt', receipt }), 'licence.charge');
    expect(charge).toMatchObject({ licence: licence.licence, seats: 4, amount: 200, balance: balanceBefore - 200 });
    const resent = as(await host.request({ t: 'licence.receipt', receipt }), 'licence.charge');
    expect({ ...resent, rid: 0 }).toEqual({ ...charge, rid: 0 });
    const resigned = as(await host.request({ t: 'licence.receipt', receipt: await sign({ ...payload, nonce: crypto.randomBytes(16) }) }), 'licence.charge');
    expect({ ...resigned, rid: 0 }).toEqual({ ...charge, rid: 0 });
    expect(await balance('alice')).toBe(balanceBefore - 200);
    // Seat notices for an upfront licence bill nothing more.
    expect(await send('peer-1', [await noticeBy('peer-1', licence)])).toEqual([{ licence: licence.licence, peer: 'peer-1', outcome: 'not-billed' }]);
    await sound();
  });

  it('a receipt from another device for the host’s licence is refused or unknown, and charges nothing', async () => {
    const host = term('hh-alice');
    const reply = as(await host.request({ t: 'licence.get', part: 'tennis-t01', seats: 2 }), 'licence');
    const licence = await openLicence(reply);
    const before = await balance('alice');
    const bobs = term('peer-1'); // a bob device, logged in as bob
    const asBob = await licenceReceiptArtefact.sign({ v: 1, licence: licence.licence, device: 'peer-1', user: 'bob', seats: 2, amount: 100, nonce: crypto.randomBytes(16), time: now() }, key('peer-1'), utf8('peer-1'));
    expect(as(await bobs.request({ t: 'licence.receipt', receipt: asBob }), 'refusal').code).toBe('unknown-licence');
    const alicesSentByBob = await licenceReceiptArtefact.sign({ v: 1, licence: licence.licence, device: 'hh-alice', user: 'alice', seats: 2, amount: 100, nonce: crypto.randomBytes(16), time: now() }, key('hh-alice'), utf8('hh-alice'));
    expect(as(await bobs.request({ t: 'licence.receipt', receipt: alicesSentByBob }), 'refusal').code).toBe('licence-refused');
    expect(await balance('alice')).toBe(before);
    // The host's own, later, still charges.
    expect(as(await host.request({ t: 'licence.receipt', receipt: alicesSentByBob }), 'licence.charge')).toMatchObject({ seats: 2, amount: 100 });
    await sound();
  });
});

describe('per-reception billing: seat.notices [FW-13.5] (claim 8)', () => {
  it('claim 8: charges each valid peer once, capped at N, however notices are duplicated, re-signed or relayed; bad notices change nothing', async () => {
    const host = term('hh-alice');
    const licence = await openLicence(as(await host.request({ t: 'licence.get', part: 'golf-h01', seats: 3 }), 'licence'));
    const before = await balance('alice');
    const n1 = await noticeBy('peer-1', licence);
    // The peer sends its own notice twice in one message; its balance is not told to a peer of another user.
    expect(await send('peer-1', [n1, n1])).toEqual([
      { licence: licence.licence, peer: 'peer-1', outcome: 'charged' },
      { licence: licence.licence, peer: 'peer-1', outcome: 'already-charged' },
    ]);
    // The host relays the same notice and a re-signed one (new nonce): already charged.
    const relayed = await send('hh-alice', [n1, await noticeBy('peer-1', licence), await noticeBy('peer-2', licence)]);
    expect(relayed.map((r) => [r.peer, r.outcome])).toEqual([
      ['peer-1', 'already-charged'],
      ['peer-1', 'already-charged'],
      ['peer-2', 'charged'],
    ]);
    expect(relayed[2]!.balance).toBe(before - 200);

    const forged = await noticeBy('peer-3', licence, {}, key('peer-4'));
    const wrongHash = await noticeBy('peer-3', licence, { partHash: new Uint8Array(32) });
    const wrongHost = await noticeBy('peer-3', licence, { host: 'hh-bob' });
    const otherLicence = await noticeBy('peer-3', licence, { licence: new Uint8Array(16).fill(7) });
    const claimsOtherPeer = await noticeBy('peer-3', licence, { peer: 'peer-4' }); // kid peer-3, payload peer-4
    expect(await send('hh-alice', [forged, wrongHash, wrongHost, otherLicence, claimsOtherPeer, new Uint8Array([0xd2])])).toEqual([
      { licence: null, peer: null, outcome: 'notice-refused' },
      { licence: licence.licence, peer: 'peer-3', outcome: 'notice-refused' },
      { licence: licence.licence, peer: 'peer-3', outcome: 'notice-refused' },
      { licence: new Uint8Array(16).fill(7), peer: 'peer-3', outcome: 'unknown-licence' },
      { licence: null, peer: null, outcome: 'notice-refused' },
      { licence: null, peer: null, outcome: 'notice-refused' },
    ]);
    expect(await balance('alice')).toBe(before - 200);

    // A revoked peer's notice is refused (revoked before its key was ever looked up).
    await revokeTerminal(store.database.db, 'peer-5', now());
    expect((await send('hh-alice', [await noticeBy('peer-5', licence)]))[0]!.outcome).toBe('notice-refused');

    // The third seat, then no more: the fourth distinct peer finds the seats exhausted.
    const last = await send('hh-alice', [await noticeBy('peer-3', licence), await noticeBy('peer-4', licence)]);
    expect(last.map((r) => [r.peer, r.outcome])).toEqual([
      ['peer-3', 'charged'],
      ['peer-4', 'seats-exhausted'],
    ]);
    expect(await balance('alice')).toBe(before - 300);
    await sound();
  });

  it('settlement after exp + grace releases the unused seats; later notices get licence-closed; an unreceipted upfront licence is released', async () => {
    const host = term('hh-alice');
    const licence = await openLicence(as(await host.request({ t: 'licence.get', part: 'golf-h01', seats: 2 }), 'licence'));
    const upfront = await openLicence(as(await host.request({ t: 'licence.get', part: 'tennis-t01', seats: 3 }), 'licence'));
    const before = await credit(store.ledger, 'alice', now());
    const late = await noticeBy('peer-2', licence);
    expect((await send('peer-1', [await noticeBy('peer-1', licence)]))[0]!.outcome).toBe('charged');
    // Past exp: the upfront receipt is too late; relayed notices still count during the grace.
    offsetMs += SESSION_MS + 1_000;
    const tooLate = await licenceReceiptArtefact.sign({ v: 1, licence: upfront.licence, device: 'hh-alice', user: 'alice', seats: 3, amount: 150, nonce: crypto.randomBytes(16), time: now() }, key('hh-alice'), utf8('hh-alice'));
    expect(as(await host.request({ t: 'licence.receipt', receipt: tooLate }), 'refusal').code).toBe('licence-expired');
    await store.service.releaseLapsedHolds();
    expect((await credit(store.ledger, 'alice', now())).heldMinor).toBe(before.heldMinor - 100 - 150);
    offsetMs += GRACE_MS;
    await store.service.releaseLapsedHolds();
    const after = await credit(store.ledger, 'alice', now());
    expect(after.balanceMinor).toBe(before.balanceMinor - 100);
    expect(after.heldMinor).toBe(before.heldMinor - 200 - 150);
    expect(await send('hh-alice', [late])).toEqual([{ licence: licence.licence, peer: 'peer-2', outcome: 'licence-closed' }]);
    expect(await balance('alice')).toBe(before.balanceMinor - 100);
    expect(as(await host.request({ t: 'licence.receipt', receipt: tooLate }), 'refusal').code).toBe('licence-expired');
    await sound();
  });
});
