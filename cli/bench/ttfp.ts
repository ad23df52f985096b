/**
 * `fairway bench ttfp`: how soon a handheld plays the 18-hole Super Golf title after it is
 * switched on, against the physical limit of its link and against downloading the whole title.
 *
 * Everything runs in virtual time (cli/bench/link/sim-world.ts): the real store and the real
 * terminal runtime in one process, joined by a modelled RadioLink (the `3g` preset: 400 kbit/s
 * each way, 400 ms RTT, no jitter, stalls or drops). The figures are about the protocol and the
 * runtime on that link, independent of the machine; the same seed gives the same figures.
 *
 * One terminal is switched on, loads the menu, buys the title with auto-play, and plays every
 * part in no time and goes on, so the title streams part after part, back to back:
 * - time to first play (TTFP): switch-on → hole 1 starts to play;
 * - whole title: switch-on → hole 18 starts to play (every part downloaded, verified, charged).
 * - the limit: the radio's connect time, then one round trip each for CONNECT/CONNACK,
 *   SUBSCRIBE/SUBACK, login, menu, offer and the first chunks.get (6), then hole 1's bytes at
 *   the downlink rate. The receipt's round trip (the charge comes before play [FW-8.5]) and all
 *   header bytes are not in the limit: they are the protocol's cost, and show in the ratio.
 * Figures: `ratio_to_limit` = TTFP ÷ limit (goal ≤ 1.10); `ratio_to_whole_title` = TTFP ÷ whole
 * title time; supporting figures break both down.
 *
 * `durationMs` is not used: virtual time has no wall-clock budget (the run takes seconds).
 */
import { FairwayError } from '../../sdk/errors.js';
import { connectDelayMsOf, RADIO_PRESET_NAMES, resolveProfile, type RadioPresetName } from '../../sim/hal/index.js';
import { golfPartId, SUPER_GOLF_ID, writeSuperGolf, HOLES_MAX } from '../../sim/catalog/index.js';
import { round3, type Figure } from './format.js';
import { BenchTerminal } from './link/bench-terminal.js';
import { SimWorld } from './link/sim-world.js';

export interface TtfpBenchOptions {
  seed: number;
  /** The radio preset; its stalls and drops are switched off. Default '3g'. */
  preset: RadioPresetName;
  /** Holes (parts) of the title. Default 18. */
  holes: number;
  /** Sizes of hole 1 (engine + hole) and of each later hole; default Super Golf's own. */
  engineBytes?: number;
  holeBytes?: number;
  log: (line: string) => void;
}

/** CONNECT/CONNACK, SUBSCRIBE/SUBACK, login, menu, offer, first chunks.get. */
export const HANDSHAKE_ROUND_TRIPS = 6;
const DEFAULTS = { seed: 20_261_123, preset: '3g' as RadioPresetName, holes: 18 };
const LIMIT_MS = 60 * 60_000;

export async function benchTtfp(_durationMs: number, overrides: Partial<TtfpBenchOptions> = {}): Promise<Figure[]> {
  const options: TtfpBenchOptions = { ...DEFAULTS, log: (line) => process.stderr.write(`ttfp: ${line}\n`), ...overrides };
  checkOptions(options);
  const wallStart = performance.now();
  const world = await SimWorld.start(options.seed);
  try {
    const written = await writeSuperGolf(world.folder('catalog'), {
      holes: options.holes,
      seed: 1,
      ...(options.engineBytes !== undefined && { engineBytes: options.engineBytes }),
      ...(options.holeBytes !== undefined && { holeBytes: options.holeBytes }),
    });
    await world.importTitles(written.folder);
    const titleBytes = written.parts.reduce((sum, p) => sum + p.sizeBytes, 0);
    const firstPartBytes = written.parts[0]!.sizeBytes;
    const profile = resolveProfile({ preset: options.preset, latencyMsJitter: 0, badStateEnterProbability: 0, dropIntervalMsMean: 0, blackouts: [] });
    const device = await world.device(profile, titleBytes + 4 * 1024 * 1024);

    const terminal = await BenchTerminal.start(world, device);
    await terminal.buyWhenMenuShows(SUPER_GOLF_ID, true, LIMIT_MS);
    const first = golfPartId(1);
    const last = golfPartId(options.holes);
    await terminal.runUntil(() => terminal.parts.get(first)?.playMs != null, LIMIT_MS, 'waiting for hole 1 to play');
    await terminal.runUntil(() => terminal.parts.get(last)?.playMs != null, LIMIT_MS, `waiting for hole ${options.holes} to play`);
    const firstTimes = terminal.times(first);
    const lastTimes = terminal.times(last);
    const ttfpMs = (firstTimes.playMs as number) - terminal.startedMs;
    const wholeTitleMs = (lastTimes.playMs as number) - terminal.startedMs;
    await terminal.powerOff();

    const rttMs = 2 * profile.latencyMsMean;
    const connectMs = connectDelayMsOf(profile);
    const handshakesMs = connectMs + HANDSHAKE_ROUND_TRIPS * rttMs;
    const bytesMs = (bytes: number) => (bytes * 8 * 1000) / profile.downlinkBitsPerS;
    const limitMs = handshakesMs + bytesMs(firstPartBytes);
    const wholeTitleLimitMs = handshakesMs + bytesMs(titleBytes);
    options.log(`TTFP ${(ttfpMs / 1000).toFixed(2)} s (limit ${(limitMs / 1000).toFixed(2)} s), whole title ${(wholeTitleMs / 1000).toFixed(1)} s virtual; ${Math.round(performance.now() - wallStart)} ms real`);
    return [
      { metric: 'ratio_to_limit', value: round3(ttfpMs / limitMs), unit: 'ratio' },
      { metric: 'ratio_to_whole_title', value: round3(ttfpMs / wholeTitleMs), unit: 'ratio' },
      { metric: 'ttfp_ms', value: Math.round(ttfpMs), unit: 'ms' },
      { metric: 'limit_ms', value: Math.round(limitMs), unit: 'ms' },
      { metric: 'whole_title_ms', value: Math.round(wholeTitleMs), unit: 'ms' },
      { metric: 'whole_title_limit_ms', value: Math.round(wholeTitleLimitMs), unit: 'ms' },
      { metric: 'first_request_ms', value: Math.round(firstTimes.firstRequestMs - terminal.startedMs), unit: 'ms' },
      { metric: 'first_request_limit_ms', value: Math.round(handshakesMs - rttMs), unit: 'ms' },
      { metric: 'first_part_download_ms', value: Math.round((firstTimes.lastChunkMs as number) - firstTimes.firstRequestMs), unit: 'ms' },
      { metric: 'first_part_stored_to_play_ms', value: Math.round((firstTimes.playMs as number) - (firstTimes.lastChunkMs as number)), unit: 'ms' },
      { metric: 'first_part_bytes', value: firstPartBytes, unit: 'bytes' },
      { metric: 'title_bytes', value: titleBytes, unit: 'bytes' },
      { metric: 'parts', value: options.holes, unit: 'parts' },
      { metric: 'handshake_round_trips', value: HANDSHAKE_ROUND_TRIPS, unit: 'round trips' },
      { metric: 'connect_ms', value: connectMs, unit: 'ms' },
      { metric: 'rtt_ms', value: rttMs, unit: 'ms' },
      { metric: 'downlink_kbit_per_s', value: round3(profile.downlinkBitsPerS / 1000), unit: 'kbit/s' },
      { metric: 'seed', value: options.seed, unit: 'seed' },
    ];
  } finally {
    await world.close();
  }
}

function checkOptions(o: TtfpBenchOptions): void {
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new FairwayError('invalid-argument', `seed must be a whole number ≥ 0, not ${o.seed}`, 'seed');
  if (!RADIO_PRESET_NAMES.includes(o.preset)) throw new FairwayError('invalid-argument', `no radio preset named ${JSON.stringify(o.preset)}; known: ${RADIO_PRESET_NAMES.join(', ')}`, 'preset');
  if (!Number.isSafeInteger(o.holes) || o.holes < 1 || o.holes > HOLES_MAX) throw new FairwayError('invalid-argument', `holes must be a whole number in 1–${HOLES_MAX}, not ${o.holes}`, 'holes');
}
