/**
 * Carries out a fault plan (fault-plan.ts) on a running cluster while a fleet streams through
 * it. Each fault hits the node the most terminals are downloading from right now — its log
 * says who is connected to it, the fleet says who is downloading — so a kill is a kill
 * mid-stream; each kill hits a node not killed before. Then it waits for recovery (the node
 * restarted or resumed, and HAProxy sending it terminals again) before the next fault, so no
 * two outages overlap and every fault is judged on its own. Timing comes from the plan,
 * relative to each recovery.
 */
import type { Cluster, ClusterNode } from './cluster-harness.js';
import type { FaultKind, PlannedFault } from './fault-plan.js';
import type { TerminalFleet } from './terminal-fleet.js';

export interface FaultOutcome {
  kind: FaultKind;
  node: string;
  /** Date.now() when the signal was sent. */
  atMs: number;
  /** Terminals downloading from the node at that moment. */
  victims: string[];
  /** Every fleet terminal connected to the node at that moment (downloading or not). */
  connected: string[];
  /** When HAProxy first reported the node DOWN, if it did during the outage. */
  balancerDownAtMs: number | undefined;
  /** When HAProxy reported it UP again after the restart or resume. */
  recoveredAtMs: number;
}

export interface FaultRunOptions {
  /** Date.now() the run started: notes count from it. */
  startedAtMs: number;
  /** Uniform [0, 1): breaks ties between equally busy nodes. */
  random: () => number;
  /**
   * Called with the fault's index after its quiet gap and before its lead time: where a test
   * starts the terminals this fault should catch mid-stream.
   */
  beforeFault?: (index: number) => void;
  /** How long to wait past the lead time for some node to have a terminal downloading; default 20 s. */
  victimWaitMs?: number;
  /** A line per step, for the test's output. */
  note?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function downloadingOn(node: ClusterNode, fleet: TerminalFleet): string[] {
  const here = node.log.connectedDevices();
  return fleet
    .downloading()
    .map((t) => t.deviceId)
    .filter((id) => here.has(id));
}

/**
 * The running node the most terminals are downloading from, among `candidates`. Waits for a
 * busier moment: up to 5 s for two terminals on one node, then up to `victimWaitMs` for one;
 * past that it hits the seed's choice anyway and the outcome records nobody on it.
 */
async function chooseVictim(cluster: Cluster, fleet: TerminalFleet, candidates: readonly ClusterNode[], options: FaultRunOptions): Promise<{ node: ClusterNode; victims: string[] }> {
  const startedAt = Date.now();
  for (;;) {
    const ranked = candidates
      .filter((n) => n.state === 'running')
      .map((node) => ({ node, victims: downloadingOn(node, fleet), tie: options.random() }))
      .sort((a, b) => b.victims.length - a.victims.length || a.tie - b.tie);
    const best = ranked[0];
    if (!best) throw new Error(`no running node left to fault (${cluster.nodes.map((n) => `${n.id} ${n.state}`).join(', ')})`);
    const waited = Date.now() - startedAt;
    const wanted = waited < 5_000 ? 2 : 1;
    if (best.victims.length >= wanted || waited > (options.victimWaitMs ?? 20_000)) return best;
    await sleep(25);
  }
}

/** Polls HAProxy's view of `node` until `until()` is true; returns when it first said DOWN. */
async function watchBalancer(cluster: Cluster, node: ClusterNode, until: () => boolean): Promise<number | undefined> {
  let downAt: number | undefined;
  while (!until()) {
    const state = (await cluster.balancer.serverStates().catch(() => [])).find((s) => s.name === node.id);
    if (downAt === undefined && state?.status.startsWith('DOWN')) downAt = Date.now();
    await sleep(100);
  }
  return downAt;
}

export async function runFaults(cluster: Cluster, fleet: TerminalFleet, plan: readonly PlannedFault[], options: FaultRunOptions): Promise<FaultOutcome[]> {
  const outcomes: FaultOutcome[] = [];
  // Kills hit a different node each ("two nodes are killed"). A pause may hit any node: after
  // restarts the balancer (least connections) sends new terminals to the restarted nodes, so
  // the one never killed may have nobody streaming from it.
  const neverKilled = [...cluster.nodes];
  const note = options.note ?? (() => undefined);
  for (const [index, fault] of plan.entries()) {
    await sleep(fault.gapMs);
    options.beforeFault?.(index);
    await sleep(fault.leadMs);
    const { node, victims } = await chooseVictim(cluster, fleet, fault.kind === 'kill9' ? neverKilled : cluster.nodes, options);
    if (fault.kind === 'kill9') neverKilled.splice(neverKilled.indexOf(node), 1);
    const connected = [...node.log.connectedDevices()].filter((id) => fleet.terminals.some((t) => t.deviceId === id));
    const atMs = Date.now();
    note(`${fault.kind} ${node.id} at +${atMs - options.startedAtMs} ms, ${victims.length} terminals downloading from it, for ${fault.outageMs} ms`);
    let outageOver = false;
    const balancerDown = watchBalancer(cluster, node, () => outageOver);
    if (fault.kind === 'kill9') {
      await cluster.kill9(node);
      await sleep(fault.outageMs);
      outageOver = true;
      await cluster.restart(node);
    } else {
      cluster.pause(node);
      await sleep(fault.outageMs);
      outageOver = true;
      cluster.resume(node);
    }
    const balancerDownAtMs = await balancerDown;
    await cluster.waitForBalancer({ [node.id]: 'UP' });
    const recoveredAtMs = Date.now();
    note(`${node.id} back in the balancer at +${recoveredAtMs - options.startedAtMs} ms`);
    outcomes.push({ kind: fault.kind, node: node.id, atMs, victims, connected, balancerDownAtMs, recoveredAtMs });
  }
  return outcomes;
}

/**
 * For each terminal downloading from the faulted node: ms from the fault to its first
 * verified chunk after it left the node (its connection dropped: the chunks still in the
 * pipes when the node stopped do not count), or — one that stayed on a frozen node until it
 * thawed — after the node was back. Undefined for one that stored no chunk after that.
 */
export function resumeTimesMs(outcome: FaultOutcome, fleet: TerminalFleet): (number | undefined)[] {
  return outcome.victims.map((id) => {
    const t = fleet.terminals.find((x) => x.deviceId === id);
    const left = t?.drops.find((d) => d.atMs > outcome.atMs && d.atMs <= outcome.recoveredAtMs)?.atMs ?? outcome.recoveredAtMs;
    const next = t?.storedChunksAtMs.find((at) => at > left);
    return next === undefined ? undefined : next - outcome.atMs;
  });
}

/**
 * For each terminal connected to the faulted node: ms from the fault until its connection
 * dropped (a reset for a kill; its keep-alive giving up on a frozen node), or undefined if it
 * stayed on the node until the node was back.
 */
export function dropTimesMs(outcome: FaultOutcome, fleet: TerminalFleet): (number | undefined)[] {
  return outcome.connected.map((id) => {
    const t = fleet.terminals.find((x) => x.deviceId === id);
    const drop = t?.drops.find((d) => d.atMs > outcome.atMs && d.atMs <= outcome.recoveredAtMs);
    return drop === undefined ? undefined : drop.atMs - outcome.atMs;
  });
}
