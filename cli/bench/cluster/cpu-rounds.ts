/**
 * The same streaming load on the single node and on a cluster node, side by side: in every
 * round both are streamed to at the same moment (stream-round.ts), so whatever else the
 * machine does in that round weighs on both. One unmeasured round first: JIT, connection
 * pools, the content cache. The figures are each side's median CPU ms per MB over the rounds.
 */
import type { FleetDevice } from '../fleet/bench-terminal.js';
import { median } from '../fleet/loopback-ratio.js';
import { cpuMsPerMb, streamRound, type StreamPart, type StreamTarget } from './stream-round.js';

export interface CpuComparison {
  singleMsPerMb: number;
  clusterMsPerMb: number;
  /** Every measured round, for the log and the BENCHMARKS range. */
  rounds: { single: number; cluster: number }[];
  /** Chunk payload each side delivered per round. */
  payloadBytesPerRound: number;
}

const ROUND_TIMEOUT_MS = 300_000;

export async function compareCpu(sides: { single: StreamTarget; cluster: StreamTarget }, devices: readonly FleetDevice[], part: StreamPart, rounds: number, log: (line: string) => void): Promise<CpuComparison> {
  await streamRound([sides.single, sides.cluster], devices, part, ROUND_TIMEOUT_MS);
  const measured: { single: number; cluster: number }[] = [];
  let payloadBytesPerRound = 0;
  for (let r = 0; r < rounds; r++) {
    const [single, cluster] = await streamRound([sides.single, sides.cluster], devices, part, ROUND_TIMEOUT_MS);
    const round = { single: cpuMsPerMb(single!), cluster: cpuMsPerMb(cluster!) };
    payloadBytesPerRound = single!.payloadBytes;
    measured.push(round);
    const side = (name: string, m: { cpuMs: number; payloadBytes: number; seconds: number }, perMb: number) => `${name} ${m.cpuMs.toFixed(0)} ms CPU for ${(m.payloadBytes / 1e6).toFixed(1)} MB in ${m.seconds.toFixed(1)} s → ${perMb.toFixed(2)} ms/MB`;
    log(`round ${r + 1}: ${side('single', single!, round.single)}; ${side('cluster', cluster!, round.cluster)}; ratio ${(round.cluster / round.single).toFixed(2)}`);
  }
  return {
    singleMsPerMb: median(measured.map((m) => m.single)),
    clusterMsPerMb: median(measured.map((m) => m.cluster)),
    rounds: measured,
    payloadBytesPerRound,
  };
}
