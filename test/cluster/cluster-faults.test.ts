/**
 * The cluster's dependency faults with real processes [issue 11, acceptance 5]: two
 * `fairway store serve` nodes on a PostgreSQL server of their own (so it can be stopped) and
 * one redis-server.
 *
 * - PostgreSQL stopped: new connections hear CONNACK 3; a logged-in terminal's offer, receipt
 *   and card redemption are answered `unavailable` with a retry hint; `/readyz` names the
 *   database. Started again: the same receipt and redemption bytes, resent on either node,
 *   are charged and credited once.
 * - Redis killed: new connections hear CONNACK 3 and the node logs why; a receipt sent
 *   during the outage is charged (the ledger is in the database), and resent to the other
 *   node once Redis is back (which never heard the reply) it is answered with that one charge.
 * - A node `kill -9`'d in the middle of a capture (its transaction holds the terminal's rows
 *   and waits for the provider's row, which the test holds): PostgreSQL rolls it back; the
 *   receipt resent to the other node is charged once, and again to the restarted node.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCards } from '../../broker/ledger/cards.js';
import type { IssuedCard } from '../../broker/ledger/types.js';
import { chargeRef } from '../../broker/ledger/capture-group.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import { encodeMessage, type DownMessage } from '../../sdk/wire/index.js';
import { startCluster, type Cluster, type ClusterNode } from '../../sim/cluster/cluster-harness.js';
import { installedPostgresVersion } from '../../sim/servers/postgres.js';
import { credentialFor } from '../broker/cluster/raw-terminal.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { crypto } from '../support/keys.js';
import { seed } from '../support/seed.js';
import { requireBinary } from '../support/server-binaries.js';
import { TestTerminal } from '../support/terminal-client.js';
import { connackCode } from '../broker/server/support/mqtt-clients.js';

const canRun = requireBinary('redis-server') && requireBinary('haproxy') && installedPostgresVersion() !== undefined;
if (!canRun && process.env['CI']) it('has redis-server, haproxy and PostgreSQL binaries on CI', () => expect.fail('the cluster fault tests need redis-server, haproxy and PostgreSQL (.ci/setup-cluster-tools.sh, .ci/setup-postgres.sh)'));

const USERS = ['ann', 'ben', 'cat'] as const;
const PRICE = 500;
const CARD_VALUE = 700;
/** Keys, part bytes and nonces from the run's seed (FAIRWAY_SEED replays them). */
const random = seededRandomSource(seed);
const signers = new Map(USERS.map((u) => [`hh-${u}`, NodeSigner.fromSeed(random(32))]));
const signer = (deviceId: string) => signers.get(deviceId)!;
const utf8 = (s: string) => new TextEncoder().encode(s);

function expectType<T extends DownMessage['t']>(reply: DownMessage, t: T): Extract<DownMessage, { t: T }> {
  expect(reply.t, JSON.stringify(reply, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(t);
  return reply as Extract<DownMessage, { t: T }>;
}

describe.skipIf(!canRun)(`cluster faults with real processes (FAIRWAY_SEED=${seed})`, () => {
  let root: string;
  let cluster: Cluster;
  let cards: IssuedCard[] = [];
  const open: TestTerminal[] = [];
  let rid = 10_000;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fairway-cluster-faults-'));
    const title = join(root, 'titles', 'quest');
    await mkdir(title, { recursive: true });
    await writeFile(join(title, 'title.yaml'), `id: quest\nname: Quest\nprovider: Sharp\ncategory: game\nparts:\n${[1, 2, 3].map((i) => `  - { id: quest-${i}, file: p${i}, price: ${PRICE} }`).join('\n')}\n`);
    for (const i of [1, 2, 3]) await writeFile(join(title, `p${i}`), random(4_000));
    cluster = await startCluster({
      postgres: 'own-server',
      nodes: 2,
      world: {
        titleFolders: [title],
        users: USERS.map((u) => ({ id: u, password: `${u}-pw`, creditMinor: 10 * PRICE })),
        terminals: USERS.map((u) => ({ deviceId: `hh-${u}`, userId: u, publicKey: signer(`hh-${u}`).publicKey })),
      },
    });
    cards = await cluster.withStore((store) => issueCards(store.ledger, { count: 2, valueMinor: CARD_VALUE, batch: 'faults', nowMs: Date.now() }));
  }, 180_000);

  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    await cluster?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 60_000);

  const node = (id: string): ClusterNode => cluster.node(id);
  async function login(on: ClusterNode, user: (typeof USERS)[number]): Promise<TestTerminal> {
    const t = await TestTerminal.connect(on.mqttPort, `hh-${user}`, signer(`hh-${user}`));
    open.push(t);
    expectType(await t.request({ t: 'login', user, password: `${user}-pw` }), 'login.ok');
    return t;
  }
  /** An offer on `t` and the exact bytes of its signed receipt (not sent). */
  async function receiptFor(t: TestTerminal, user: string, part: string): Promise<{ transfer: Uint8Array; rid: number; bytes: Uint8Array }> {
    const offer = expectType(await t.request({ t: 'offer.get', part }), 'offer');
    const manifest = (await manifestArtefact.open(offer.manifest, cluster.storePublicKey, crypto)).payload;
    const receipt = await receiptArtefact.sign(
      { v: 1, device: t.deviceId, user, part, partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: random(16), time: Date.now() },
      signer(t.deviceId),
      utf8(t.deviceId),
    );
    const r = rid++;
    return { transfer: offer.transfer, rid: r, bytes: encodeMessage({ v: 1, rid: r, t: 'receipt', receipt }) };
  }
  const hex = toHex;
  /** Backends of the cluster's own server waiting for a row lock (the test's provider row). */
  const backendsWaitingOnLocks = () =>
    cluster.withStore(async ({ database }) => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock'`.execute(database.db)).rows[0]?.n ?? 0);
  const captures = (transfer: Uint8Array) => cluster.withStore(async ({ database }) => (await database.db.selectFrom('ledger_txns').select('id').where('ref', '=', chargeRef(hex(transfer))).execute()).length);
  const balance = (user: string) => cluster.withStore(async ({ database }) => Number((await database.db.selectFrom('accounts').select('balance_minor').where('id', '=', `user:${user}`).executeTakeFirstOrThrow()).balance_minor));
  const readyz = async (n: ClusterNode) => {
    const res = await fetch(`http://127.0.0.1:${n.metricsPort}/readyz`);
    return { status: res.status, body: (await res.json()) as { failed?: string[] } };
  };
  const connectCode = async (n: ClusterNode, deviceId: string) =>
    connackCode(`mqtt://127.0.0.1:${n.mqttPort}`, { clientId: deviceId, username: deviceId, password: Buffer.from(await credentialFor(deviceId, signer(deviceId))), protocolVersion: 4, clean: true });
  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('PostgreSQL stopped: CONNACK 3, offers, receipts and redemptions answered `unavailable`; started again, the same bytes are charged once', async () => {
    const n1 = node('n1');
    const n2 = node('n2');
    const t = await login(n1, 'ann');
    const receipt = await receiptFor(t, 'ann', 'quest-1');
    const card = cards[0]!;
    const redeemRid = rid++;
    const redeem = { rid: redeemRid, bytes: encodeMessage({ v: 1, rid: redeemRid, t: 'card.redeem', card: card.id, password: card.password }) };
    const before = await balance('ann');

    await cluster.postgresServer!.stop();
    try {
      for (const [type, r] of [['receipt', receipt], ['card.redeem', redeem]] as const) {
        const reply = expectType(await t.requestRaw(type, r.rid, r.bytes), 'error');
        expect(reply, type).toMatchObject({ code: 'unavailable', retryAfterMs: expect.any(Number) });
      }
      expectType(await t.request({ t: 'offer.get', part: 'quest-2' }), 'error');
      expect(await connectCode(n2, 'hh-ben')).toBe(3);
      const ready = await until('n1 not ready', async () => ((await readyz(n1)).status === 503 ? readyz(n1) : undefined));
      expect(ready.body.failed).toContain('database');
    } finally {
      await cluster.postgresServer!.start();
    }
    await until('n1 ready again', async () => ((await readyz(n1)).status === 200 ? true : undefined));

    // The terminal resends the same bytes (its runtime does after retryAfterMs), here on n1 and then on n2.
    const charged = expectType(await t.requestRaw('receipt', receipt.rid, receipt.bytes), 'charge');
    expect(hex(charged.transfer)).toBe(hex(receipt.transfer));
    expectType(await t.requestRaw('card.redeem', redeem.rid, redeem.bytes), 'card.ok');
    await t.close();
    const onN2 = await login(n2, 'ann');
    expect(expectType(await onN2.requestRaw('receipt', receipt.rid, receipt.bytes), 'charge').chargedAt).toBe(charged.chargedAt);
    expectType(await onN2.requestRaw('card.redeem', redeem.rid, redeem.bytes), 'card.ok');
    await onN2.close();

    expect(await captures(receipt.transfer)).toBe(1);
    expect(await balance('ann')).toBe(before - PRICE + CARD_VALUE);
    expect(await cluster.withStore(({ ledger }) => checkInvariants(ledger, Date.now()))).toEqual([]);
  }, 120_000);

  it('Redis killed: CONNACK 3 with a clear log line; a receipt is charged once, also when resent to the other node after Redis is back', async () => {
    const n1 = node('n1');
    const n2 = node('n2');
    const t = await login(n1, 'ben');
    const receipt = await receiptFor(t, 'ben', 'quest-1');
    const before = await balance('ben');
    const logged = cluster.logs().length;

    await cluster.redis.kill();
    try {
      expect(await connectCode(n2, 'hh-cat')).toBe(3);
      const refusal = await until('the refusal in n2’s log', async () => cluster.logs().slice(logged).find((l) => l.node === 'n2' && l.msg === 'connect refused' && l['clientId'] === 'hh-cat'));
      expect(JSON.stringify(refusal)).toMatch(/nonce registry failed/);
      // The charge is the database's decision: it goes through without Redis.
      expectType(await t.requestRaw('receipt', receipt.rid, receipt.bytes), 'charge');
    } finally {
      await cluster.redis.start();
    }
    await t.close();
    const onN2 = await until('a connection to n2 with Redis back', () => login(n2, 'ben'));
    expectType(await onN2.requestRaw('receipt', receipt.rid, receipt.bytes), 'charge');
    await onN2.close();
    // Leave both nodes taking connections again: n1's Redis client may reconnect later than n2's.
    await (await until('a connection to n1 with Redis back', () => login(n1, 'ben'))).close();
    expect(await captures(receipt.transfer)).toBe(1);
    expect(await balance('ben')).toBe(before - PRICE);
  }, 120_000);

  it('a node kill -9’d in the middle of a capture: the receipt resent to the other node, then to the restarted one, is charged once', async () => {
    const n1 = node('n1');
    const n2 = node('n2');
    const t = await login(n1, 'cat');
    const receipt = await receiptFor(t, 'cat', 'quest-3');
    const before = await balance('cat');
    const provider = await cluster.withStore(async ({ database }) => (await database.db.selectFrom('accounts').select('id').where('id', 'like', 'provider:%').executeTakeFirstOrThrow()).id);

    // Hold the provider's row: n1's capture writes the transfer, the ledger transaction and
    // the user's balance, then waits for this row — mid-capture — until n1 is killed.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = cluster.withStore(({ database }) =>
      database.db.transaction().execute(async (trx) => {
        await sql`select id from accounts where id = ${provider} for update`.execute(trx);
        locked();
        await released;
      }),
    );
    await isLocked;
    try {
      void t.requestRaw('receipt', receipt.rid, receipt.bytes, 60_000).catch(() => undefined);
      await until('n1’s capture waiting for the provider row', async () => ((await backendsWaitingOnLocks()) > 0 ? true : undefined));
      await cluster.kill9(n1);
    } finally {
      release();
      await holder;
    }
    // PostgreSQL notices the dead connection and rolls n1's transaction back.
    await until('n1’s transaction gone', async () => ((await backendsWaitingOnLocks()) === 0 ? true : undefined));
    expect(await captures(receipt.transfer)).toBe(0);

    const onN2 = await login(n2, 'cat');
    const charged = expectType(await onN2.requestRaw('receipt', receipt.rid, receipt.bytes), 'charge');
    await onN2.close();
    await cluster.restart(n1);
    const again = await login(n1, 'cat');
    expect(expectType(await again.requestRaw('receipt', receipt.rid, receipt.bytes), 'charge').chargedAt).toBe(charged.chargedAt);
    await again.close();

    expect(await captures(receipt.transfer)).toBe(1);
    expect(await balance('cat')).toBe(before - PRICE);
    expect(await cluster.withStore(({ ledger }) => checkInvariants(ledger, Date.now()))).toEqual([]);
  }, 120_000);
});
