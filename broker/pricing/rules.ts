/**
 * The pricing rule a title carries in its YAML, as a strict zod schema, and the typed error a
 * bad rule (or a bad quote input) is refused with. One title, one rule; docs/pricing.md shows
 * each rule's YAML and the seed figures it comes from.
 */
import { z } from 'zod';
import { id } from '../../sdk/wire/fields.js';

/** 10^12 minor units, the protocol's money ceiling [FW-4.1.3]; keeps every product below 2^53. */
export const MAX_PRICE_MINOR = 1_000_000_000_000;

/** What went wrong: the title's rule itself, or what the caller asked a quote for. */
export type PricingErrorKind = 'invalid-config' | 'invalid-input';

export class PricingError extends Error {
  override readonly name = 'PricingError';
  constructor(
    readonly kind: PricingErrorKind,
    message: string,
    /** Dotted path of the offending field (`tiers.1.minUses`), when there is one. */
    readonly path?: string,
  ) {
    super(path ? `${kind} at ${path}: ${message}` : `${kind}: ${message}`);
  }
}

export function isPricingError(e: unknown, kind?: PricingErrorKind): e is PricingError {
  return e instanceof PricingError && (kind === undefined || e.kind === kind);
}

// ---- field types -------------------------------------------------------------------------

const utf8 = new TextEncoder();

/** Type errors that say whether the field is missing or of the wrong kind. */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? `missing: ${what}` : `expected ${what}`) };
}

const priceMinor = z
  .number(expected('a price in minor units'))
  .int('a price is a whole number of minor units')
  .min(0, 'a price cannot be negative')
  .max(MAX_PRICE_MINOR, 'a price is at most 10^12 minor units');

const useCount = z
  .number(expected('a use count'))
  .int('a use count is a whole number')
  .min(0, 'a use count cannot be negative')
  .max(Number.MAX_SAFE_INTEGER, 'a use count is at most 2^53 − 1');

const percent = z
  .number(expected('a percentage'))
  .int('a percentage is a whole number (0 … 100)')
  .min(0, 'a percentage is at least 0')
  .max(100, 'a percentage is at most 100');

/** Positions in transfer order: 1 is the part sent first (the one that runs alone). */
const seq = z.number(expected('seq, the position in transfer order')).int('seq is a whole number').min(1, 'seq starts at 1').max(10_000, 'a title has at most 10,000 parts');

// ---- discount tiers (Fig. 18) -----------------------------------------------------------

/** From `minUses` uses on (up to the next tier's `minUses`), `percent` % off. */
export const DiscountTierSchema = z.strictObject({ minUses: useCount, percent });
export type DiscountTier = z.infer<typeof DiscountTierSchema>;

/**
 * Sorted strictly ascending by `minUses`, starting at 0 so every use count falls in exactly
 * one tier. Percentages must not fall as `minUses` rises: the seed's point is that a popular
 * part makes the next ones cheaper, and it is what makes "price never increases as use count
 * grows" hold for every valid title.
 */
export const DiscountTiersSchema = z
  .array(DiscountTierSchema)
  .min(1, 'at least one tier (the one from 0 uses)')
  .max(64, 'at most 64 tiers')
  .superRefine((tiers, ctx) => {
    if (tiers[0] && tiers[0].minUses !== 0) {
      ctx.addIssue({ code: 'custom', path: [0, 'minUses'], message: 'the first tier must start at minUses 0, so that every use count has a tier' });
    }
    for (let i = 1; i < tiers.length; i++) {
      const before = tiers[i - 1];
      const tier = tiers[i];
      if (!before || !tier) continue;
      if (tier.minUses <= before.minUses) {
        ctx.addIssue({ code: 'custom', path: [i, 'minUses'], message: `tiers must be sorted strictly ascending by minUses (${tier.minUses} after ${before.minUses})` });
      }
      if (tier.percent < before.percent) {
        ctx.addIssue({ code: 'custom', path: [i, 'percent'], message: `a tier with more uses cannot give a smaller discount (${tier.percent} % after ${before.percent} %)` });
      }
    }
  })
  .readonly();

// ---- the rules --------------------------------------------------------------------------

/** Rule 1: every part at its own list price (Fig. 4). */
export const StandardRuleSchema = z.strictObject({ rule: z.literal('standard') });

/**
 * Rule 2 (first modification, Fig. 17): a price per transfer-order position, first part
 * dearest. `prices[0]` is for seq 1, `prices[1]` for seq 2, …; a title with more parts than
 * prices charges the last price for the rest (Fig. 17's "and so on").
 */
export const ByOrderRuleSchema = z.strictObject({
  rule: z.literal('by-order'),
  prices: z
    .array(priceMinor)
    .min(1, 'at least one price (for the first part)')
    .max(10_000, 'at most one price per part (10,000)')
    .superRefine((prices, ctx) => {
      for (let i = 1; i < prices.length; i++) {
        const before = prices[i - 1];
        const price = prices[i];
        if (before !== undefined && price !== undefined && price > before) {
          ctx.addIssue({ code: 'custom', path: [i], message: `a later part cannot cost more than an earlier one (${price} after ${before})` });
        }
      }
    })
    .readonly(),
});

/** The price a use-count discount is taken off: the part's list price, or its by-order price. */
export const DiscountBaseSchema = z.discriminatedUnion('rule', [StandardRuleSchema, ByOrderRuleSchema]);

/**
 * Rule 3 (second modification): the tier is chosen by the use count of the part sent just
 * before this one (seq − 1). Rule 4 (third modification): by the use count of the title's
 * first part, for parts sent second or later. Both may discount a by-order price instead of
 * the list price ("regardless of the order of transfer … as shown in Fig. 4" and the reverse).
 */
export const ByPreviousUsesRuleSchema = z.strictObject({
  rule: z.literal('by-previous-uses'),
  base: DiscountBaseSchema.default({ rule: 'standard' }),
  tiers: DiscountTiersSchema,
});
export const ByFirstUsesRuleSchema = z.strictObject({
  rule: z.literal('by-first-uses'),
  base: DiscountBaseSchema.default({ rule: 'standard' }),
  tiers: DiscountTiersSchema,
});

/**
 * One sponsored part (second embodiment, Fig. 19): the part is sent with `advertTitle`'s
 * advert attached, `sponsor` pays `sponsorPaysMinor`, the user pays the rest of the list price.
 * Every field is required: an advert with nobody named to pay for it is a configuration error.
 */
export const SponsoredPartSchema = z.strictObject({
  seq,
  advertTitle: z.string(expected('advertTitle, the advertised title id')).pipe(id),
  sponsor: z
    .string(expected('sponsor, who pays for the advert'))
    .refine((s) => s.length > 0 && utf8.encode(s).length <= 256, 'a sponsor is named in 1–256 bytes of UTF-8'),
  sponsorPaysMinor: priceMinor,
});
export type SponsoredPart = z.infer<typeof SponsoredPartSchema>;

/** Rule 5: sponsored parts at list − sponsor contribution; unsponsored parts at list price. */
export const AdvertRuleSchema = z.strictObject({
  rule: z.literal('advert'),
  sponsored: z
    .array(SponsoredPartSchema)
    .min(1, "an advert rule names at least one sponsored part (use 'standard' otherwise)")
    .superRefine((parts, ctx) => {
      const seen = new Set<number>();
      parts.forEach((p, i) => {
        if (seen.has(p.seq)) ctx.addIssue({ code: 'custom', path: [i, 'seq'], message: `part ${p.seq} is sponsored twice; one sponsor per part` });
        seen.add(p.seq);
      });
    })
    .readonly(),
});

/** Rule 6: the whole title for one price, paid with whichever part a user receives first. */
export const LumpRuleSchema = z.strictObject({ rule: z.literal('lump'), priceMinor });

const RULE_NAMES = "'standard', 'by-order', 'by-previous-uses', 'by-first-uses', 'advert' or 'lump'";

export const PricingRuleSchema = z.discriminatedUnion(
  'rule',
  [
  StandardRuleSchema,
  ByOrderRuleSchema,
  ByPreviousUsesRuleSchema,
  ByFirstUsesRuleSchema,
  AdvertRuleSchema,
  LumpRuleSchema,
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? `rule must be ${RULE_NAMES}` : undefined) },
);

export type StandardRule = z.infer<typeof StandardRuleSchema>;
export type ByOrderRule = z.infer<typeof ByOrderRuleSchema>;
export type DiscountBase = z.infer<typeof DiscountBaseSchema>;
export type ByPreviousUsesRule = z.infer<typeof ByPreviousUsesRuleSchema>;
export type ByFirstUsesRule = z.infer<typeof ByFirstUsesRuleSchema>;
export type AdvertRule = z.infer<typeof AdvertRuleSchema>;
export type LumpRule = z.infer<typeof LumpRuleSchema>;
export type PricingRule = z.infer<typeof PricingRuleSchema>;
/** The rule as written in YAML, before defaults (`base`) are filled in. */
export type PricingRuleInput = z.input<typeof PricingRuleSchema>;
export type RuleName = PricingRule['rule'];

// ---- the quote input --------------------------------------------------------------------

/**
 * What the store knows when it prices one part for one user. Only the fields the title's
 * rule needs are required (see `quote`); a missing one is an `invalid-input` error, never a
 * silent default, because a default would either overcharge or give the part away.
 */
export const QuoteInputSchema = z.strictObject({
  /** The part's position in transfer order, 1 = sent first [FW-6.4]. */
  seq,
  /** The part's standard (list) price. */
  listPriceMinor: priceMinor,
  /** by-previous-uses, seq ≥ 2: how many times the part at seq − 1 has been used. */
  previousPartUses: useCount.optional(),
  /** by-first-uses, seq ≥ 2: how many times the title's part at seq 1 has been used. */
  firstPartUses: useCount.optional(),
  /**
   * lump: true iff this user has already been *charged* the lump price for this title (a
   * completed charge in the ledger; an open or lapsed hold does not count).
   */
  lumpPaid: z.boolean(expected('lumpPaid, true or false')).optional(),
});
export type QuoteInput = z.input<typeof QuoteInputSchema>;

// ---- parsing ----------------------------------------------------------------------------

function refusal(kind: PricingErrorKind, error: z.ZodError, prefix: string): PricingError {
  const issue = error.issues[0];
  if (!issue) return new PricingError(kind, 'validation failed');
  let path = issue.path.map(String).join('.');
  // zod reports an unknown key at its parent; name the key itself.
  if (issue.code === 'unrecognized_keys') path = [path, ...issue.keys].filter(Boolean).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return new PricingError(kind, issue.message + more, [prefix, path].filter(Boolean).join('.') || undefined);
}

/** Validates a title's rule as read from YAML; throws `PricingError` `invalid-config`. */
export function parsePricingRule(raw: unknown, prefix = ''): PricingRule {
  const result = PricingRuleSchema.safeParse(raw);
  if (!result.success) throw refusal('invalid-config', result.error, prefix);
  return result.data;
}

/** Validates a quote input; throws `PricingError` `invalid-input`. */
export function parseQuoteInput(raw: unknown): z.output<typeof QuoteInputSchema> {
  const result = QuoteInputSchema.safeParse(raw);
  if (!result.success) throw refusal('invalid-input', result.error, '');
  return result.data;
}
