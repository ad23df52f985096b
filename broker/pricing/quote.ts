/**
 * `quote`: what one user pays for one part now, under the title's pricing rule. Pure: the
 * store looks up use counts and whether a lump was paid, and passes them in; nothing here
 * reads a clock, a database or a float. docs/pricing.md describes each rule.
 */
import {
  PricingError,
  parsePricingRule,
  parseQuoteInput,
  type AdvertRule,
  type ByFirstUsesRule,
  type ByOrderRule,
  type ByPreviousUsesRule,
  type DiscountBase,
  type LumpRule,
  type PricingRule,
  type PricingRuleInput,
  type QuoteInput,
  type RuleName,
} from './rules.js';
import { percentOff, tierFor } from './tiers.js';

/**
 * Invariants, for every rule: all amounts are integers in 0 … 10^12;
 * `priceMinor ≤ baseMinor ≤ listPriceMinor`; `priceMinor + sponsorPaysMinor ≤ listPriceMinor`,
 * with equality when the part is sponsored (`sponsor` present).
 * The offer [FW-4.4] carries `listPriceMinor` as `listPrice` and `priceMinor` as `price`.
 */
export interface Quote {
  rule: RuleName;
  /**
   * The undiscounted price of what this quote sells: the part's list price, except under
   * `lump`, where the first part received sells the whole title (the lump price) and a later
   * one sells nothing new (0).
   */
  listPriceMinor: number;
  /** The price before any use-count discount: list, by-order or lump price. */
  baseMinor: number;
  /** The use-count tier's percentage taken off `baseMinor`; 0 for rules without tiers. */
  discountPercent: number;
  /** What the user pays: the amount held and charged. */
  priceMinor: number;
  /** What the sponsor pays the store for this part; 0 unless the part carries an advert. */
  sponsorPaysMinor: number;
  /** Who pays `sponsorPaysMinor`; present iff the part is sent with an advert. */
  sponsor?: string;
  /** The advertised title whose advert is attached to the part; present iff `sponsor` is. */
  advertTitle?: string;
  /** One line for logs and the operator CLI, e.g. "30 % off: first part used 150,000 times". */
  reason: string;
}

type Input = ReturnType<typeof parseQuoteInput>;

/**
 * Prices one part for one user. Both arguments are validated again here (cheaply), so a rule
 * built in code gets the same checks as one read from YAML.
 *
 * Throws `PricingError`:
 * - `invalid-config`: the rule is malformed, or does not fit this part (a by-order price or a
 *   sponsor contribution above the part's list price: the user would pay more than list, or
 *   a negative amount). `checkTitlePricing` finds these when a title is loaded.
 * - `invalid-input`: a field the rule needs is missing or out of range (`previousPartUses`
 *   for by-previous-uses past the first part, `firstPartUses` likewise, `lumpPaid` for lump).
 */
export function quote(rule: PricingRule | PricingRuleInput, input: QuoteInput): Quote {
  const r = parsePricingRule(rule);
  const i = parseQuoteInput(input);
  switch (r.rule) {
    case 'standard':
      return undiscounted('standard', i.listPriceMinor, i.listPriceMinor, 'list price');
    case 'by-order': {
      const price = byOrderPrice(r, i, 'prices');
      return undiscounted('by-order', i.listPriceMinor, price, `by transfer order: part ${i.seq}'s price`);
    }
    case 'by-previous-uses':
    case 'by-first-uses':
      return byUses(r, i);
    case 'advert':
      return advert(r, i);
    case 'lump':
      return lump(r, i);
  }
}

function undiscounted(rule: RuleName, listPriceMinor: number, priceMinor: number, reason: string): Quote {
  return { rule, listPriceMinor, baseMinor: priceMinor, discountPercent: 0, priceMinor, sponsorPaysMinor: 0, reason };
}

/** Fig. 17's price for this position; positions past the list pay its last price. */
function byOrderPrice(rule: ByOrderRule, input: Input, path: string): number {
  const index = Math.min(input.seq, rule.prices.length) - 1;
  const price = rule.prices[index];
  if (price === undefined) throw new PricingError('invalid-config', 'a by-order rule needs at least one price', path);
  if (price > input.listPriceMinor) {
    // An offer's price may not exceed its list price [FW-4.4]; refuse rather than clamp, so the
    // mistake in the title is fixed instead of silently charged differently.
    throw new PricingError('invalid-config', `by-order price ${price} for part ${input.seq} is above its list price ${input.listPriceMinor}`, `${path}.${index}`);
  }
  return price;
}

function basePrice(base: DiscountBase, input: Input): { baseMinor: number; label: string } {
  if (base.rule === 'standard') return { baseMinor: input.listPriceMinor, label: 'list price' };
  return { baseMinor: byOrderPrice(base, input, 'base.prices'), label: `by-order price of part ${input.seq}` };
}

/** Rules 3 and 4: a tier chosen by some part's use count, taken off the base price. */
function byUses(rule: ByPreviousUsesRule | ByFirstUsesRule, input: Input): Quote {
  const { baseMinor, label } = basePrice(rule.base, input);
  const common = { rule: rule.rule, listPriceMinor: input.listPriceMinor, baseMinor, sponsorPaysMinor: 0 };
  if (input.seq === 1) {
    // The first part has no preceding part (rule 3), and rule 4 discounts only later parts.
    return { ...common, discountPercent: 0, priceMinor: baseMinor, reason: `first part: ${label}, no use-count discount` };
  }
  const field = rule.rule === 'by-previous-uses' ? 'previousPartUses' : 'firstPartUses';
  const uses = input[field];
  if (uses === undefined) {
    throw new PricingError('invalid-input', `${rule.rule} needs ${field} to price part ${input.seq}`, field);
  }
  const tier = tierFor(rule.tiers, uses);
  const whose = rule.rule === 'by-previous-uses' ? `previous part (${input.seq - 1})` : 'first part';
  const off = label === 'list price' ? `${tier.percent} % off` : `${tier.percent} % off the ${label}`;
  return {
    ...common,
    discountPercent: tier.percent,
    priceMinor: percentOff(baseMinor, tier.percent),
    reason: `${off}: ${whose} used ${grouped(uses)} times`,
  };
}

/** Rule 5 (Fig. 19): the sponsor pays part of the list price and the part carries its advert. */
function advert(rule: AdvertRule, input: Input): Quote {
  const index = rule.sponsored.findIndex((s) => s.seq === input.seq);
  const sponsored = rule.sponsored[index];
  if (!sponsored) return undiscounted('advert', input.listPriceMinor, input.listPriceMinor, `list price: part ${input.seq} carries no advert`);
  if (sponsored.sponsorPaysMinor > input.listPriceMinor) {
    throw new PricingError(
      'invalid-config',
      `sponsor contribution ${sponsored.sponsorPaysMinor} for part ${input.seq} is above its list price ${input.listPriceMinor}`,
      `sponsored.${index}.sponsorPaysMinor`,
    );
  }
  return {
    rule: 'advert',
    listPriceMinor: input.listPriceMinor,
    baseMinor: input.listPriceMinor,
    discountPercent: 0,
    priceMinor: input.listPriceMinor - sponsored.sponsorPaysMinor,
    sponsorPaysMinor: sponsored.sponsorPaysMinor,
    sponsor: sponsored.sponsor,
    advertTitle: sponsored.advertTitle,
    reason: `sponsored: ${sponsored.sponsor} pays ${grouped(sponsored.sponsorPaysMinor)} for the ${sponsored.advertTitle} advert`,
  };
}

/** Rule 6: the first part a user receives pays for the whole title; the rest are free. */
function lump(rule: LumpRule, input: Input): Quote {
  if (input.lumpPaid === undefined) throw new PricingError('invalid-input', 'lump needs lumpPaid (has this user been charged for the title?)', 'lumpPaid');
  if (input.lumpPaid) return undiscounted('lump', 0, 0, 'already paid: covered by the lump price for the whole title');
  return undiscounted('lump', rule.priceMinor, rule.priceMinor, 'lump price for the whole title; its other parts are then free');
}

/**
 * Checks a rule against a title's parts when the title is loaded, so a by-order price or a
 * sponsor contribution above a part's list price, a by-order list longer than the title, or a
 * sponsored part the title does not have is refused up front instead of at the first offer.
 * `partListPricesMinor[k]` is the list price of the part with seq k + 1.
 */
export function checkTitlePricing(rule: PricingRule | PricingRuleInput, partListPricesMinor: readonly number[]): void {
  const r = parsePricingRule(rule);
  const parts = partListPricesMinor.length;
  if (parts < 1 || parts > 10_000) throw new PricingError('invalid-input', `a title has 1 … 10,000 parts, not ${parts}`);
  const byOrder = r.rule === 'by-order' ? { rule: r, path: 'prices' } : 'base' in r && r.base.rule === 'by-order' ? { rule: r.base, path: 'base.prices' } : undefined;
  if (byOrder && byOrder.rule.prices.length > parts) {
    throw new PricingError('invalid-config', `${byOrder.rule.prices.length} by-order prices for a title of ${parts} parts`, byOrder.path);
  }
  if (r.rule === 'advert') {
    const stray = r.sponsored.findIndex((s) => s.seq > parts);
    if (stray >= 0) throw new PricingError('invalid-config', `sponsored part ${r.sponsored[stray]?.seq} is past the title's last part (${parts})`, `sponsored.${stray}.seq`);
  }
  // Quoting every part with neutral usage surfaces the per-part checks (prices above list).
  partListPricesMinor.forEach((listPriceMinor, k) => {
    quote(r, { seq: k + 1, listPriceMinor, previousPartUses: 0, firstPartUses: 0, lumpPaid: false });
  });
}

/** 150000 → "150,000": fixed grouping, independent of the host's locale. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
