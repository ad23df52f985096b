/**
 * RadioProfile: every knob of the radio model, named with its unit last (`latencyMsMean`,
 * `badStateEnterProbability`), and the zod schema that checks one. A refused profile is a
 * FairwayError naming the offending field in `path`, so a scenario author sees which knob is wrong.
 */
import { z } from 'zod';
import { FairwayError, type ErrorKind } from '../../sdk/errors.js';

/** A stretch with no coverage: open connections reset at its start, connect() fails until its end. */
export interface BlackoutWindow {
  atMs: number;
  durationMs: number;
}

export interface RadioProfile {
  /** Broker → terminal bandwidth; 0 means no limit (as in DevTools and the Android emulator). */
  downlinkBitsPerS: number;
  /** Terminal → broker bandwidth; 0 means no limit. */
  uplinkBitsPerS: number;
  /** One-way latency, each direction. */
  latencyMsMean: number;
  /** Standard deviation of the one-way latency (normal, clipped at 0, never reordering bytes). */
  latencyMsJitter: number;
  /** The Gilbert–Elliott chain's time step. */
  stepMs: number;
  /** Per step, the chance a good radio turns bad (a stall begins). */
  badStateEnterProbability: number;
  /** Per step, the chance a bad radio turns good again. Must be > 0 when stalls can begin. */
  badStateExitProbability: number;
  /** Mean connected time between drops (exponential); 0 = never. */
  dropIntervalMsMean: number;
  /** How long connect() takes; absent: 1.5 round trips (3 × latencyMsMean). */
  connectDelayMs?: number;
  /** Bytes one direction may hold (in flight plus received and not yet read) before writes wait. */
  maxBufferedBytes: number;
  /** Windows of no coverage, in virtual time. */
  blackouts: BlackoutWindow[];
  /** From this virtual time the connection then open turns half-open: it delivers nothing, either way, silently. */
  halfOpenAtMs?: number;
}

/** 64 KiB: a socket buffer's worth, above the bandwidth-delay product of every preset. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024;

/** 1.5 round trips: a TCP handshake (one RTT) and the first bytes of the MQTT CONNECT on their way. */
export function connectDelayMsOf(profile: RadioProfile): number {
  return profile.connectDelayMs ?? 3 * profile.latencyMsMean;
}

const finiteAtLeastZero = z.number().min(0).finite();
const probability = z.number().min(0).max(1);

export const blackoutSchema = z.strictObject({
  atMs: finiteAtLeastZero,
  durationMs: z.number().gt(0).finite(),
});

const shape = {
  downlinkBitsPerS: finiteAtLeastZero,
  uplinkBitsPerS: finiteAtLeastZero,
  latencyMsMean: finiteAtLeastZero,
  latencyMsJitter: finiteAtLeastZero,
  stepMs: z.number().gt(0).finite(),
  badStateEnterProbability: probability,
  badStateExitProbability: probability,
  dropIntervalMsMean: finiteAtLeastZero,
  connectDelayMs: finiteAtLeastZero.optional(),
  maxBufferedBytes: z.number().int().min(1).max(2 ** 31),
  blackouts: z.array(blackoutSchema).max(10_000),
  halfOpenAtMs: finiteAtLeastZero.optional(),
};

/** A whole profile, with the rules that tie knobs together. */
export const radioProfileSchema = z.strictObject(shape).superRefine((profile, ctx) => {
  if (profile.badStateEnterProbability > 0 && profile.badStateExitProbability === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['badStateExitProbability'],
      message: 'must be > 0 when badStateEnterProbability is: the first stall would never end (use a blackout for that)',
    });
  }
});

/** Overrides on top of a base profile: any subset of the knobs. */
export const radioOverridesSchema = z.strictObject(shape).partial();

export type RadioOverrides = Partial<RadioProfile>;

/** Parses `input` with `schema`, turning the first problem into a FairwayError naming its field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new FairwayError('invalid-argument', `${what} is not valid`);
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...keys.slice(0, 1)].map(String).join('.');
  throw new FairwayError(kindOf(issue, input), `${what}: ${issue.message}`, path || undefined);
}

function kindOf(issue: z.core.$ZodIssue, input: unknown): ErrorKind {
  switch (issue.code) {
    case 'unrecognized_keys':
      return 'unknown-field';
    case 'invalid_type': {
      // zod reports Infinity and 1.5-for-an-integer as a wrong type; to an author they are numbers out of range.
      const value = valueAt(input, issue.path);
      return value === undefined ? 'missing-field' : typeof value === 'number' ? 'out-of-range' : 'wrong-type';
    }
    case 'too_small':
    case 'too_big':
    case 'not_multiple_of':
    case 'custom':
      return 'out-of-range';
    default:
      return 'invalid-argument';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
