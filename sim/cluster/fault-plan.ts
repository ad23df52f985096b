/**
 * How a cluster run hurts its nodes, drawn from one seed: the same seed gives the same order
 * of faults, the same pauses between them and the same outage lengths, so a failure can be
 * replayed. Moments are relative — to the previous fault's recovery, to the terminals started
 * for this fault — not to the clock: a node's restart takes 2 s on an idle machine and 20 s
 * on a busy one, and a plan in absolute times would then fire its faults at a finished fleet.
 * Which node is hit is decided only when the moment comes (fault-runner.ts: the node
 * terminals are downloading from), since that depends on where the balancer put them.
 */

export type FaultKind = 'kill9' | 'pause';

export interface PlannedFault {
  kind: FaultKind;
  /** Quiet time before it: after the previous fault's recovery (or the run's start), ms. */
  gapMs: number;
  /** From the moment the runner lets new terminals start (its `beforeFault` hook) to the fault, ms. */
  leadMs: number;
  /** kill9: how long the node stays dead before its restart. pause: how long it stays frozen. */
  outageMs: number;
}

export interface FaultPlanOptions {
  kills: number;
  pauses: number;
  /** Quiet time before each fault, [min, max) ms. */
  gapMs: readonly [number, number];
  /** Lead time from new terminals starting to the fault, [min, max) ms: how far into their streams it lands. */
  leadMs: readonly [number, number];
  /** A killed node is restarted after [min, max) ms. */
  killOutageMs: readonly [number, number];
  /** A paused node is resumed after this long. */
  pauseMs: number;
}

/** `random()` uniform in [0, 1), e.g. from the test's seed. */
export function planFaults(random: () => number, options: FaultPlanOptions): PlannedFault[] {
  const kinds: FaultKind[] = [...Array<FaultKind>(options.kills).fill('kill9'), ...Array<FaultKind>(options.pauses).fill('pause')];
  // Fisher–Yates with the seed's draws: the order of kills and pauses is part of the seed.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const between = ([min, max]: readonly [number, number]) => Math.round(min + random() * (max - min));
  return kinds.map((kind) => ({
    kind,
    gapMs: between(options.gapMs),
    leadMs: between(options.leadMs),
    outageMs: kind === 'kill9' ? between(options.killOutageMs) : options.pauseMs,
  }));
}
