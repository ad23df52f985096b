/**
 * When a cluster run hurts which node, and how, drawn from one seed: the same seed gives the
 * same order of faults, the same moments and the same outage lengths, so a failure can be
 * replayed. Which node is hit is decided only when the moment comes (fault-runner.ts: the
 * node terminals are downloading from), since that depends on where the balancer put them.
 */

export type FaultKind = 'kill9' | 'pause';

export interface PlannedFault {
  kind: FaultKind;
  /** Earliest moment, ms after the run started. */
  atMs: number;
  /** kill9: how long the node stays dead before its restart. pause: how long it stays frozen. */
  outageMs: number;
}

export interface FaultPlanOptions {
  kills: number;
  pauses: number;
  /** The first fault, ms after the run started. */
  firstAtMs: number;
  /** Between the end of one fault's recovery and the next, [min, max) ms. */
  gapMs: readonly [number, number];
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
  let atMs = options.firstAtMs;
  return kinds.map((kind) => {
    const outageMs = kind === 'kill9' ? between(options.killOutageMs) : options.pauseMs;
    const fault = { kind, atMs, outageMs };
    // The next fault is planned after this one's outage; the runner also waits for recovery.
    atMs += outageMs + between(options.gapMs);
    return fault;
  });
}
