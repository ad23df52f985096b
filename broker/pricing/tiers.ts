/**
 * Discount tiers by use count (Fig. 18) and the one piece of arithmetic every discount uses.
 */
import { MAX_PRICE_MINOR, type DiscountTier } from './rules.js';

/**
 * The tier a use count falls in: the last one whose `minUses` ≤ `uses`. Tiers come from
 * `DiscountTiersSchema`, so they are sorted and the first starts at 0: there is always one.
 * Boundaries belong to the upper tier (Fig. 18: "at least 10,000 … 10 %").
 */
export function tierFor(tiers: readonly DiscountTier[], uses: number): DiscountTier {
  let found: DiscountTier | undefined;
  for (const tier of tiers) {
    if (tier.minUses > uses) break;
    found = tier;
  }
  if (!found) throw new RangeError(`no discount tier covers ${uses} uses; tiers must start at minUses 0`);
  return found;
}

/**
 * `percent` % off `baseMinor`, in integer arithmetic, rounded DOWN to a whole minor unit:
 *
 *     price = floor(baseMinor × (100 − percent) / 100)
 *
 * Down, because a fraction of a minor unit cannot be charged and rounding it up would charge
 * more than the advertised discount allows; the store absorbs < 1 minor unit instead of the
 * customer. Integer-only, so every store and every port computes the same price.
 *
 * Why plain numbers suffice: baseMinor ≤ 10^12 and (100 − percent) ≤ 100, so the product is
 * ≤ 10^14, far below 2^53 − 1 ≈ 9.007 × 10^15, and every step below is exact. The floor is
 * taken as (product − product mod 100) / 100, an exact division, so no float rounding of a
 * quotient can ever push a price over a whole-unit boundary.
 */
export function percentOff(baseMinor: number, percent: number): number {
  if (!Number.isInteger(baseMinor) || baseMinor < 0 || baseMinor > MAX_PRICE_MINOR) {
    throw new RangeError(`base price ${baseMinor} is not an integer in 0 … 10^12`);
  }
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new RangeError(`discount ${percent} is not an integer percentage 0 … 100`);
  }
  const product = baseMinor * (100 - percent);
  // Unreachable with the bounds above; kept so a change to MAX_PRICE_MINOR cannot go unnoticed.
  if (!Number.isSafeInteger(product)) throw new RangeError(`${baseMinor} × ${100 - percent} exceeds 2^53`);
  return (product - (product % 100)) / 100;
}
