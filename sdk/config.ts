/**
 * Every tunable of the SDK in one place, with its range and default (the coreMQTT habit).
 * A port or an operator overrides values through `resolveConfig`, which refuses anything
 * outside its range rather than clamping it silently.
 */
import { FairwayError } from './errors.js';

export interface Tunable {
  min: number;
  max: number;
  default: number;
  /** Why the default is what it is. */
  note: string;
}

export const TUNABLES = {
  maxMessageBytes: {
    min: 4 * 1024,
    max: 16 * 1024 * 1024,
    default: 1024 * 1024,
    note: 'Largest CBOR body accepted on the wire [FW-3.3]; a 16 KiB-chunk manifest of a 64 MiB part is ~140 KiB.',
  },
  maxNestingDepth: {
    min: 4,
    max: 64,
    default: 16,
    note: 'Deepest nesting accepted [FW-3.4]; no message nests past 4, so 16 leaves room for extensions.',
  },
  chunkBytes: {
    min: 1024,
    max: 64 * 1024,
    default: 16 * 1024,
    note: 'Chunk size the store cuts parts into [FW-6.1]; 16 KiB keeps per-chunk overhead under 0.5 % while a lost chunk costs little.',
  },
  maxChunksPerPart: {
    min: 1,
    max: 28_000,
    default: 16_384,
    note: 'Bounds the manifest and the missing-chunk bitmap [FW-6.2]: 16,384 × 16 KiB = 256 MiB parts, and 34 bytes a hash keeps the largest manifest under the 1 MiB body cap.',
  },
  credentialWindowMs: {
    min: 10_000,
    max: 3_600_000,
    default: 300_000,
    note: 'How far a CONNECT credential time may be from the store clock, either way [FW-2.3].',
  },
  maxWindowChunks: {
    min: 1,
    max: 1024,
    default: 256,
    note: 'Most chunks one window request may ask for [FW-7.3].',
  },
} as const satisfies Record<string, Tunable>;

export type TunableName = keyof typeof TUNABLES;
export type SdkConfig = { [K in TunableName]: number };

export const DEFAULT_CONFIG: Readonly<SdkConfig> = Object.freeze(resolveTunables<TunableName>(TUNABLES, {}));

/**
 * Defaults of a tunable table overridden by `overrides`; an unknown name, a non-integer or an
 * out-of-range value is refused, never clamped. Shared by every table of tunables (the SDK's
 * here, the downloader's in device/download) so they all refuse the same way.
 */
export function resolveTunables<K extends string>(table: Record<K, Tunable>, overrides: Partial<Record<K, number>>, what = 'tunable'): Record<K, number> {
  const config = Object.fromEntries(Object.entries<Tunable>(table).map(([k, t]) => [k, t.default])) as Record<K, number>;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const tunable = (table as Record<string, Tunable>)[name];
    if (!tunable) throw new FairwayError('unknown-field', `no ${what} named ${name}`, name);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < tunable.min || value > tunable.max) {
      throw new FairwayError('out-of-range', `${name} must be an integer in ${tunable.min}..${tunable.max}`, name);
    }
    config[name as K] = value;
  }
  return config;
}

export function resolveConfig(overrides: Partial<SdkConfig> = {}): SdkConfig {
  return resolveTunables<TunableName>(TUNABLES, overrides);
}
