/**
 * The radio model's knobs a scenario may override field by field on top of a preset. Each
 * name carries its unit last (TigerBeetle's habit), and the unit decides what values make
 * sense: probabilities lie in 0–1, byte counts are whole, a step must move time forward.
 * The radio model's own schema (sim/hal/radio-profile.ts) checks the merged profile again.
 */
export const RADIO_KNOBS = {
  uplinkBitsPerS: 'rate',
  downlinkBitsPerS: 'rate',
  latencyMsMean: 'duration',
  latencyMsJitter: 'duration',
  badStateEnterProbability: 'probability',
  badStateExitProbability: 'probability',
  /** The model's time step; 0 would never advance, so it alone must be positive. */
  stepMs: 'step',
  dropIntervalMsMean: 'duration',
  connectDelayMs: 'duration',
  maxBufferedBytes: 'bytes',
} as const satisfies Record<string, RadioKnobUnit>;

/** rate and duration: any number ≥ 0 (a rate of 0 means unlimited); probability: 0–1; bytes: a whole number ≥ 1; step: > 0. */
export type RadioKnobUnit = 'rate' | 'duration' | 'probability' | 'bytes' | 'step';

export type RadioKnobName = keyof typeof RADIO_KNOBS;

export const RADIO_KNOB_NAMES = Object.keys(RADIO_KNOBS) as RadioKnobName[];

/** A scenario's overrides: any subset of the knobs; the preset supplies the rest. */
export type RadioOverrides = Partial<Record<RadioKnobName, number>>;
