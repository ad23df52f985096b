/**
 * Every tunable of the downloader, with its range and its default, in one place (the habit of
 * sdk/config.ts). Values outside a range are refused, never clamped, so a typo in a port's
 * settings shows up at start-up rather than as a slow download.
 */
import { resolveTunables, type Tunable } from '../../sdk/config.js';
import { FairwayError } from '../../sdk/errors.js';

export const DOWNLOAD_TUNABLES = {
  initialWindowChunks: {
    min: 1,
    max: 2048,
    default: 8,
    note: 'Chunks in flight before anything is measured: small, so a first window on a weak radio does not flood it.',
  },
  minWindowChunks: {
    min: 1,
    max: 2048,
    default: 1,
    note: 'The window never shrinks below this many chunks in flight.',
  },
  maxWindowChunks: {
    min: 1,
    max: 2048,
    default: 2048,
    note: "A device's own ceiling on chunks in flight; the offer's windowMax caps each request on top of it.",
  },
  maxWindowBytes: {
    min: 64 * 1024,
    max: 64 * 1024 * 1024,
    default: 1024 * 1024,
    note: 'Memory bound: chunk bytes asked for and not yet arrived. At least the largest chunk, so one chunk always fits.',
  },
  maxWindowsInFlight: {
    min: 1,
    max: 8,
    default: 2,
    note: 'chunks.get requests outstanding at once: two keep the pipe full (the next is sent while the last drains).',
  },
  baseTimeoutMs: {
    min: 100,
    max: 60_000,
    default: 2_000,
    note: 'Fixed part of a window timeout [FW-7.4.2]: room for radio hiccups and store queueing on top of the measured RTT.',
  },
  initialRateBytesPerS: {
    min: 100,
    max: 1_000_000_000,
    default: 4_000,
    note: 'Delivery rate a window timeout assumes until one is measured: a floor under the slowest radio served (32 kbit/s, a weak GPRS cell), so a first window is not given up while it is still on the air.',
  },
  maxTimeoutMs: {
    min: 1_000,
    max: 600_000,
    default: 60_000,
    note: 'Ceiling of the doubling window timeout, as for request timeouts [FW-7.4.1].',
  },
  minReorderGraceMs: {
    min: 0,
    max: 10_000,
    default: 100,
    note: "How long chunks skipped by a window's last chunk may still turn up (reordering) before they are asked again.",
  },
  persistEveryChunks: {
    min: 1,
    max: 28_000,
    default: 1,
    note: 'Stored chunks per bitmap save. 1: a power loss re-fetches at most one chunk [FW-7.5].',
  },
  persistEveryMs: {
    min: 0,
    max: 600_000,
    default: 1_000,
    note: 'With batching (persistEveryChunks > 1), a chunk stored this long after the oldest unsaved one saves the bitmap too.',
  },
} as const satisfies Record<string, Tunable>;

export type DownloadTunable = keyof typeof DOWNLOAD_TUNABLES;
export type DownloadConfig = { [K in DownloadTunable]: number };

export const DEFAULT_DOWNLOAD_CONFIG: Readonly<DownloadConfig> = Object.freeze(resolveTunables<DownloadTunable>(DOWNLOAD_TUNABLES, {}));

/** Defaults overridden by `overrides`; an unknown name, a non-integer or an out-of-range value is refused. */
export function resolveDownloadConfig(overrides: Partial<DownloadConfig> = {}): DownloadConfig {
  const config: DownloadConfig = resolveTunables<DownloadTunable>(DOWNLOAD_TUNABLES, overrides, 'download tunable');
  if (config.minWindowChunks > config.maxWindowChunks) {
    throw new FairwayError('out-of-range', 'minWindowChunks is larger than maxWindowChunks', 'minWindowChunks');
  }
  if (config.baseTimeoutMs > config.maxTimeoutMs) {
    throw new FairwayError('out-of-range', 'baseTimeoutMs is larger than maxTimeoutMs', 'baseTimeoutMs');
  }
  return config;
}
