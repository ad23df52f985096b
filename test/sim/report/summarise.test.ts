import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkExpectations } from '../../../sim/report/expectations.js';
import { percentile } from '../../../sim/report/percentile.js';
import { summarise, summariseByPreset } from '../../../sim/report/summarise.js';
import { judgeRun } from '../../../sim/report/verdict.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { exampleResult, terminal } from './support/run-results.js';

describe('percentiles (nearest rank)', () => {
  it('name an observed value: p50 of 1…20 is 10, p95 is 19, p100 is 20', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 100)]).toEqual([10, 19, 20]);
  });

  it('of one value are that value, and of none are null', () => {
    expect([percentile([7], 1), percentile([7], 50), percentile([7], 100)]).toEqual([7, 7, 7]);
    expect(percentile([], 50)).toBeNull();
  });

  it('round the rank up: p50 of four values is the second, p95 of ten is the tenth', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });

  it.each([0, -5, 101, Number.NaN])('refuse p = %s as out of range', (p) => {
    expectKindSync(() => percentile([1, 2, 3], p), 'out-of-range');
  });

  it(`hold at least p % of the values at or below them and fewer than p % below (seed ${seed})`, () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
        const q = percentile(values, p)!;
        expect(values).toContain(q);
        expect(values.filter((v) => v <= q).length * 100).toBeGreaterThanOrEqual(p * values.length);
        expect(values.filter((v) => v < q).length * 100).toBeLessThan(p * values.length);
      }),
      { seed, numRuns: fuzzRuns },
    );
  });
});

describe('summarise', () => {
  const summary = summarise(exampleResult());

  it('gives time-to-first-play p50/p95/max over the terminals that played', () => {
    expect(summary.ttfpMs).toEqual({ count: 20, p50: 10_000, p95: 19_000, max: 20_000 });
  });

  it('gives whole-title p50/p95 over the terminals that got a whole title', () => {
    expect(summary.wholeTitleMs).toEqual({ count: 20, p50: 100_000, p95: 190_000, max: 200_000 });
  });

  it('gives ttfp ÷ whole title as the median of each terminal’s own ratio', () => {
    expect(summary.ttfpToWholeTitle).toBeCloseTo(0.1, 12);
    const mixed = exampleResult({ terminals: [terminal('a', { ttfpMs: 1_000, wholeTitleMs: 2_000 }), terminal('b', { ttfpMs: 9_000, wholeTitleMs: 90_000 }), terminal('c', { ttfpMs: 5_000, wholeTitleMs: 20_000 }), terminal('d', { ttfpMs: 5_000, wholeTitleMs: null })] });
    expect(summarise(mixed).ttfpToWholeTitle).toBe(0.25);
  });

  it('gives goodput ÷ link rate as all bits received over all bits the links could carry while up', () => {
    expect(summary.goodputRatio).toBeCloseTo(0.8, 12);
    const twoLinks = exampleResult({
      terminals: [terminal('fast', { bytesReceived: 1_000_000, linkUpMs: 10_000, linkBitsPerS: 1_000_000 }), terminal('slow', { bytesReceived: 5_000, linkUpMs: 10_000, linkBitsPerS: 8_000 })],
    });
    expect(summarise(twoLinks).goodputRatio).toBeCloseTo((8_000_000 + 40_000) / (10_000_000 + 80_000), 12);
  });

  it('gives null rather than a made-up figure when nobody played or no link was up', () => {
    const idle = summarise(exampleResult({ terminals: [terminal('a', { ttfpMs: null, linkUpMs: 0 })] }));
    expect([idle.ttfpMs.p50, idle.ttfpMs.p95, idle.ttfpMs.max, idle.ttfpToWholeTitle, idle.goodputRatio]).toEqual([null, null, null, null, null]);
    expect(idle.ttfpMs.count).toBe(0);
  });

  it('counts parts, titles, charges (number and sum), top-ups, drops and power losses', () => {
    expect(summary).toMatchObject({ terminals: 21, partsBought: 40, titlesFinished: 4, charges: { count: 40, sumMinor: 19_000 }, topUps: 1, drops: 15, powerLosses: 1 });
  });

  it('counts the invariants held and names the ones that failed', () => {
    const broken = summarise(exampleResult({ invariants: [{ name: 'charged once', held: false, detail: 'x' }, { name: 'storage', held: true }] }));
    expect(broken.invariants).toEqual({ total: 2, held: 1, failed: ['charged once'] });
    expect(broken.invariantsHeld).toBe(false);
    expect(summary.invariantsHeld).toBe(true);
  });

  it('does not call a run with no invariant checked a run whose invariants held', () => {
    expect(summarise(exampleResult({ invariants: [] })).invariantsHeld).toBe(false);
  });

  it('splits terminals and their charges by radio preset', () => {
    const byPreset = summariseByPreset(exampleResult());
    expect(byPreset.map((p) => p.preset)).toEqual(['4g', 'edge']);
    expect(byPreset.map((p) => [p.summary.terminals, p.summary.charges.count, p.summary.ttfpMs.p50])).toEqual([
      [10, 20, 5_000],
      [11, 20, 15_000],
    ]);
  });
});

describe('expectations', () => {
  const summary = summarise(exampleResult());

  it('produce one outcome per criterion the scenario sets, and none for the rest', () => {
    expect(checkExpectations({}, summary)).toEqual([]);
    expect(checkExpectations({ minPartsBought: 40, ttfpMsP95Max: 19_000 }, summary).map((o) => [o.name, o.held])).toEqual([
      ['minPartsBought', true],
      ['ttfpMsP95Max', true],
    ]);
  });

  it('miss by the smallest margin and say by how much', () => {
    const [parts, ttfp, ratio] = checkExpectations({ minPartsBought: 41, ttfpMsP95Max: 18_999, minGoodputRatio: 0.801 }, summary);
    expect(parts).toEqual({ name: 'minPartsBought', held: false, detail: 'parts bought 40; wanted ≥ 41' });
    expect(ttfp).toEqual({ name: 'ttfpMsP95Max', held: false, detail: 'time to first play p95 19,000 ms (19.0 s); wanted ≤ 18,999 ms (19.0 s)' });
    expect(ratio).toEqual({ name: 'minGoodputRatio', held: false, detail: 'goodput ÷ link rate 0.800; wanted ≥ 0.801' });
  });

  it('judge every criterion against its own figure', () => {
    const set = { minPartsBought: 1, minTitlesFinished: 4, minCharges: 40, ttfpMsP50Max: 10_000, ttfpMsP95Max: 19_000, wholeTitleMsP95Max: 190_000, minGoodputRatio: 0.8 };
    expect(checkExpectations(set, summary).every((o) => o.held)).toBe(true);
    const tighter = { minPartsBought: 41, minTitlesFinished: 5, minCharges: 41, ttfpMsP50Max: 9_999, ttfpMsP95Max: 18_999, wholeTitleMsP95Max: 189_999, minGoodputRatio: 0.81 };
    expect(checkExpectations(tighter, summary).map((o) => o.held)).toEqual([false, false, false, false, false, false, false]);
  });

  it('miss a time limit when no terminal got that far', () => {
    const idle = summarise(exampleResult({ terminals: [terminal('a', { ttfpMs: null })] }));
    expect(checkExpectations({ ttfpMsP95Max: 60_000 }, idle)).toEqual([{ name: 'ttfpMsP95Max', held: false, detail: 'time to first play p95: no terminal got that far; wanted ≤ 60,000 ms (1 min 00 s)' }]);
  });

  it('make a run pass only when every invariant held and every criterion was met', () => {
    expect(judgeRun(exampleResult()).passed).toBe(true);
    expect(judgeRun(exampleResult(), { minPartsBought: 41 }).passed).toBe(false);
    expect(judgeRun(exampleResult({ invariants: [{ name: 'x', held: false }] })).passed).toBe(false);
    expect(judgeRun(exampleResult({ invariants: [] })).passed).toBe(false);
  });
});
