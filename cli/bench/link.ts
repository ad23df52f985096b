/**
 * `fairway bench link`: how close the terminal's download comes to what the radio can carry,
 * and how far ahead of a stop-and-wait block transfer it is.
 *
 * Everything runs in virtual time (cli/bench/link/sim-world.ts): the real store (aedes, store
 * service, SQLite) and the real terminal runtime (createTerminal, default download settings) in
 * one process, joined by a modelled RadioLink (sim/hal). Time moves only when the program has
 * nothing left to do, so the figures are about the protocol and the runtime on the modelled
 * link, independent of how fast or busy the machine is; the same seed gives the same figures.
 * Each measurement gets a world of its own; all are taken side by side in one run.
 *
 * Figures (a download is timed from its first chunks.get to its last chunk stored):
 * - `goodput_ratio_clean`: part payload bits ÷ (1 Mbit/s × download time) on a clean link —
 *   1 Mbit/s each way, 50 ms one way (100 ms RTT), no jitter, stalls or drops.
 * - `speedup_vs_stop_and_wait_100ms` / `_600ms`: the baseline's download time ÷ the terminal's,
 *   same part bytes, same link (1 Mbit/s, clean) at 100 and 600 ms RTT. The baseline is AWS IoT
 *   OTA's default block transfer: 4 KiB blocks (the part imported with 4 KiB chunks), one block
 *   per request, the next request once the block arrived (cli/bench/link/stop-and-wait.ts).
 * - `goodput_ratio_weak`: under the `weak-radio` preset, payload bits ÷ (64 kbit/s × the time
 *   during the download that a connection was open and the channel good) — what the radio could
 *   have carried. Reconnects after drops and handshakes count against it: they are the
 *   protocol's cost.
 * Supporting figures give the times, the rates, the bytes on the wire per payload byte, the
 * windows used and the faults met.
 *
 * `durationMs` is not used: virtual time has no wall-clock budget; the sizes set the run time
 * (about 6 s of real time by default for some 30 minutes of virtual radio time).
 */
import { FairwayError } from '../../sdk/errors.js';
import { resolveProfile, type RadioProfile } from '../../sim/hal/index.js';
import { round3, type Figure } from './format.js';
import { measureDownload, type DownloadMeasurement } from './link/measure.js';

export interface LinkBenchOptions {
  /** Seeds the part bytes, the devices' keys and the radio's randomness. */
  seed: number;
  /** Part size for the clean-link and stop-and-wait comparisons. */
  partBytes: number;
  /** Part size under weak-radio. */
  weakPartBytes: number;
  log: (line: string) => void;
}

const MIB = 1024 * 1024;
const DEFAULTS = { seed: 20_261_123, partBytes: 4 * MIB, weakPartBytes: 2 * MIB };
const CLEAN_BITS_PER_S = 1_000_000;
/** The terminal's part is cut as the store cuts by default; the baseline's as OTA does. */
const TERMINAL_CHUNK_BYTES = 16 * 1024;
const BASELINE_BLOCK_BYTES = 4 * 1024;

/** FAIRWAY_BENCH_SEED replays the bench with other part bytes, keys and radio draws (default 20261123). */
export function seedFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.FAIRWAY_BENCH_SEED;
  if (text === undefined || text === '') return DEFAULTS.seed;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || value > 0xffff_ffff) {
    throw new FairwayError('invalid-argument', `FAIRWAY_BENCH_SEED must be a whole number in 0–4294967295, not ${JSON.stringify(text)}`, 'FAIRWAY_BENCH_SEED');
  }
  return value;
}

/** A clean 1 Mbit/s link with `rttMs` round trip: no jitter, no stalls, no drops. */
export function cleanProfile(rttMs: number): RadioProfile {
  return resolveProfile({
    preset: '4g',
    downlinkBitsPerS: CLEAN_BITS_PER_S,
    uplinkBitsPerS: CLEAN_BITS_PER_S,
    latencyMsMean: rttMs / 2,
    latencyMsJitter: 0,
    badStateEnterProbability: 0,
    dropIntervalMsMean: 0,
  });
}

export async function benchLink(_durationMs: number, overrides: Partial<LinkBenchOptions> = {}): Promise<Figure[]> {
  const options: LinkBenchOptions = { ...DEFAULTS, seed: seedFromEnv(process.env), log: (line) => process.stderr.write(`link: ${line}\n`), ...overrides };
  checkOptions(options);
  const { seed, partBytes, weakPartBytes, log } = options;
  const measure = async (what: string, downloader: 'terminal' | 'stop-and-wait', profile: RadioProfile, sizeBytes: number, chunkBytes: number): Promise<DownloadMeasurement> => {
    const m = await measureDownload(downloader, profile, sizeBytes, chunkBytes, seed);
    log(`${what}: ${sizeBytes} bytes in ${(m.downloadMs / 1000).toFixed(1)} s virtual (${Math.round(m.wallMs)} ms real)`);
    return m;
  };

  const ours100 = await measure('terminal, clean 100 ms RTT', 'terminal', cleanProfile(100), partBytes, TERMINAL_CHUNK_BYTES);
  const base100 = await measure('stop-and-wait, clean 100 ms RTT', 'stop-and-wait', cleanProfile(100), partBytes, BASELINE_BLOCK_BYTES);
  const ours600 = await measure('terminal, clean 600 ms RTT', 'terminal', cleanProfile(600), partBytes, TERMINAL_CHUNK_BYTES);
  const base600 = await measure('stop-and-wait, clean 600 ms RTT', 'stop-and-wait', cleanProfile(600), partBytes, BASELINE_BLOCK_BYTES);
  const weakProfile = resolveProfile('weak-radio');
  const weak = await measure('terminal, weak-radio', 'terminal', weakProfile, weakPartBytes, TERMINAL_CHUNK_BYTES);

  const goodputBitsPerS = (m: DownloadMeasurement) => (m.sizeBytes * 8 * 1000) / m.downloadMs;
  const weakCapacityBits = (weakProfile.downlinkBitsPerS * weak.goodUpTimeMs) / 1000;
  return [
    { metric: 'goodput_ratio_clean', value: round3(goodputBitsPerS(ours100) / CLEAN_BITS_PER_S), unit: 'ratio' },
    { metric: 'speedup_vs_stop_and_wait_100ms', value: round3(base100.downloadMs / ours100.downloadMs), unit: 'ratio' },
    { metric: 'speedup_vs_stop_and_wait_600ms', value: round3(base600.downloadMs / ours600.downloadMs), unit: 'ratio' },
    { metric: 'goodput_ratio_weak', value: round3((weak.sizeBytes * 8) / weakCapacityBits), unit: 'ratio' },
    { metric: 'part_bytes', value: partBytes, unit: 'bytes' },
    { metric: 'clean_download_ms', value: Math.round(ours100.downloadMs), unit: 'ms' },
    { metric: 'clean_goodput_kbit_per_s', value: round3(goodputBitsPerS(ours100) / 1000), unit: 'kbit/s' },
    { metric: 'clean_wire_overhead_percent', value: round3(overheadPercent(ours100)), unit: '%' },
    { metric: 'clean_window_chunks_max', value: ours100.windowChunksMax, unit: 'chunks' },
    { metric: 'terminal_download_ms_100ms', value: Math.round(ours100.downloadMs), unit: 'ms' },
    { metric: 'stop_and_wait_download_ms_100ms', value: Math.round(base100.downloadMs), unit: 'ms' },
    { metric: 'terminal_download_ms_600ms', value: Math.round(ours600.downloadMs), unit: 'ms' },
    { metric: 'stop_and_wait_download_ms_600ms', value: Math.round(base600.downloadMs), unit: 'ms' },
    { metric: 'goodput_ratio_clean_600ms', value: round3(goodputBitsPerS(ours600) / CLEAN_BITS_PER_S), unit: 'ratio' },
    { metric: 'window_chunks_max_600ms', value: ours600.windowChunksMax, unit: 'chunks' },
    { metric: 'weak_part_bytes', value: weakPartBytes, unit: 'bytes' },
    { metric: 'weak_download_ms', value: Math.round(weak.downloadMs), unit: 'ms' },
    { metric: 'weak_up_time_ms', value: Math.round(weak.upTimeMs), unit: 'ms' },
    { metric: 'weak_good_up_time_ms', value: Math.round(weak.goodUpTimeMs), unit: 'ms' },
    { metric: 'weak_goodput_kbit_per_s', value: round3(goodputBitsPerS(weak) / 1000), unit: 'kbit/s' },
    { metric: 'weak_goodput_ratio_to_link_rate', value: round3(goodputBitsPerS(weak) / weakProfile.downlinkBitsPerS), unit: 'ratio' },
    { metric: 'weak_wire_overhead_percent', value: round3(overheadPercent(weak)), unit: '%' },
    { metric: 'weak_resent_chunks', value: weak.resentChunks, unit: 'chunks' },
    { metric: 'weak_duplicate_chunks', value: weak.duplicateChunks, unit: 'chunks' },
    { metric: 'weak_drops', value: weak.drops, unit: 'drops' },
    { metric: 'weak_stalls', value: weak.stalls, unit: 'stalls' },
    { metric: 'seed', value: seed, unit: 'seed' },
  ];
}

/** Downlink bytes beyond the payload (headers, and chunks sent more than once), per payload byte. */
function overheadPercent(m: DownloadMeasurement): number {
  return (m.downlinkBytes / m.sizeBytes - 1) * 100;
}

function checkOptions(o: LinkBenchOptions): void {
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new FairwayError('invalid-argument', `seed must be a whole number ≥ 0, not ${o.seed}`, 'seed');
  for (const name of ['partBytes', 'weakPartBytes'] as const) {
    const value = o[name];
    if (!Number.isSafeInteger(value) || value < TERMINAL_CHUNK_BYTES || value > 256 * MIB) {
      throw new FairwayError('invalid-argument', `${name} must be a whole number of bytes in ${TERMINAL_CHUNK_BYTES}–${256 * MIB}, not ${value}`, name);
    }
  }
}
