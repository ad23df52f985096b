/**
 * Axis ticks at round numbers (1, 2 or 5 × 10^k apart) covering a range, the way a person
 * would label a chart by hand; and the time unit an axis of virtual milliseconds reads best in.
 */
import { FairwayError } from '../../sdk/errors.js';

/** Ticks from a round number ≤ min to a round number ≥ max, about `target` of them (never more than 4 × target + 6). */
export function niceTicks(min: number, max: number, target = 5, minStep = 0): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new FairwayError('out-of-range', `axis from ${min} to ${max}`, 'ticks');
  if (!(max > min)) max = min + Math.max(1, minStep);
  const step = Math.max(niceStep((max - min) / Math.max(1, target)), minStep);
  if (!(step > 0) || !Number.isFinite(step)) return [min, max];
  const first = Math.floor(min / step) * step;
  const count = Math.min(Math.max(1, Math.ceil((max - first) / step)), 4 * Math.max(1, target) + 4);
  const ticks = Array.from({ length: count + 1 }, (_, i) => round(first + i * step, step));
  // Rounding may leave the last tick a hair below max; one more step covers it.
  if (ticks[ticks.length - 1]! < max) ticks.push(round(first + (count + 1) * step, step));
  return ticks;
}

/** The round step (1, 2, 5 × 10^k) nearest above `rough`. */
export function niceStep(rough: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / magnitude;
  // The tolerance keeps 5.000000000000001 (float noise) a 5, not a 10.
  const at = (limit: number) => fraction <= limit * (1 + 1e-9);
  return (at(1) ? 1 : at(2) ? 2 : at(5) ? 5 : 10) * magnitude;
}

export interface TimeUnit {
  label: 's' | 'min' | 'h';
  ms: number;
}

/** Seconds up to 3 minutes, minutes up to 3 hours, hours beyond. */
export function timeUnitFor(maxMs: number): TimeUnit {
  if (maxMs <= 180_000) return { label: 's', ms: 1_000 };
  if (maxMs <= 3 * 3_600_000) return { label: 'min', ms: 60_000 };
  return { label: 'h', ms: 3_600_000 };
}

/** Removes float noise (0.30000000000000004) at the step's precision. */
function round(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(decimals, 100)));
}
