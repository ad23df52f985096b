import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  MAX_PRICE_MINOR,
  PricingError,
  checkTitlePricing,
  parsePricingRule,
  percentOff,
  quote,
  tierFor,
  type PricingErrorKind,
  type PricingRuleInput,
  type QuoteInput,
} from '../../broker/pricing/index.js';
import { fuzzRuns, seed } from '../support/seed.js';

/** Fig. 18: 0 % below 10,000 uses, 10 % below 100,000, 30 % from 100,000. */
const FIG_18_TIERS = [
  { minUses: 0, percent: 0 },
  { minUses: 10_000, percent: 10 },
  { minUses: 100_000, percent: 30 },
];
/** Fig. 17: parts 000001–000004 in transfer order, their standard prices and use counts. */
const FIG_17 = {
  prices: [500, 450, 400, 350],
  uses: [150_000, 80_000, 5_000], // 000004's count is not given; no example needs it
};

function refused(run: () => unknown, kind: PricingErrorKind): PricingError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a PricingError of kind ${kind}`).toBeInstanceOf(PricingError);
  expect((caught as PricingError).kind).toBe(kind);
  return caught as PricingError;
}

/** The price of part `seq` of the Fig. 17 title, with its real predecessor and first-part use counts. */
function fig17Quote(rule: PricingRuleInput, seq: number, listPriceMinor = FIG_17.prices[seq - 1]!) {
  return quote(rule, {
    seq,
    listPriceMinor,
    previousPartUses: seq > 1 ? FIG_17.uses[seq - 2] : undefined,
    firstPartUses: FIG_17.uses[0],
  });
}

describe('the seed’s worked examples', () => {
  it('first modification, Fig. 17: 500, 450, 400, 350 by transfer order', () => {
    const rule = { rule: 'by-order', prices: FIG_17.prices } as const;
    // The parts are listed at the first part's price; the order price is a store discount.
    const prices = [1, 2, 3, 4].map((seq) => quote(rule, { seq, listPriceMinor: 500 }).priceMinor);
    expect(prices).toEqual([500, 450, 400, 350]);
    expect(quote(rule, { seq: 7, listPriceMinor: 500 }).priceMinor).toBe(350); // "and so on"
  });

  it('second modification, Figs. 17/18: 450 → 315, 400 → 360, 350 → 350 from the preceding part’s uses', () => {
    const rule = { rule: 'by-previous-uses', tiers: FIG_18_TIERS } as const;
    // 000001 used 150,000 times → 30 % off 000002; 000002 80,000 → 10 % off 000003; 000003 5,000 → 0 %.
    const quotes = [1, 2, 3, 4].map((seq) => fig17Quote(rule, seq));
    expect(quotes.map((q) => q.priceMinor)).toEqual([500, 315, 360, 350]);
    expect(quotes.map((q) => q.discountPercent)).toEqual([0, 30, 10, 0]);
    expect(quotes[1]?.reason).toBe('30 % off: previous part (1) used 150,000 times');
    expect(quotes[2]?.reason).toBe('10 % off: previous part (2) used 80,000 times');
  });

  it('second modification on by-order prices (Fig. 17 as the base): the same 315, 360, 350', () => {
    const rule = { rule: 'by-previous-uses', base: { rule: 'by-order', prices: FIG_17.prices }, tiers: FIG_18_TIERS } as const;
    const quotes = [1, 2, 3, 4].map((seq) => fig17Quote(rule, seq, 500));
    expect(quotes.map((q) => q.baseMinor)).toEqual([500, 450, 400, 350]);
    expect(quotes.map((q) => q.priceMinor)).toEqual([500, 315, 360, 350]);
    expect(quotes.map((q) => q.listPriceMinor)).toEqual([500, 500, 500, 500]);
    expect(quotes[1]?.reason).toBe('30 % off the by-order price of part 2: previous part (1) used 150,000 times');
  });

  it('third modification, Figs. 17/18: 315, 280, 245 from the first part’s 150,000 uses', () => {
    const rule = { rule: 'by-first-uses', tiers: FIG_18_TIERS } as const;
    const quotes = [1, 2, 3, 4].map((seq) => fig17Quote(rule, seq));
    expect(quotes.map((q) => q.priceMinor)).toEqual([500, 315, 280, 245]);
    expect(quotes[3]?.reason).toBe('30 % off: first part used 150,000 times');

    const onOrder = { rule: 'by-first-uses', base: { rule: 'by-order', prices: FIG_17.prices }, tiers: FIG_18_TIERS } as const;
    expect([1, 2, 3, 4].map((seq) => fig17Quote(onOrder, seq, 500).priceMinor)).toEqual([500, 315, 280, 245]);
  });

  it('second embodiment, Fig. 19: 500 − 200 = 300, 400 − 150 = 250, 400 − 150 = 250, the sponsor paying the difference', () => {
    // Super Golf holes 1–3 (123456a–123458a), all with an advert. Sponsor and advert are placeholders.
    const sponsored = (seq: number, sponsorPaysMinor: number) => ({ seq, advertTitle: 'acme-soda-quest', sponsor: 'Acme Soda', sponsorPaysMinor });
    const rule = { rule: 'advert', sponsored: [sponsored(1, 200), sponsored(2, 150), sponsored(3, 150)] } as const;
    const quotes = [
      quote(rule, { seq: 1, listPriceMinor: 500 }),
      quote(rule, { seq: 2, listPriceMinor: 400 }),
      quote(rule, { seq: 3, listPriceMinor: 400 }),
    ];
    expect(quotes.map((q) => q.priceMinor)).toEqual([300, 250, 250]);
    expect(quotes.map((q) => q.sponsorPaysMinor)).toEqual([200, 150, 150]);
    expect(quotes[0]).toMatchObject({ sponsor: 'Acme Soda', advertTitle: 'acme-soda-quest', listPriceMinor: 500, discountPercent: 0 });
    // A part with no advert ("no" in Fig. 19's column) pays the standard price and carries none.
    const plain = quote(rule, { seq: 4, listPriceMinor: 400 });
    expect(plain).toMatchObject({ priceMinor: 400, sponsorPaysMinor: 0 });
    expect(plain.sponsor).toBeUndefined();
  });
});

describe('rules at their edges', () => {
  it('standard is the list price', () => {
    expect(quote({ rule: 'standard' }, { seq: 3, listPriceMinor: 570 })).toMatchObject({ priceMinor: 570, listPriceMinor: 570, discountPercent: 0, reason: 'list price' });
  });

  it('tier boundaries belong to the upper tier: exactly 10,000 → 10 %, exactly 100,000 → 30 %', () => {
    const tiers = parsePricingRule({ rule: 'by-first-uses', tiers: FIG_18_TIERS });
    if (tiers.rule !== 'by-first-uses') throw new Error('unreachable');
    const at = (uses: number) => tierFor(tiers.tiers, uses).percent;
    expect([0, 9_999, 10_000, 10_001, 99_999, 100_000, Number.MAX_SAFE_INTEGER].map(at)).toEqual([0, 0, 10, 10, 10, 30, 30]);
    const price = (uses: number) => quote(tiers, { seq: 2, listPriceMinor: 1000, firstPartUses: uses }).priceMinor;
    expect([9_999, 10_000, 99_999, 100_000].map(price)).toEqual([1000, 900, 900, 700]);
  });

  it('a price of 0 stays 0 under every rule', () => {
    const tiers = FIG_18_TIERS;
    expect(quote({ rule: 'standard' }, { seq: 1, listPriceMinor: 0 }).priceMinor).toBe(0);
    expect(quote({ rule: 'by-order', prices: [0] }, { seq: 5, listPriceMinor: 0 }).priceMinor).toBe(0);
    expect(quote({ rule: 'by-previous-uses', tiers }, { seq: 2, listPriceMinor: 0, previousPartUses: 1e6 }).priceMinor).toBe(0);
    expect(quote({ rule: 'advert', sponsored: [{ seq: 1, advertTitle: 'a', sponsor: 'S', sponsorPaysMinor: 0 }] }, { seq: 1, listPriceMinor: 0 })).toMatchObject({ priceMinor: 0, sponsorPaysMinor: 0, sponsor: 'S' });
    expect(quote({ rule: 'lump', priceMinor: 0 }, { seq: 1, listPriceMinor: 500, lumpPaid: false }).priceMinor).toBe(0);
  });

  it('lump: the first part received costs the lump, whatever its seq; once paid, later parts are free', () => {
    const rule = { rule: 'lump', priceMinor: 1500 } as const;
    expect(quote(rule, { seq: 1, listPriceMinor: 500, lumpPaid: false })).toMatchObject({ listPriceMinor: 1500, priceMinor: 1500 });
    expect(quote(rule, { seq: 3, listPriceMinor: 400, lumpPaid: false }).priceMinor).toBe(1500);
    const paid = quote(rule, { seq: 2, listPriceMinor: 450, lumpPaid: true });
    expect(paid).toMatchObject({ listPriceMinor: 0, baseMinor: 0, priceMinor: 0, sponsorPaysMinor: 0 });
    expect(paid.reason).toMatch(/already paid/);
    // Not knowing whether the lump was paid is refused, never guessed.
    expect(refused(() => quote(rule, { seq: 2, listPriceMinor: 450 }), 'invalid-input').path).toBe('lumpPaid');
  });

  it('an advert without its sponsor information is a configuration error', () => {
    const withoutSponsor = { rule: 'advert', sponsored: [{ seq: 1, advertTitle: 'acme-soda-quest', sponsorPaysMinor: 200 }] };
    expect(refused(() => parsePricingRule(withoutSponsor), 'invalid-config').path).toBe('sponsored.0.sponsor');
    const withoutAmount = { rule: 'advert', sponsored: [{ seq: 1, advertTitle: 'acme-soda-quest', sponsor: 'Acme Soda' }] };
    expect(refused(() => parsePricingRule(withoutAmount), 'invalid-config').path).toBe('sponsored.0.sponsorPaysMinor');
    const emptyName = { rule: 'advert', sponsored: [{ seq: 1, advertTitle: 'acme-soda-quest', sponsor: '', sponsorPaysMinor: 200 }] };
    refused(() => parsePricingRule(emptyName), 'invalid-config');
    refused(() => parsePricingRule({ rule: 'advert', sponsored: [] }), 'invalid-config');
    // Paying more than the list price would owe the user money.
    const tooGenerous = { rule: 'advert', sponsored: [{ seq: 1, advertTitle: 'a', sponsor: 'S', sponsorPaysMinor: 600 }] } as const;
    expect(refused(() => quote(tooGenerous, { seq: 1, listPriceMinor: 500 }), 'invalid-config').path).toBe('sponsored.0.sponsorPaysMinor');
  });

  it('a by-order price above the part’s list price is refused, not clamped', () => {
    const rule = { rule: 'by-order', prices: [500, 450] } as const;
    expect(refused(() => quote(rule, { seq: 1, listPriceMinor: 450 }), 'invalid-config').path).toBe('prices.0');
    const based = { rule: 'by-first-uses', base: rule, tiers: FIG_18_TIERS } as const;
    expect(refused(() => quote(based, { seq: 3, listPriceMinor: 400, firstPartUses: 0 }), 'invalid-config').path).toBe('base.prices.1');
  });

  it('a use count the rule needs is required past the first part, and ignored on it', () => {
    const prev = { rule: 'by-previous-uses', tiers: FIG_18_TIERS } as const;
    expect(refused(() => quote(prev, { seq: 2, listPriceMinor: 450, firstPartUses: 1 }), 'invalid-input').path).toBe('previousPartUses');
    const first = { rule: 'by-first-uses', tiers: FIG_18_TIERS } as const;
    expect(refused(() => quote(first, { seq: 2, listPriceMinor: 450 }), 'invalid-input').path).toBe('firstPartUses');
    expect(quote(first, { seq: 1, listPriceMinor: 500 }).priceMinor).toBe(500);
    refused(() => quote(first, { seq: 2, listPriceMinor: 450, firstPartUses: -1 }), 'invalid-input');
    refused(() => quote({ rule: 'standard' }, { seq: 0, listPriceMinor: 1 }), 'invalid-input');
    refused(() => quote({ rule: 'standard' }, { seq: 1, listPriceMinor: 1.5 }), 'invalid-input');
  });

  it('rounds a discounted price down to a whole minor unit', () => {
    expect(percentOff(333, 10)).toBe(299); // 299.7
    expect(percentOff(1, 30)).toBe(0); // 0.7
    expect(percentOff(999, 1)).toBe(989); // 989.01
    expect(percentOff(MAX_PRICE_MINOR, 30)).toBe(700_000_000_000);
    expect(percentOff(MAX_PRICE_MINOR - 1, 1)).toBe(989_999_999_999); // 989,999,999,999.01
    // The largest intermediate product, 10^12 × 100, is exact as a double.
    expect(MAX_PRICE_MINOR * 100).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('checkTitlePricing refuses at load what would only fail at an offer', () => {
    checkTitlePricing({ rule: 'by-order', prices: FIG_17.prices }, [500, 500, 500, 500, 500]);
    expect(refused(() => checkTitlePricing({ rule: 'by-order', prices: FIG_17.prices }, [500, 500, 390, 500]), 'invalid-config').path).toBe('prices.2');
    expect(refused(() => checkTitlePricing({ rule: 'by-order', prices: FIG_17.prices }, [500, 500]), 'invalid-config').path).toBe('prices');
    const ad = { rule: 'advert', sponsored: [{ seq: 3, advertTitle: 'a', sponsor: 'S', sponsorPaysMinor: 100 }] } as const;
    expect(refused(() => checkTitlePricing(ad, [500, 400]), 'invalid-config').path).toBe('sponsored.0.seq');
    checkTitlePricing(ad, [500, 400, 100]);
    refused(() => checkTitlePricing(ad, []), 'invalid-input');
  });

  it('refuses malformed rules with a path and a message that say what is wrong', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ rule: 'discount' }, 'rule', /rule must be 'standard'/],
      [{ rule: 'by-first-uses', tiers: [{ minUses: 5, percent: 0 }] }, 'tiers.0.minUses', /minUses 0/],
      [{ rule: 'by-first-uses', tiers: [FIG_18_TIERS[0], FIG_18_TIERS[2], FIG_18_TIERS[1]] }, 'tiers.2.minUses', /ascending/],
      [{ rule: 'by-first-uses', tiers: [{ minUses: 0, percent: 30 }, { minUses: 10, percent: 10 }] }, 'tiers.1.percent', /smaller discount/],
      [{ rule: 'by-first-uses', tiers: [{ minUses: 0, percent: 12.5 }] }, 'tiers.0.percent', /whole number/],
      [{ rule: 'by-first-uses', tiers: [{ minUses: 0, percent: 101 }] }, 'tiers.0.percent', /at most 100/],
      [{ rule: 'by-first-uses', tiers: [{ minUses: 0, pct: 10 }] }, 'tiers.0.percent', /missing/],
      [{ rule: 'by-order', prices: [450, 500] }, 'prices.1', /cannot cost more/],
      [{ rule: 'by-order', prices: [MAX_PRICE_MINOR + 1] }, 'prices.0', /10\^12/],
      [{ rule: 'lump', priceMinor: -1 }, 'priceMinor', /negative/],
      [{ rule: 'lump', priceMinor: '1500' }, 'priceMinor', /expected a price/],
      [{ rule: 'standard', discount: 10 }, 'discount', /nrecognized/],
    ];
    for (const [raw, path, message] of cases) {
      const e = refused(() => parsePricingRule(raw), 'invalid-config');
      expect(e.path, JSON.stringify(raw)).toBe(path);
      expect(e.message).toMatch(message);
    }
  });

  it('every YAML example in docs/pricing.md is a valid rule', () => {
    const doc = readFileSync(new URL('../../docs/pricing.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    for (const block of blocks) parsePricingRule((parseYaml(block) as { pricing: unknown }).pricing);
  });
});

// ---- properties -------------------------------------------------------------------------

/** 1,000 cases per property in `npm test`; FAIRWAY_FUZZ_RUNS when fuzzing. */
const runs = { seed, numRuns: fuzzRuns };

const priceArb = fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: MAX_PRICE_MINOR }));
const usesArb = fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));

/** Valid tiers: from 0, ascending gaps, percentages that never fall. */
const tiersArb = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.array(fc.record({ gap: fc.integer({ min: 1, max: 1_000_000 }), rise: fc.integer({ min: 0, max: 40 }) }), { maxLength: 6 }))
  .map(([start, steps]) => {
    const tiers = [{ minUses: 0, percent: start }];
    for (const { gap, rise } of steps) {
      const last = tiers[tiers.length - 1]!;
      tiers.push({ minUses: last.minUses + gap, percent: Math.min(100, last.percent + rise) });
    }
    return tiers;
  });

/** Non-increasing by-order prices, none above `list`. */
const byOrderArb = (list: number) =>
  fc.array(fc.integer({ min: 0, max: list }), { minLength: 1, maxLength: 8 }).map((ps) => ({ rule: 'by-order' as const, prices: [...ps].sort((a, b) => b - a) }));

const baseArb = (list: number) => fc.oneof(fc.constant({ rule: 'standard' as const }), byOrderArb(list));

/** A valid rule and a valid input for it, covering all six rules. */
const caseArb: fc.Arbitrary<{ rule: PricingRuleInput; input: QuoteInput }> = fc
  .record({ list: priceArb, seq: fc.integer({ min: 1, max: 12 }), prev: usesArb, first: usesArb, lumpPaid: fc.boolean() })
  .chain(({ list, seq, prev, first, lumpPaid }) => {
    const input = { seq, listPriceMinor: list, previousPartUses: prev, firstPartUses: first, lumpPaid };
    const rules: fc.Arbitrary<PricingRuleInput>[] = [
      fc.constant({ rule: 'standard' }),
      byOrderArb(list),
      fc.record({ rule: fc.constant('by-previous-uses' as const), base: baseArb(list), tiers: tiersArb }),
      fc.record({ rule: fc.constant('by-first-uses' as const), base: baseArb(list), tiers: tiersArb }),
      fc.record({ rule: fc.constant('lump' as const), priceMinor: priceArb }),
      fc
        .record({ pays: fc.integer({ min: 0, max: list }), sponsoredSeq: fc.oneof(fc.constant(seq), fc.integer({ min: 1, max: 12 })) })
        .map(({ pays, sponsoredSeq }) => ({ rule: 'advert' as const, sponsored: [{ seq: sponsoredSeq, advertTitle: 'ad', sponsor: 'S', sponsorPaysMinor: pays }] })),
    ];
    return fc.oneof(...rules).map((rule) => ({ rule, input }));
  });

describe('pricing properties', () => {
  it('the price is an integer in [0, base], base ≤ list ≤ 10^12, and user + sponsor never exceed list', () => {
    fc.assert(
      fc.property(caseArb, ({ rule, input }) => {
        const q = quote(rule, input);
        for (const amount of [q.priceMinor, q.baseMinor, q.listPriceMinor, q.sponsorPaysMinor]) {
          expect(Number.isSafeInteger(amount)).toBe(true);
          expect(amount).toBeGreaterThanOrEqual(0);
          expect(amount).toBeLessThanOrEqual(MAX_PRICE_MINOR);
        }
        expect(q.priceMinor).toBeLessThanOrEqual(q.baseMinor);
        expect(q.baseMinor).toBeLessThanOrEqual(q.listPriceMinor);
        expect(q.priceMinor + q.sponsorPaysMinor).toBeLessThanOrEqual(q.listPriceMinor);
        expect(q.sponsor === undefined).toBe(q.advertTitle === undefined);
        if (q.sponsor === undefined) expect(q.sponsorPaysMinor).toBe(0);
      }),
      runs,
    );
  });

  it('the discount is floor(base × (100 − pct) / 100), checked against BigInt', () => {
    fc.assert(
      fc.property(priceArb, fc.integer({ min: 0, max: 100 }), (base, pct) => {
        const exact = (BigInt(base) * BigInt(100 - pct)) / 100n; // BigInt division truncates = floor for ≥ 0
        expect(percentOff(base, pct)).toBe(Number(exact));
      }),
      runs,
    );
  });

  it('the price never increases as the use count grows (by-previous-uses, by-first-uses)', () => {
    fc.assert(
      fc.property(
        priceArb.chain((list) => fc.record({ list: fc.constant(list), base: baseArb(list) })),
        tiersArb,
        fc.constantFrom('by-previous-uses' as const, 'by-first-uses' as const),
        fc.integer({ min: 2, max: 12 }),
        usesArb,
        usesArb,
        ({ list, base }, tiers, name, seq, a, b) => {
          const [fewer, more] = a <= b ? [a, b] : [b, a];
          const price = (uses: number) => quote({ rule: name, base, tiers }, { seq, listPriceMinor: list, previousPartUses: uses, firstPartUses: uses }).priceMinor;
          expect(price(more)).toBeLessThanOrEqual(price(fewer));
        },
      ),
      runs,
    );
  });

  it('advert: what the sponsor pays plus what the user pays is the list price', () => {
    fc.assert(
      fc.property(
        priceArb.chain((list) => fc.record({ list: fc.constant(list), pays: fc.integer({ min: 0, max: list }) })),
        fc.integer({ min: 1, max: 10_000 }),
        ({ list, pays }, seq) => {
          const q = quote({ rule: 'advert', sponsored: [{ seq, advertTitle: 'ad', sponsor: 'S', sponsorPaysMinor: pays }] }, { seq, listPriceMinor: list });
          expect(q.sponsorPaysMinor + q.priceMinor).toBe(list);
          expect(q.sponsorPaysMinor).toBe(pays);
          expect(q.sponsor).toBe('S');
        },
      ),
      runs,
    );
  });

  it('invalid configurations are refused with a typed error, by parsing and by quoting', () => {
    const badPrice = fc.oneof(
      fc.integer({ max: -1 }),
      fc.integer({ min: MAX_PRICE_MINOR + 1, max: Number.MAX_SAFE_INTEGER }),
      fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, '500', null),
    );
    const badPercent = fc.oneof(fc.integer({ min: 101 }), fc.integer({ max: -1 }), fc.constant(12.5));
    const tiered = (tiers: unknown) => ({ rule: 'by-previous-uses', tiers });
    const invalid = fc.oneof(
      badPrice.map((priceMinor) => ({ rule: 'lump', priceMinor })),
      badPrice.map((p) => ({ rule: 'by-order', prices: [p] })),
      badPercent.map((percent) => tiered([{ minUses: 0, percent }])),
      fc.integer({ min: 1 }).map((minUses) => tiered([{ minUses, percent: 0 }])), // first tier not at 0
      tiersArb.filter((t) => t.length >= 2).map((t) => tiered([...t].reverse())), // unsorted
      tiersArb.filter((t) => t.length >= 2).map((t) => tiered([...t, t[t.length - 1]])), // duplicate minUses
      fc.constant(tiered([])),
      fc.string().filter((s) => !['standard', 'by-order', 'by-previous-uses', 'by-first-uses', 'advert', 'lump'].includes(s)).map((rule) => ({ rule })),
      fc.constantFrom('sponsor', 'sponsorPaysMinor', 'advertTitle', 'seq').map((missing) => {
        const part: Record<string, unknown> = { seq: 1, advertTitle: 'ad', sponsor: 'S', sponsorPaysMinor: 100 };
        delete part[missing];
        return { rule: 'advert', sponsored: [part] };
      }),
      fc.string({ minLength: 1 }).filter((k) => k !== 'rule').map((key) => ({ rule: 'standard', [key]: 1 })),
    );
    fc.assert(
      fc.property(invalid, (raw) => {
        refused(() => parsePricingRule(raw), 'invalid-config');
        refused(() => quote(raw as PricingRuleInput, { seq: 1, listPriceMinor: 500, lumpPaid: false }), 'invalid-config');
      }),
      runs,
    );
  });
});
