/**
 * `resume_after_node_kill_ms_*`: real terminal runtimes (device/ on the Node port: flash in
 * files, TCP, hash-checked chunks) buy and stream a one-part title through HAProxy from a
 * three-node cluster (sim/cluster's harness). The terminals come in one wave per kill; a
 * quarter of a download after a wave started, the node the most terminals are downloading
 * from is `kill -9`'d (the harness's fault runner picks it, restarts it after `outageMs` and
 * waits until HAProxy sends it terminals again before the next wave). For each terminal that
 * was downloading from the killed node: from the kill to its next verified chunk after it
 * logged in again elsewhere, less the reconnect back-off its runtime drew (resume-times.ts).
 *
 * Each terminal's link is paced (the harness's paced link: reads no faster than a radio would
 * deliver), so a part streams for seconds and a kill lands mid-stream; the pace is fast enough
 * that what was already in flight from the dead node drains in well under a second. The
 * runtimes keep their production reconnect back-off (full jitter, 500 ms base), which is
 * subtracted, and production keep-alive, which plays no part (a killed node's sockets close).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeSigner } from '../../../device/ports/node/index.js';
import { Xoshiro128StarStar } from '../../../sdk/testing/mocks/seeded-random.js';
import { SUPER_GOLF_ID, writeSuperGolf } from '../../../sim/catalog/index.js';
import { startCluster, type Cluster } from '../../../sim/cluster/cluster-harness.js';
import { planFaults } from '../../../sim/cluster/fault-plan.js';
import { runFaults } from '../../../sim/cluster/fault-runner.js';
import { TerminalFleet, type FleetMember } from '../../../sim/cluster/terminal-fleet.js';
import { resumeAfterKill, type RadioNote, type ResumeTime } from './resume-times.js';

export interface ResumeOptions {
  postgresUrl: string;
  /** Terminal runtimes streaming through the balancer. */
  terminals: number;
  /** The part they stream (the title's engine part). */
  partBytes: number;
  /** Each terminal's link rate. */
  bytesPerSecond: number;
  /** Nodes killed one after the other (each restarted before the next). */
  kills: number;
  /** A killed node is restarted this long after the kill. */
  outageMs: number;
  seed: number;
  log: (line: string) => void;
}

export interface ResumeResult {
  /** One per terminal that was downloading from a killed node and resumed. */
  times: ResumeTime[];
  /** Terminals downloading from a killed node. */
  victims: number;
  /** Of those, ones that stored no chunk after logging in again before their title ended. */
  unresumed: number;
}

/** A wave's start times spread over this long: a fleet does not arrive in one instant. */
const START_SPREAD_MS = 1_000;
/** The kill comes this share of a download after its wave started: past logins and offers, well before the end. */
const LEAD_SHARE = 0.25;

export async function measureResumeAfterKill(o: ResumeOptions): Promise<ResumeResult> {
  const root = await mkdtemp(join(tmpdir(), 'fairway-bench-resume-'));
  const random = (() => {
    const generator = new Xoshiro128StarStar(o.seed);
    return () => generator.nextUint32() / 2 ** 32;
  })();
  const members: FleetMember[] = Array.from({ length: o.terminals }, (_, i) => ({
    deviceId: `rk-${String(i).padStart(3, '0')}`,
    user: `rk-u-${i}`,
    password: `rk-pw-${i}`,
    signer: NodeSigner.fromSeed(Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256))),
  }));
  let cluster: Cluster | undefined;
  let fleet: TerminalFleet | undefined;
  try {
    const golf = await writeSuperGolf(join(root, 'titles'), { holes: 1, engineBytes: o.partBytes, pricing: { rule: 'standard' }, seed: o.seed });
    cluster = await startCluster({
      postgres: o.postgresUrl,
      nodes: 3,
      world: {
        titleFolders: [golf.folder],
        users: members.map((m) => ({ id: m.user, password: m.password, creditMinor: 100_000 })),
        terminals: members.map((m) => ({ deviceId: m.deviceId, userId: m.user, publicKey: m.signer.publicKey })),
      },
    });
    o.log(`resume: 3 nodes behind HAProxy on port ${cluster.port}; ${o.terminals} terminals streaming ${o.partBytes} bytes each at ${o.bytesPerSecond} B/s`);
    fleet = await TerminalFleet.create(members, {
      host: '127.0.0.1',
      port: cluster.port,
      flashRoot: join(root, 'flash'),
      storePublicKey: cluster.storePublicKey,
      title: SUPER_GOLF_ID,
      pace: { bytesPerSecond: o.bytesPerSecond, burstBytes: 16 * 1024 },
      // The part, its stored image and room to spare.
      capacityBytes: 3 * o.partBytes + 1024 * 1024,
    });
    const radio = new Map<string, RadioNote[]>();
    for (const t of fleet.terminals) {
      const notes: RadioNote[] = [];
      radio.set(t.deviceId, notes);
      t.terminal.on('radio', (r) => notes.push({ atMs: Date.now(), online: r.online, ...(r.retryInMs !== undefined ? { retryInMs: r.retryInMs } : {}) }));
    }
    const downloadMs = (o.partBytes / o.bytesPerSecond) * 1000;
    // One wave per kill, released by the fault runner after the previous node is back.
    const release: (() => void)[] = [];
    const gates = Array.from({ length: o.kills }, () => new Promise<void>((resolve) => release.push(resolve)));
    const starts = members.map((_, i) => gates[i % o.kills]!.then(() => sleep(Math.round(random() * START_SPREAD_MS))));
    const running = fleet.run(starts, Math.max(180_000, o.kills * (3 * downloadMs + o.outageMs + 60_000)));
    const leadMs = Math.round(START_SPREAD_MS + LEAD_SHARE * downloadMs);
    const outcomes = await runFaults(cluster, fleet, planFaults(random, { kills: o.kills, pauses: 0, gapMs: [500, 1_000], leadMs: [leadMs, leadMs], killOutageMs: [o.outageMs, o.outageMs], pauseMs: 0 }), {
      startedAtMs: Date.now(),
      random,
      beforeFault: (index) => release[index]?.(),
      note: (line) => o.log(`resume: ${line}`),
    });
    const terminals = fleet.terminals;
    await running;
    const failed = terminals.filter((t) => t.failure);
    if (failed.length > 0) o.log(`resume: ${failed.length} terminals did not finish the title: ${failed.slice(0, 3).map((t) => `${t.deviceId} ${t.failure}`).join('; ')}`);
    const times: ResumeTime[] = [];
    let victims = 0;
    for (const outcome of outcomes) {
      for (const id of outcome.victims) {
        victims++;
        const t = terminals.find((x) => x.deviceId === id)!;
        const time = resumeAfterKill(outcome.atMs, radio.get(id) ?? [], t.storedChunksAtMs);
        if (time) times.push(time);
      }
    }
    return { times, victims, unresumed: victims - times.length };
  } finally {
    await fleet?.stop();
    await cluster?.stop();
    await rm(root, { recursive: true, force: true });
  }
}
