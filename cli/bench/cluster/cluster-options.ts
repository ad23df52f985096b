/**
 * The cluster bench's sizes, its PostgreSQL server, and a tiny mode: the defaults are what
 * BENCHMARKS.md records; FAIRWAY_BENCH_CLUSTER_TINY=1 (or the test's overrides) runs every
 * phase at toy size, to see each figure come out without waiting for it to mean much.
 */
import { FairwayError } from '../../../sdk/errors.js';

export interface ClusterBenchOptions {
  /** The PostgreSQL server the bench makes its schemas on (FAIRWAY_BENCH_PG_URL); unset: a durable throw-away server of its own, as the charges bench does. */
  postgresUrl: string | undefined;
  /** Bare terminals streaming at once in each CPU round. */
  terminals: number;
  /** The part each of them fetches whole, per round. */
  partBytes: number;
  /** Measured rounds, both sides streamed to at once in each (after one warm-up round). */
  rounds: number;
  /** Bare terminals connecting and logging in, in the Redis phase. */
  connects: number;
  /** Purchases each of them makes in the charges phase. */
  chargesPerTerminal: number;
  /** Terminal runtimes streaming through HAProxy while nodes are killed. */
  resumeTerminals: number;
  resumePartBytes: number;
  /** Each runtime's link rate. */
  resumeBytesPerSecond: number;
  kills: number;
  /** A killed node is restarted this long after its kill. */
  outageMs: number;
  seed: number;
  log: (line: string) => void;
}

const MIB = 1024 * 1024;

export const CLUSTER_BENCH_DEFAULTS = {
  terminals: 32,
  partBytes: 8 * MIB,
  rounds: 7,
  connects: 100,
  chargesPerTerminal: 2,
  resumeTerminals: 36,
  resumePartBytes: 6 * MIB,
  resumeBytesPerSecond: 512 * 1024,
  kills: 2,
  outageMs: 5_000,
  seed: 20_261_207,
} as const;

/** Every phase at toy size: seconds of streaming, a handful of terminals, one kill. */
export const CLUSTER_BENCH_TINY = {
  terminals: 4,
  partBytes: 256 * 1024,
  rounds: 1,
  connects: 6,
  chargesPerTerminal: 1,
  resumeTerminals: 6,
  resumePartBytes: 1 * MIB,
  resumeBytesPerSecond: 256 * 1024,
  kills: 1,
  outageMs: 3_000,
} as const;

export function clusterOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterBenchOptions {
  const tiny = env.FAIRWAY_BENCH_CLUSTER_TINY === '1';
  return {
    ...CLUSTER_BENCH_DEFAULTS,
    ...(tiny ? CLUSTER_BENCH_TINY : {}),
    postgresUrl: env.FAIRWAY_BENCH_PG_URL === '' ? undefined : env.FAIRWAY_BENCH_PG_URL,
    log: (line) => process.stderr.write(`cluster: ${line}\n`),
  };
}

export function checkClusterOptions(o: ClusterBenchOptions): ClusterBenchOptions {
  if (o.postgresUrl !== undefined && !/^postgres(ql)?:\/\//i.test(o.postgresUrl)) {
    throw new FairwayError('invalid-argument', `FAIRWAY_BENCH_PG_URL must be a postgres://… URL (a cluster shares PostgreSQL), not ${JSON.stringify(o.postgresUrl)}`, 'FAIRWAY_BENCH_PG_URL');
  }
  for (const name of ['terminals', 'rounds', 'connects', 'chargesPerTerminal', 'resumeTerminals', 'kills'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 1) throw new FairwayError('invalid-argument', `${name} must be a whole number ≥ 1, not ${o[name]}`, name);
  }
  // Three nodes, each killed at most once: the fault runner never hits a node twice.
  if (o.kills > 3) throw new FairwayError('invalid-argument', `kills must be at most 3 (one per node), not ${o.kills}`, 'kills');
  for (const name of ['partBytes', 'resumePartBytes'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 16 * 1024) throw new FairwayError('invalid-argument', `${name} must be a whole number of bytes ≥ one 16 KiB chunk, not ${o[name]}`, name);
  }
  for (const name of ['resumeBytesPerSecond', 'outageMs'] as const) {
    if (!Number.isFinite(o[name]) || o[name] <= 0) throw new FairwayError('invalid-argument', `${name} must be a positive number, not ${o[name]}`, name);
  }
  return o;
}
