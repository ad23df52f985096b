/**
 * The radio presets QA names in scenarios, each with the published numbers it comes from. The
 * names must match sim/scenario/preset-names.ts (a test checks it).
 *
 * Two ways of reading a source's numbers, applied throughout:
 * - Chrome DevTools throttles whole HTTP requests, so its presets multiply the packet round trip
 *   by a fudge factor (×5, ×3.75, ×2.75) to get a per-request latency. This model delays every
 *   byte, as a real link does, so it takes the packet-level round trip the DevTools source states
 *   in its comments, and uses half of it as the one-way latency.
 * - The Android emulator draws each delay uniformly between a minimum and a maximum. This model
 *   uses a normal latency, so it takes the midpoint as the mean and the uniform's standard
 *   deviation, (max − min) / √12, as the jitter.
 * Sources that give no jitter, stalls or drops get none: a preset is what its source says, and a
 * scenario adds faults on top.
 */
import { FairwayError } from '../../sdk/errors.js';
import {
  DEFAULT_MAX_BUFFERED_BYTES,
  parseOrThrow,
  radioOverridesSchema,
  radioProfileSchema,
  type RadioOverrides,
  type RadioProfile,
} from './radio-profile.js';

const SQRT_12 = Math.sqrt(12);

/** What every preset shares unless it says otherwise: no stalls, no drops, no blackouts. */
const CLEAN = {
  latencyMsJitter: 0,
  stepMs: 100,
  badStateEnterProbability: 0,
  badStateExitProbability: 1,
  dropIntervalMsMean: 0,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  blackouts: [],
} satisfies Partial<RadioProfile>;

const PRESETS = {
  /**
   * Android emulator `-netspeed gprs` / `-netdelay gprs`: 28.8 kbit/s up, 57.6 kbit/s down,
   * 35–200 ms delay (external/qemu android/network/constants.h, ANDROID_NETWORK_LIST_MODES; the
   * emulator's own comment calls its latencies "completely made up").
   */
  gprs: {
    ...CLEAN,
    downlinkBitsPerS: 57_600,
    uplinkBitsPerS: 28_800,
    latencyMsMean: (35 + 200) / 2,
    latencyMsJitter: (200 - 35) / SQRT_12,
  },
  /** Android emulator `-netspeed edge` / `-netdelay edge`: 473.6 kbit/s each way, 80–400 ms (same table). */
  edge: {
    ...CLEAN,
    downlinkBitsPerS: 473_600,
    uplinkBitsPerS: 473_600,
    latencyMsMean: (80 + 400) / 2,
    latencyMsJitter: (400 - 80) / SQRT_12,
  },
  /**
   * Chrome DevTools "Slow 3G" (devtools-frontend front_end/core/sdk/NetworkManager.ts, mirrored in
   * Puppeteer's PredefinedNetworkConditions): download = upload = 500 kbit/s × 0.8 = 400 kbit/s;
   * "400ms RTT", applied by DevTools as 400 × 5 = 2000 ms per request. Here: 400 kbit/s each way,
   * 200 ms one way.
   * (Android's `umts`, 384 kbit/s each way, is within 4 % of it.)
   */
  '3g': {
    ...CLEAN,
    downlinkBitsPerS: 400_000,
    uplinkBitsPerS: 400_000,
    latencyMsMean: 400 / 2,
  },
  /**
   * Chrome DevTools "Fast 4G" (same sources): 9 Mbit/s × 0.9 = 8.1 Mbit/s down,
   * 1.5 Mbit/s × 0.9 = 1.35 Mbit/s up, "60ms RTT" (applied as 60 × 2.75 = 165 ms per request).
   * Here: 30 ms one way.
   */
  '4g': {
    ...CLEAN,
    downlinkBitsPerS: 8_100_000,
    uplinkBitsPerS: 1_350_000,
    latencyMsMean: 60 / 2,
  },
  /**
   * Facebook's Augmented Traffic Control profile "Edge - Lossy"
   * (facebookarchive/augmented-traffic-control, utils/profiles/Edge-Lossy.json): down 240 kbit/s,
   * 400 ms delay, 1 % loss; up 200 kbit/s, 440 ms delay, 1 % loss. (Apple's Network Link
   * Conditioner "Edge" has the same 240/200 kbit/s, 400 ms, without the loss.)
   * One latency knob serves both ways: 420 ms, so the round trip stays ATC's 840 ms.
   * Loss becomes stalls: at 1 % loss and 840 ms RTT, TCP's steady rate (Mathis et al. 1997:
   * MSS/RTT × 1.22/√p = 1460 B × 8 / 0.84 s × 12.2) is about 170 kbit/s, 71 % of 240 kbit/s, so
   * the radio is bad 29 % of the time; a recovery takes about one round trip (840 ms ≈ 8.4
   * steps: exit 0.12 per step), hence enter = 0.29 × 0.12 / 0.71 ≈ 0.05 per step.
   */
  'atc-edge-lossy': {
    ...CLEAN,
    downlinkBitsPerS: 240_000,
    uplinkBitsPerS: 200_000,
    latencyMsMean: (400 + 440) / 2,
    badStateEnterProbability: 0.05,
    badStateExitProbability: 0.12,
  },
  /**
   * Our own harsh case, a handheld at the edge of a GPRS cell (not from a published source):
   * 64 kbit/s down, 32 kbit/s up; 300 ms one way (600 ms RTT) ± 100 ms; bad 1/6 of the time
   * (enter 0.03, exit 0.15 per 100 ms step: stalls of 0.67 s on average, one every ~4 s of good
   * radio); a drop every 2 minutes connected on average; 3 s to (re)connect, as a PDP context
   * activation on a weak cell takes seconds.
   */
  'weak-radio': {
    ...CLEAN,
    downlinkBitsPerS: 64_000,
    uplinkBitsPerS: 32_000,
    latencyMsMean: 300,
    latencyMsJitter: 100,
    badStateEnterProbability: 0.03,
    badStateExitProbability: 0.15,
    dropIntervalMsMean: 120_000,
    connectDelayMs: 3_000,
  },
  /**
   * Handheld to handheld, the host-mode link [FW-14] (our own model): 802.11b-class short-range
   * wireless at its 2 Mbit/s basic rate — the class of link handheld consoles' local "download
   * play" used — shared both ways, so 1 Mbit/s each way; 10 ms one way ± 5; short fades when
   * someone walks between the handhelds (enter 0.01, exit 0.3 per 100 ms step: ~0.3 s stalls);
   * a peer walking out of range every 10 minutes on average; 0.5 s to re-associate.
   */
  'local-wireless': {
    ...CLEAN,
    downlinkBitsPerS: 1_000_000,
    uplinkBitsPerS: 1_000_000,
    latencyMsMean: 10,
    latencyMsJitter: 5,
    badStateEnterProbability: 0.01,
    badStateExitProbability: 0.3,
    dropIntervalMsMean: 600_000,
    connectDelayMs: 500,
  },
} satisfies Record<string, RadioProfile>;

export type RadioPresetName = keyof typeof PRESETS;

/** Frozen: resolveProfile hands out copies. */
export const RADIO_PRESETS: Readonly<Record<RadioPresetName, Readonly<RadioProfile>>> = Object.freeze(
  Object.fromEntries(
    Object.entries(PRESETS).map(([name, profile]: [string, RadioProfile]) => [name, Object.freeze(copyProfile(profile))]),
  ) as Record<RadioPresetName, RadioProfile>,
);

export const RADIO_PRESET_NAMES = Object.keys(RADIO_PRESETS) as RadioPresetName[];

/** The base a partial profile without a `preset` is laid over (the scenario default, too). */
export const DEFAULT_RADIO_PRESET: RadioPresetName = '4g';

/** Overrides, optionally naming the preset they apply to. */
export type RadioProfileInput = RadioPresetName | (RadioOverrides & { preset?: RadioPresetName });

/**
 * A checked, complete profile from a preset name, or from overrides laid over a preset (`preset`,
 * default DEFAULT_RADIO_PRESET). Anything wrong → a FairwayError naming the field.
 */
export function resolveProfile(input: RadioProfileInput | string): RadioProfile {
  if (typeof input === 'string') return copyProfile(presetNamed(input));
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FairwayError('wrong-type', 'a radio profile is a preset name or an object of knobs');
  }
  const { preset, ...overrides } = input as Record<string, unknown>;
  const base = presetNamed(preset === undefined ? DEFAULT_RADIO_PRESET : preset);
  const checked = parseOrThrow(radioOverridesSchema, overrides, 'radio profile');
  const merged = Object.fromEntries(Object.entries({ ...base, ...checked }).filter(([, value]) => value !== undefined));
  return copyProfile(parseOrThrow(radioProfileSchema, merged, 'radio profile') as RadioProfile);
}

function presetNamed(name: unknown): Readonly<RadioProfile> {
  if (typeof name === 'string' && Object.hasOwn(RADIO_PRESETS, name)) return RADIO_PRESETS[name as RadioPresetName];
  throw new FairwayError('invalid-argument', `no radio preset named ${JSON.stringify(name)}; known: ${RADIO_PRESET_NAMES.join(', ')}`, 'preset');
}

/** A fresh copy the caller may change without touching the preset table. */
function copyProfile(profile: Readonly<RadioProfile>): RadioProfile {
  return { ...profile, blackouts: profile.blackouts.map((window) => ({ ...window })) };
}
