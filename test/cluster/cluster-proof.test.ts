/**
 * The cluster proof with real processes [issue 11, acceptance 6]: three `fairway store serve`
 * processes behind HAProxy, one Redis, one PostgreSQL schema, and fifty real terminal
 * runtimes (device/ on the Node port) buying and streaming a three-part Super Golf through the
 * balancer. While they stream, two nodes are `kill -9`'d — each the node most terminals were
 * downloading from at that moment — and restarted, and one is SIGSTOPped for longer than the
 * terminals' keep-alive allows, then resumed. Past the balancer, straight to each node: one
 * captured credential replayed to all three at once, wrong passwords spread over the three,
 * a charged receipt resent byte for byte to each.
 *
 * After: every terminal finished its title (every part charged once, played); the ledger's
 * invariants hold and every hold is captured or released; the credential was accepted once
 * in the whole cluster; the sixth wrong password is refused `rate-limited` whichever node it
 * reaches; the expiry sweep ran once per tick, on one node.
 *
 * Everything drawn — start times, the order and moments of the faults, outage lengths, the
 * receipt resent — comes from the seed (test/support/seed.ts); a failure names its seed, and
 * FAIRWAY_SEED=<seed> replays the draws (the machine's timing still varies).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { chargeRef } from '../../broker/ledger/capture-group.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { releaseExpired } from '../../broker/ledger/holds.js';
import { DEFAULT_STORE_CONFIG } from '../../broker/service/store-context.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { Xoshiro128StarStar } from '../../sdk/testing/mocks/seeded-random.js';
import { toHex } from '../../sdk/vectors/json.js';
import { writeSuperGolf, golfPartId, defaultGolfPrice } from '../../sim/catalog/index.js';
import { startCluster, type Cluster } from '../../sim/cluster/cluster-harness.js';
import { planFaults } from '../../sim/cluster/fault-plan.js';
import { dropTimesMs, resumeTimesMs, runFaults, type FaultOutcome } from '../../sim/cluster/fault-runner.js';
import { TerminalFleet, type FleetMember } from '../../sim/cluster/terminal-fleet.js';
import { seed } from '../support/seed.js';
import { requireBinary } from '../support/server-binaries.js';
import { replayCredential, resendReceipt, wrongPasswords } from './cluster-probes.js';

const postgres = process.env.FAIRWAY_TEST_PG_URL;
// Without them the proof cannot run: skipped loudly here, a failure on CI (test/support/server-binaries.ts).
const serversInstalled = requireBinary('redis-server') && requireBinary('haproxy');
if (!postgres && process.env['CI']) it('has PostgreSQL on CI (FAIRWAY_TEST_PG_URL)', () => expect.fail('FAIRWAY_TEST_PG_URL is not set: the cluster proof needs PostgreSQL (.ci/setup-postgres.sh)'));
const TERMINALS = 50;
const HOLES = 3;
const PARTS = Array.from({ length: HOLES }, (_, i) => golfPartId(i + 1));
const TITLE_PRICE = PARTS.reduce((sum, _, i) => sum + defaultGolfPrice(i + 1), 0);
/**
 * An idle terminal notices a silent node within 2 + 1.5 × 2 s (a ping after 2 s without
 * sending, 3 s for its answer); a downloading one later, since its window requests keep
 * postponing the ping. The frozen node stays frozen well past both.
 */
const KEEP_ALIVE_S = 2;
const PAUSE_MS = 8_000;
/**
 * The fleet starts in one wave per fault, each just before its fault (whenever that comes: a
 * restart takes seconds on an idle machine and tens of them on a busy one), its terminals
 * spread over this long, so the fault lands while some of them stream.
 */
const WAVE_SPREAD_MS = 4_000;
const FAULTS = 3;
/** Per terminal, like a 3G radio: 150 KB of title streams in about six seconds. */
const PACE = { bytesPerSecond: 24_000, burstBytes: 4096 };
const FLEET_LIMIT_MS = 100_000;
/**
 * The course and the player's luck are not what this test draws: a golfer may give up after a
 * bad hole (sim/catalog/golf-engine.ts), and the proof needs every part bought. Course 7 played
 * with seed 42 goes all three holes (test/device/terminal/store-serve-e2e.test.ts).
 */
const GOLF_SEED = 7;
const PLAY_SEED = 42;
const LOGIN_LIMIT = 5;

const random = (() => {
  const generator = new Xoshiro128StarStar(seed);
  return () => generator.nextUint32() / 2 ** 32;
})();
const seededSigner = () => NodeSigner.fromSeed(Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256)));
const printSeedOnFailure = () => onTestFailed(() => console.error(`\ncluster proof failed: replay with FAIRWAY_SEED=${seed}\n`));

const members: FleetMember[] = Array.from({ length: TERMINALS }, (_, i) => ({ deviceId: `hh-c${String(i + 1).padStart(3, '0')}`, user: `player${i + 1}`, password: `pw-${i + 1}`, signer: seededSigner() }));
const replayDevice = { deviceId: 'hh-replay', signer: seededSigner() };
const guessDevices = [1, 2, 3].map((i) => ({ deviceId: `hh-guess-${i}`, signer: seededSigner() }));
const waveOf = members.map((_, i) => i % FAULTS);
const startOffsets = members.map(() => Math.round(random() * WAVE_SPREAD_MS));

/** min / p50 / max of the known values, and how many are unknown (undefined). */
function spread(values: readonly (number | undefined)[]): { n: number; min?: number; p50?: number; max?: number; none: number } {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const none = values.length - known.length;
  if (known.length === 0) return { n: 0, none };
  return { n: known.length, min: known[0]!, p50: known[Math.floor(known.length / 2)]!, max: known[known.length - 1]!, none };
}

/** What the run showed, printed at the end whatever happened. */
const report: Record<string, unknown> = { seed, terminals: TERMINALS };

describe.skipIf(!postgres || !serversInstalled)(`the cluster proof (FAIRWAY_SEED=${seed})`, () => {
  let root: string;
  let cluster: Cluster;
  let fleet: TerminalFleet | undefined;
  let faults: FaultOutcome[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fairway-cluster-proof-'));
    const golf = await writeSuperGolf(join(root, 'titles'), { holes: HOLES, engineBytes: 60_000, holeBytes: 30_000, pricing: { rule: 'standard' }, seed: GOLF_SEED });
    cluster = await startCluster({
      postgres: postgres!,
      nodes: 3,
      // Round robin, so that every wave of terminals lands on every node: with least
      // connections the restarted nodes would take all newcomers, and a later fault could find
      // nobody streaming from the node it must hit.
      balancer: { balance: 'roundrobin' },
      world: {
        titleFolders: [golf.folder],
        users: [
          ...members.map((m) => ({ id: m.user, password: m.password, creditMinor: 10 * TITLE_PRICE })),
          { id: 'replayer', password: 'replayer-pw' },
          { id: 'guessed', password: 'the-right-one' },
        ],
        terminals: [
          ...members.map((m) => ({ deviceId: m.deviceId, userId: m.user, publicKey: m.signer.publicKey })),
          { deviceId: replayDevice.deviceId, userId: 'replayer', publicKey: replayDevice.signer.publicKey },
          ...guessDevices.map((d) => ({ deviceId: d.deviceId, userId: 'guessed', publicKey: d.signer.publicKey })),
        ],
      },
    });
    report['clusterStartupMs'] = cluster.startupMs;
    fleet = await TerminalFleet.create(members, {
      host: '127.0.0.1',
      port: cluster.port,
      flashRoot: join(root, 'flash'),
      storePublicKey: cluster.storePublicKey,
      title: 'super-golf',
      pace: PACE,
      terminal: {
        keepAliveSeconds: KEEP_ALIVE_S,
        reconnectBackoff: { baseMs: 200, capMs: 2_000 },
        requestResend: { firstMs: 2_000, capMs: 8_000, jitter: 0.2 },
        faultRetryMs: 1_000,
        download: { maxWindowBytes: 64 * 1024, baseTimeoutMs: 1_000, initialRateBytesPerS: 20_000, maxTimeoutMs: 8_000 },
      },
      playSeed: () => PLAY_SEED,
    });
  }, 120_000);

  afterAll(async () => {
    console.log(`\ncluster proof report: ${JSON.stringify(report, null, 2)}\n`);
    await fleet?.stop();
    await cluster?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('every terminal finishes its title while two nodes are killed mid-stream and one is frozen past the keep-alive', async () => {
    printSeedOnFailure();
    const plan = planFaults(random, { kills: 2, pauses: 1, gapMs: [500, 2_000], leadMs: [1_500, 3_500], killOutageMs: [300, 1_500], pauseMs: PAUSE_MS });
    const waves = Array.from({ length: FAULTS }, () => {
      let resolve!: () => void;
      return { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() };
    });
    const startedAtMs = Date.now();
    const running = fleet!.run(
      members.map((_, i) => waves[waveOf[i]!]!.promise.then(() => new Promise((r) => setTimeout(r, startOffsets[i])))),
      FLEET_LIMIT_MS,
    );
    const steps: string[] = [];
    try {
      faults = await runFaults(cluster, fleet!, plan, { startedAtMs, random, beforeFault: (k) => waves[k]!.resolve(), note: (line) => steps.push(line) });
    } finally {
      for (const wave of waves) wave.resolve(); // a failed fault run must not leave terminals waiting for ever
      await running;
    }
    const terminals = fleet!.terminals;

    report['fleetMs'] = Math.max(...terminals.map((t) => (t.finishedAtMs ?? Date.now()) - startedAtMs));
    report['faultSteps'] = steps;
    report['faults'] = faults.map((f) => ({
      kind: f.kind,
      node: f.node,
      terminalsDownloadingFromIt: f.victims.length,
      terminalsConnectedToIt: f.connected.length,
      balancerMarkedDownAfterMs: f.balancerDownAtMs === undefined ? null : f.balancerDownAtMs - f.atMs,
      backInBalancerAfterMs: f.recoveredAtMs - f.atMs,
      // Downloading terminals: from the fault to their first verified chunk over a new connection.
      resumedAfterMs: spread(resumeTimesMs(f, fleet!)),
      // Connected terminals: from the fault to their connection dropping (reset, or keep-alive).
      droppedAfterMs: spread(dropTimesMs(f, fleet!)),
    }));
    report['finished'] = terminals.filter((t) => t.done).length;
    report['partsCharged'] = terminals.reduce((n, t) => n + t.charges.length, 0);
    report['partsPlayed'] = terminals.reduce((n, t) => n + t.played.length, 0);
    report['reconnects'] = terminals.reduce((n, t) => n + Math.max(0, t.sessionStats().connects - 1), 0);
    report['requestResends'] = terminals.reduce((n, t) => n + t.sessionStats().resends, 0);
    report['failures'] = terminals.filter((t) => t.failure).map((t) => `${t.deviceId}: ${t.failure}`);

    expect(report['failures']).toEqual([]);
    for (const t of terminals) {
      expect(t.played, t.deviceId).toEqual(PARTS);
      expect(t.charges.map((c) => c.part).sort(), t.deviceId).toEqual(PARTS);
    }
    expect(faults.map((f) => f.kind).sort()).toEqual(['kill9', 'kill9', 'pause']);
    expect(new Set(faults.filter((f) => f.kind === 'kill9').map((f) => f.node)).size, 'two different nodes killed').toBe(2);
    // Each fault hit a node that terminals were downloading from at that moment.
    for (const f of faults) expect(f.victims.length, `${f.kind} ${f.node}`).toBeGreaterThan(0);
    for (const f of faults.filter((x) => x.kind === 'kill9')) expect(cluster.node(f.node).incarnations, f.node).toBe(2);
  }, 150_000);

  it('a captured credential replayed to all three nodes at once is accepted once in the whole cluster', async () => {
    printSeedOnFailure();
    const nodes = cluster.nodes.map((n) => ({ id: n.id, port: n.mqttPort }));
    const codes = await replayCredential(nodes, replayDevice.deviceId, replayDevice.signer);
    report['credentialReplay'] = codes;
    expect(codes.filter((c) => c.code === 0), JSON.stringify(codes)).toHaveLength(1);
    // Each refusing node logged why. A node's log reaches us through its stdout pipe, which
    // pino writes asynchronously: the line may arrive after the CONNACK did.
    const refusingNodes = codes.filter((c) => c.code !== 0).map((c) => c.node).sort();
    const loggedRefusals = () => cluster.logs().filter((l) => l.msg === 'connect refused' && l['clientId'] === replayDevice.deviceId).map((l) => l.node).sort();
    for (let waitedMs = 0; loggedRefusals().length < refusingNodes.length && waitedMs < 5_000; waitedMs += 50) await new Promise((r) => setTimeout(r, 50));
    expect(loggedRefusals()).toEqual(refusingNodes);
  });

  it(`wrong passwords spread over the three nodes are refused rate-limited after ${LOGIN_LIMIT} failures in total`, async () => {
    printSeedOnFailure();
    const nodes = cluster.nodes.map((n) => ({ id: n.id, port: n.mqttPort }));
    const answers = await wrongPasswords(nodes, guessDevices, 'guessed', 3 * 3);
    report['wrongPasswords'] = answers.map((a) => `${a.node} ${a.answer}`);
    expect(answers.slice(0, LOGIN_LIMIT).map((a) => a.answer)).toEqual(Array(LOGIN_LIMIT).fill('refusal:login-refused'));
    const limited = answers.slice(LOGIN_LIMIT);
    expect(limited.map((a) => a.answer)).toEqual(Array(limited.length).fill('error:rate-limited'));
    // The limit held on every node, not only on the one that counted the fifth failure.
    expect(new Set(limited.map((a) => a.node)).size).toBe(3);
  });

  it('a charged receipt sent again, byte for byte, to each node is answered with its one charge and not charged again', async () => {
    printSeedOnFailure();
    await fleet!.stop(); // the terminal's own connection must not race the probe's
    const finished = fleet!.terminals.filter((t) => t.done && t.receipts.size > 0);
    expect(finished.length).toBeGreaterThan(0);
    const terminal = finished[Math.floor(random() * finished.length)]!;
    const charged = [...terminal.receipts.values()].filter((r) => r.charged);
    const receipt = charged[Math.floor(random() * charged.length)]!;
    const bytes = terminal.receiptBytes(receipt.transfer);
    expect(bytes, 'the receipt as the terminal sent it').toBeDefined();
    const balance = () => cluster.withStore(async ({ database }) => Number((await database.db.selectFrom('accounts').select('balance_minor').where('id', '=', `user:${terminal.member.user}`).executeTakeFirstOrThrow()).balance_minor));
    const before = await balance();

    const nodes = cluster.nodes.map((n) => ({ id: n.id, port: n.mqttPort }));
    const replies = await resendReceipt(nodes, { ...terminal.member }, bytes!);
    report['receiptResent'] = { device: terminal.deviceId, part: receipt.part, answers: replies.map((r) => `${r.node} ${r.reply.t}`) };
    for (const { node, reply } of replies) {
      expect(reply.t, node).toBe('charge');
      if (reply.t !== 'charge') continue;
      expect(toHex(reply.transfer), node).toBe(receipt.transfer);
      expect(reply.part, node).toBe(receipt.part);
    }
    const chargedAt = new Set(replies.map(({ reply }) => (reply.t === 'charge' ? reply.chargedAt : -1)));
    expect(chargedAt.size, 'every node names the one original charge').toBe(1);
    expect(await balance()).toBe(before);
    const captures = await cluster.withStore(({ database }) => database.db.selectFrom('ledger_txns').select('ref').where('ref', '=', chargeRef(receipt.transfer)).execute());
    expect(captures.length, JSON.stringify(captures)).toBe(1);
  });

  it('the ledger invariants hold; each terminal paid each part once; every hold is captured or released', async () => {
    printSeedOnFailure();
    await cluster.withStore(async ({ database, ledger }) => {
      expect(await checkInvariants(ledger, Date.now())).toEqual([]);
      const charged = await database.db.selectFrom('transfers').select(['user_id', 'part_id']).where('state', '=', 'charged').execute();
      for (const m of members) {
        expect(charged.filter((c) => c.user_id === m.user).map((c) => c.part_id).sort(), m.user).toEqual(PARTS);
      }
      // A hold whose offer never reached its terminal (placed by a node killed before it
      // answered) is nobody's to capture: the sweep releases it when it lapses. Sweep as the
      // nodes will at that time, rather than wait the hold's ten minutes.
      const open = await database.db.selectFrom('transfers').select(['id', 'user_id', 'part_id']).where('state', '=', 'open').execute();
      report['orphanHolds'] = open.length;
      for (const hold of open) expect(charged.some((c) => c.user_id === hold.user_id && c.part_id === hold.part_id), `open hold ${hold.id} of ${hold.user_id}`).toBe(true);
      const lapsedAt = Date.now() + DEFAULT_STORE_CONFIG.holdMs + 1;
      expect(await releaseExpired(ledger, lapsedAt)).toBe(open.length);
      const states = await database.db.selectFrom('transfers').select('state').distinct().execute();
      expect(states.map((s) => s.state).sort()).toEqual(open.length > 0 ? ['charged', 'released'] : ['charged']);
      expect(await checkInvariants(ledger, lapsedAt)).toEqual([]);
    });
  });

  it('the hold-expiry sweep ran once per tick cluster-wide, each tick on one node', async () => {
    printSeedOnFailure();
    const swept = cluster.logs().filter((l) => l.msg === 'swept lapsed holds');
    const rows = await cluster.withStore(({ database }) => database.db.selectFrom('sweep_ticks').select(['tick', 'node_id']).execute());
    report['sweeps'] = { logged: swept.length, ticksInTable: rows.length, byNode: Object.fromEntries(cluster.nodes.map((n) => [n.id, swept.filter((l) => l.node === n.id).length])) };
    // The run lasts tens of seconds, a tick is 5 s: several ticks, whoever swept them.
    expect(swept.length).toBeGreaterThanOrEqual(3);
    const ticks = swept.map((l) => Number(l['tick']));
    expect(ticks.length - new Set(ticks).size, 'ticks swept twice').toBe(0);
    const owner = new Map(rows.map((r) => [Number(r.tick), r.node_id]));
    for (const line of swept) expect(owner.get(Number(line['tick'])), `tick ${String(line['tick'])}`).toBe(line.node);
  });
});
