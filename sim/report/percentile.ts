/**
 * Percentiles by the nearest-rank method: the p-th percentile is the smallest observed value
 * with at least p % of the values at or below it. It always names a value that happened (a
 * real terminal's time), never an interpolation, which is what QA quotes in a bug.
 */
import { FairwayError } from '../../sdk/errors.js';

/** The p-th percentile (0 < p ≤ 100) of `values` (any order); null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new FairwayError('out-of-range', `percentile ${p}; 0 < p ≤ 100`, 'p');
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.max(1, rank) - 1]!;
}
