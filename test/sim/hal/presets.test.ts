import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RADIO_PRESET,
  RADIO_PRESET_NAMES,
  RADIO_PRESETS,
  connectDelayMsOf,
  radioProfileSchema,
  resolveProfile,
  type RadioProfileInput,
} from '../../../sim/hal/index.js';
import { RADIO_KNOB_NAMES } from '../../../sim/scenario/radio-knobs.js';
import { DEFAULT_RADIO_PRESET as SCENARIO_DEFAULT_PRESET, RADIO_PRESET_NAMES as SCENARIO_PRESET_NAMES } from '../../../sim/scenario/preset-names.js';
import type { ErrorKind } from '../../../sdk/errors.js';
import { expectKindSync } from '../../support/expect-fairway.js';

describe('RADIO_PRESETS', () => {
  it('has exactly the preset names scenarios may use, and the same default', () => {
    expect([...RADIO_PRESET_NAMES].sort()).toEqual([...SCENARIO_PRESET_NAMES].sort());
    expect(DEFAULT_RADIO_PRESET).toBe(SCENARIO_DEFAULT_PRESET);
  });

  it('holds only valid profiles', () => {
    for (const name of RADIO_PRESET_NAMES) expect(radioProfileSchema.safeParse(RADIO_PRESETS[name]).success, name).toBe(true);
  });

  it('carries the cited numbers', () => {
    expect(RADIO_PRESETS.gprs).toMatchObject({ downlinkBitsPerS: 57_600, uplinkBitsPerS: 28_800, latencyMsMean: 117.5 });
    expect(RADIO_PRESETS.edge).toMatchObject({ downlinkBitsPerS: 473_600, uplinkBitsPerS: 473_600, latencyMsMean: 240 });
    expect(RADIO_PRESETS['3g']).toMatchObject({ downlinkBitsPerS: 400_000, uplinkBitsPerS: 400_000, latencyMsMean: 200 });
    expect(RADIO_PRESETS['4g']).toMatchObject({ downlinkBitsPerS: 8_100_000, uplinkBitsPerS: 1_350_000, latencyMsMean: 30 });
    const lossy = RADIO_PRESETS['atc-edge-lossy'];
    expect(lossy).toMatchObject({ downlinkBitsPerS: 240_000, uplinkBitsPerS: 200_000, latencyMsMean: 420 });
    const badShare = lossy.badStateEnterProbability / (lossy.badStateEnterProbability + lossy.badStateExitProbability);
    expect(badShare).toBeCloseTo(0.29, 2);
  });

  it('cannot be changed through the table or through a resolved copy', () => {
    const copy = resolveProfile('3g');
    copy.latencyMsMean = 1;
    copy.blackouts.push({ atMs: 0, durationMs: 1 });
    expect(RADIO_PRESETS['3g'].latencyMsMean).toBe(200);
    expect(resolveProfile('3g').blackouts).toEqual([]);
    expect(Object.isFrozen(RADIO_PRESETS['3g'])).toBe(true);
  });
});

describe('resolveProfile', () => {
  it('returns a preset by name', () => {
    expect(resolveProfile('edge')).toEqual(RADIO_PRESETS.edge);
  });

  it('lays overrides over the named preset, or over the default one', () => {
    expect(resolveProfile({ preset: 'gprs', latencyMsMean: 300 })).toEqual({ ...RADIO_PRESETS.gprs, latencyMsMean: 300 });
    expect(resolveProfile({ dropIntervalMsMean: 60_000 })).toEqual({ ...RADIO_PRESETS[DEFAULT_RADIO_PRESET], dropIntervalMsMean: 60_000 });
  });

  it('accepts every knob a scenario may override', () => {
    for (const knob of RADIO_KNOB_NAMES) {
      const value = knob === 'badStateEnterProbability' ? 0 : knob === 'maxBufferedBytes' ? 4096 : 1;
      expect(resolveProfile({ [knob]: value })[knob], knob).toBe(value);
    }
  });

  it('takes 1.5 round trips to connect unless the profile says otherwise', () => {
    expect(connectDelayMsOf(resolveProfile('3g'))).toBe(600);
    expect(connectDelayMsOf(resolveProfile({ preset: '3g', connectDelayMs: 50 }))).toBe(50);
    expect(connectDelayMsOf(resolveProfile('weak-radio'))).toBe(3_000);
  });

  const refusals: Array<[string, unknown, ErrorKind, string]> = [
    ['an unknown preset name', 'lte-advanced', 'invalid-argument', 'preset'],
    ['an unknown preset in overrides', { preset: '5g' }, 'invalid-argument', 'preset'],
    ['an unknown knob', { latencyMs: 10 }, 'unknown-field', 'latencyMs'],
    ['a knob of the wrong type', { latencyMsMean: '300' }, 'wrong-type', 'latencyMsMean'],
    ['a probability above 1', { badStateEnterProbability: 1.5 }, 'out-of-range', 'badStateEnterProbability'],
    ['a negative rate', { uplinkBitsPerS: -1 }, 'out-of-range', 'uplinkBitsPerS'],
    ['an infinite latency', { latencyMsMean: Number.POSITIVE_INFINITY }, 'out-of-range', 'latencyMsMean'],
    ['a zero step', { stepMs: 0 }, 'out-of-range', 'stepMs'],
    ['a fractional buffer', { maxBufferedBytes: 10.5 }, 'out-of-range', 'maxBufferedBytes'],
    ['stalls that never end', { badStateEnterProbability: 0.1, badStateExitProbability: 0 }, 'out-of-range', 'badStateExitProbability'],
    ['a blackout without a duration', { blackouts: [{ atMs: 5 }] }, 'missing-field', 'blackouts.0.durationMs'],
    ['a blackout of no length', { blackouts: [{ atMs: 5, durationMs: 0 }] }, 'out-of-range', 'blackouts.0.durationMs'],
    ['a blackout with an unknown field', { blackouts: [{ atMs: 5, durationMs: 1, fraction: 0.5 }] }, 'unknown-field', 'blackouts.0.fraction'],
    ['a negative half-open time', { halfOpenAtMs: -5 }, 'out-of-range', 'halfOpenAtMs'],
    ['something that is not a profile', 42, 'wrong-type', ''],
    ['a list', [], 'wrong-type', ''],
  ];

  for (const [what, input, kind, path] of refusals) {
    it(`refuses ${what} with ${kind}, naming the field`, () => {
      const error = expectKindSync(() => resolveProfile(input as RadioProfileInput), kind);
      expect(error.path ?? '').toBe(path);
    });
  }
});
