/**
 * The same streaming load on the single node and on a cluster node, in alternating rounds:
 * single then cluster in odd rounds, cluster then single in even ones, so neither side always
 * runs second (after the other warmed the machine, or while a neighbour's load fades). One
 * unmeasured round on each side first: JIT, connection pools, the content cache. The figures
 * are each side's median CPU ms per MB over the rounds.
 */
import type { FleetDevice } from '../fleet/bench-terminal.js';
import { median } from '../fleet/loopback-ratio.js';
import { cpuMsPerMb, streamRound, type StreamTarget } from './stream-round.js';

export interface CpuComparison {
  singleMsPerMb: number;
  clusterMsPerMb: number;
  /** Every measured round, for the log and the BENCHMARKS range. */
  rounds: { single: number; cluster: number }[];
  /** Chunk payload each side delivered per round. */
  payloadBytesPerRound: number;
}

export async function compareCpu(
  sides: { single: StreamTarget; cluster: StreamTarget },
  devices: readonly FleetDevice[],
  part: { partId: string; sizeBytes: number; chunkCount: number },
  rounds: number,
  log: (line: string) => void,
): Promise<CpuComparison> {
  const timeoutMs = 300_000;
  for (const side of ['single', 'cluster'] as const) await streamRound(sides[side], devices, part, timeoutMs);
  const measured: { single: number; cluster: number }[] = [];
  let payloadBytesPerRound = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['single', 'cluster'] as const) : (['cluster', 'single'] as const);
    const round = { single: Number.NaN, cluster: Number.NaN };
    for (const side of order) {
      const result = await streamRound(sides[side], devices, part, timeoutMs);
      round[side] = cpuMsPerMb(result);
      payloadBytesPerRound = result.payloadBytes;
      log(`round ${r + 1} ${side}: ${result.cpuMs.toFixed(0)} ms CPU for ${(result.payloadBytes / 1e6).toFixed(1)} MB in ${result.seconds.toFixed(1)} s → ${round[side].toFixed(2)} ms/MB`);
    }
    measured.push(round);
  }
  return {
    singleMsPerMb: median(measured.map((m) => m.single)),
    clusterMsPerMb: median(measured.map((m) => m.cluster)),
    rounds: measured,
    payloadBytesPerRound,
  };
}
