/**
 * Two store nodes (`startStore` with `cluster`) on one PostgreSQL database and one real
 * redis-server, and terminals that hop between them the way they do behind the balancer:
 * a captured credential is accepted once; login guesses are counted across nodes; a request
 * resent to the other node gets the first node's reply bytes exactly; with Redis flushed
 * (or down) the database still makes a resent `finish` write one row and a resent
 * `seat.notices` hear `charged` again; and a node keeps answering while Redis is down.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { prepareTitle } from '../../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../../broker/catalog/save-title.js';
import { openDatabase } from '../../../broker/db/index.js';
import { enrolTerminal } from '../../../broker/directory/terminals.js';
import { addUser } from '../../../broker/directory/users.js';
import { createStoreKeyFile, STORE_KEY_FILE } from '../../../broker/keys/store-key.js';
import { adjustBalance } from '../../../broker/ledger/adjust.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { NodeSigner } from '../../../device/ports/node/index.js';
import { licenceArtefact, seatNoticeArtefact } from '../../../sdk/licence/index.js';
import { manifestArtefact } from '../../../sdk/manifest/index.js';
import { receiptArtefact } from '../../../sdk/receipt/index.js';
import type { DownMessage } from '../../../sdk/wire/index.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';
import { crypto, utf8 } from '../../support/keys.js';
import { connackCode } from '../server/support/mqtt-clients.js';
import { credentialFor, RawTerminal, type RawReply } from './raw-terminal.js';

const pgUrl = process.env.FAIRWAY_TEST_PG_URL;

function as<T extends DownMessage['t']>(reply: RawReply, t: T): Extract<DownMessage, { t: T }> {
  expect(reply.message.t, JSON.stringify(reply.message, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))).toBe(t);
  return reply.message as Extract<DownMessage, { t: T }>;
}

describe.runIf(pgUrl)('two store nodes sharing PostgreSQL and Redis', () => {
  const schema = `fw_cluster_${process.pid}_${Date.now().toString(36)}`;
  const admin = pgUrl ? openDatabase(pgUrl, { poolMax: 1 }) : undefined;
  let root: string;
  let redis: RedisServer;
  let flusher: Redis;
  let a: RunningStore;
  let b: RunningStore;
  const keys = new Map<string, NodeSigner>();
  const key = (id: string) => keys.get(id)!;
  const terminals: RawTerminal[] = [];
  let rid = 1_000;

  async function terminal(node: RunningStore, deviceId: string, user?: string): Promise<RawTerminal> {
    const t = await RawTerminal.connect(node.broker.ports.tcp, deviceId, key(deviceId));
    terminals.push(t);
    if (user) as(await t.send(RawTerminal.encode(rid++, { t: 'login', user, password: `${user}-pw` })), 'login.ok');
    return t;
  }

  const history = async (user: string) => (await a.database.db.selectFrom('history').select(['kind', 'part_id']).where('user_id', '=', user).where('kind', '=', 'finish').execute()).length;

  beforeAll(async () => {
    await sql`create schema ${sql.id(schema)}`.execute(admin!.db);
    const databaseUrl = `${pgUrl}${pgUrl!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    redis = await startRedis();
    flusher = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    flusher.on('error', () => undefined); // the outage test kills Redis under it
    root = await mkdtemp(join(tmpdir(), 'fairway-two-nodes-'));
    // One cluster, one store key, made once off any node; every node starts with it.
    const storeKeyFile = join(root, STORE_KEY_FILE);
    await createStoreKeyFile(storeKeyFile, Date.now());
    const node = (name: string) => ({ dataDir: join(root, name), databaseUrl, passwordParams: FAST_TEST_PARAMS, drainTimeoutMs: 2_000, logger: pino({ level: 'silent' }), cluster: { redisUrl: redis.url, nodeId: name, storeKeyFile } });
    a = await startStore(node('a'));
    b = await startStore(node('b'));

    const db = a.database.db;
    for (const user of ['alice', 'bob', 'carol']) await addUser(db, { id: user, password: `${user}-pw` }, Date.now(), FAST_TEST_PARAMS);
    for (const [deviceId, userId] of [['hh-alice', 'alice'], ['peer-1', 'bob'], ['hh-carol', 'carol']] as const) {
      keys.set(deviceId, NodeSigner.generate());
      await enrolTerminal(db, { deviceId, userId, publicKey: key(deviceId).publicKey }, Date.now());
    }
    const dir = join(root, 'golf');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'title.yaml'), `id: golf\nname: Golf\nprovider: Sharp\ncategory: game\nseats: { price: 100, billing: per-reception, maxSeats: 3, sessionMs: 60000 }\nparts:\n  - { id: golf-h01, file: p1, price: 300 }\n  - { id: golf-h02, file: p2, price: 300 }\n`);
    await writeFile(join(dir, 'p1'), crypto.randomBytes(3_000));
    await writeFile(join(dir, 'p2'), crypto.randomBytes(2_000));
    await saveTitle(db, await prepareTitle(dir, { content: a.content, crypto, storeSigner: a.key.signer, storeKid: a.key.kid }), dir, Date.now());
    await adjustBalance(a.ledger, { userId: 'alice', amountMinor: 5_000, reason: 'test funds', actor: 'test', nowMs: Date.now() });
  }, 90_000);

  afterAll(async () => {
    for (const t of terminals) await t.close().catch(() => undefined);
    await b?.close();
    await a?.close();
    flusher?.disconnect();
    await redis?.stop();
    if (root) await rm(root, { recursive: true, force: true });
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin!.db);
    await admin?.close();
  });

  /** offer.get then receipt on `t`; returns the receipt request, so a test can resend it. */
  async function buy(t: RawTerminal, part: string): Promise<{ receipt: ReturnType<typeof RawTerminal.encode>; charge: RawReply }> {
    const offer = as(await t.send(RawTerminal.encode(rid++, { t: 'offer.get', part })), 'offer');
    const manifest = (await manifestArtefact.open(offer.manifest, a.key.signer.publicKey, crypto)).payload;
    const signed = await receiptArtefact.sign(
      { v: 1, device: t.deviceId, user: 'alice', part, partHash: manifest.hash, transfer: offer.transfer, price: offer.price, nonce: crypto.randomBytes(16), time: Date.now() },
      key(t.deviceId),
      utf8(t.deviceId),
    );
    const receipt = RawTerminal.encode(rid++, { t: 'receipt', receipt: signed });
    const charge = await t.send(receipt);
    as(charge, 'charge');
    return { receipt, charge };
  }

  it('accepts a captured CONNECT credential once, on whichever node it is replayed', async () => {
    const credential = Buffer.from(await credentialFor('hh-carol', key('hh-carol')));
    const options = { clientId: 'hh-carol', username: 'hh-carol', password: credential, protocolVersion: 4 as const, clean: true };
    expect(await connackCode(`mqtt://127.0.0.1:${a.broker.ports.tcp}`, options)).toBe(0);
    expect(await connackCode(`mqtt://127.0.0.1:${b.broker.ports.tcp}`, options)).toBe(4);
    expect(await connackCode(`mqtt://127.0.0.1:${a.broker.ports.tcp}`, options)).toBe(4);
  });

  it('counts login guesses across nodes: five wrong on two nodes, and the sixth is refused on either', async () => {
    // One device id is connected to one node at a time (the other node's connection is taken
    // over), as a terminal hopping between nodes would be.
    const wrong = (t: RawTerminal) => t.send(RawTerminal.encode(rid++, { t: 'login', user: 'carol', password: 'wrong' }));
    const right = (t: RawTerminal) => t.send(RawTerminal.encode(rid++, { t: 'login', user: 'carol', password: 'carol-pw' }));
    const onA = await terminal(a, 'hh-carol');
    for (let i = 0; i < 3; i++) as(await wrong(onA), 'refusal');
    const onB = await terminal(b, 'hh-carol');
    for (let i = 0; i < 2; i++) as(await wrong(onB), 'refusal');
    expect(as(await right(onB), 'error').code).toBe('rate-limited');
    const onAAgain = await terminal(a, 'hh-carol');
    expect(as(await right(onAAgain), 'error').code).toBe('rate-limited');
  });

  it('answers a receipt resent to the other node with the first node’s reply bytes, and charges once', async () => {
    const onA = await terminal(a, 'hh-alice', 'alice');
    const { receipt, charge } = await buy(onA, 'golf-h01');
    const hitsBefore = b.service.replyCacheStats.sharedHits;
    // The reply was lost; the terminal reconnects through the balancer and lands on b.
    const onB = await terminal(b, 'hh-alice', 'alice');
    const again = await onB.send(receipt);
    expect(again.bytes).toEqual(charge.bytes);
    expect(b.service.replyCacheStats.sharedHits).toBe(hitsBefore + 1);
    const charges = await a.database.db.selectFrom('transfers').select('id').where('user_id', '=', 'alice').where('state', '=', 'charged').execute();
    expect(charges).toHaveLength(1);
  });

  it('writes one history row for a finish resent to the other node after Redis forgot it', async () => {
    const onA = await terminal(a, 'hh-alice', 'alice');
    const before = await history('alice');
    const finish = RawTerminal.encode(rid++, { t: 'finish', title: 'golf', part: 'golf-h01', results: { score: 72, holes: 1 } });
    as(await onA.send(finish), 'advert');
    await flusher.flushdb();
    const onB = await terminal(b, 'hh-alice', 'alice');
    as(await onB.send(finish), 'advert');
    expect(await history('alice')).toBe(before + 1);
    // A new request with the same results is a new finish.
    as(await onB.send(RawTerminal.encode(rid++, { t: 'finish', title: 'golf', part: 'golf-h01', results: { score: 72, holes: 1 } })), 'advert');
    expect(await history('alice')).toBe(before + 2);
  });

  it('tells seat.notices resent to the other node after Redis forgot them `charged` again, with the same balance', async () => {
    const host = await terminal(a, 'hh-alice', 'alice');
    const granted = as(await host.send(RawTerminal.encode(rid++, { t: 'licence.get', part: 'golf-h01', seats: 2 })), 'licence');
    const licence = (await licenceArtefact.open(granted.licence, a.key.signer.publicKey, crypto)).payload;
    const notice = await seatNoticeArtefact.sign(
      { v: 1, licence: licence.licence, peer: 'peer-1', host: licence.host, part: licence.part, partHash: licence.partHash, nonce: crypto.randomBytes(16), time: Date.now() },
      key('peer-1'),
      utf8('peer-1'),
    );
    const relay = RawTerminal.encode(rid++, { t: 'seat.notices', notices: [notice, notice] });
    const first = as(await host.send(relay), 'seat.charges').results;
    expect(first.map((r) => r.outcome)).toEqual(['charged', 'already-charged']);
    expect(first[0]!.balance).toBeTypeOf('number');
    await flusher.flushdb();
    const onB = await terminal(b, 'hh-alice', 'alice');
    expect(as(await onB.send(relay), 'seat.charges').results).toEqual(first);
    // Another request carrying the same notice is a duplicate, as on one node.
    const other = as(await onB.send(RawTerminal.encode(rid++, { t: 'seat.notices', notices: [notice] })), 'seat.charges').results;
    expect(other.map((r) => r.outcome)).toEqual(['already-charged']);
    const seats = await a.database.db.selectFrom('seat_charges').select('peer_device_id').execute();
    expect(seats).toHaveLength(1);
  });

  it('with Redis down keeps answering what the database decides, answers `unavailable` for what Redis decides, and recovers', async () => {
    const onA = await terminal(a, 'hh-alice', 'alice');
    const before = await history('alice');
    await redis.kill();
    try {
      // The shared reply level is a shortcut: the finish is handled and written once anyway.
      const finish = RawTerminal.encode(rid++, { t: 'finish', title: 'golf', part: 'golf-h01', results: { score: 70 } });
      as(await onA.send(finish), 'advert');
      // Guess limits and nonces live in Redis: nothing is decided without it.
      const login = as(await onA.send(RawTerminal.encode(rid++, { t: 'login', user: 'alice', password: 'alice-pw' })), 'error');
      expect(login.code).toBe('unavailable');
      expect(login.retryAfterMs).toBeGreaterThan(0);
      const credential = Buffer.from(await credentialFor('hh-alice', key('hh-alice')));
      expect(await connackCode(`mqtt://127.0.0.1:${b.broker.ports.tcp}`, { clientId: 'hh-alice', username: 'hh-alice', password: credential, protocolVersion: 4, clean: true })).toBe(3);
      expect(await history('alice')).toBe(before + 1);
    } finally {
      await redis.start();
    }
    // Both nodes reconnect by themselves.
    for (const node of [a, b]) {
      for (;;) {
        try {
          await node.shared!.ping();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    const onB = await terminal(b, 'hh-alice', 'alice');
    as(await onB.send(RawTerminal.encode(rid++, { t: 'menu.get' })), 'menu');
  });
});

if (!pgUrl) {
  const notice = 'two-node cluster tests need FAIRWAY_TEST_PG_URL: run `eval "$(bash .ci/setup-postgres.sh | tail -n 1)"` (as root) and then the tests again';
  if (process.env.CI) {
    describe('two store nodes sharing PostgreSQL and Redis', () => {
      it('has a database to run against (FAIRWAY_TEST_PG_URL)', () => {
        throw new Error(notice);
      });
    });
  } else {
    console.warn(`\n#### two-node cluster tests SKIPPED: ${notice}\n`);
  }
}
