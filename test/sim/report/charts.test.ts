import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBitsPerS, formatCount, formatDuration, formatRatio, formatSI } from '../../../sim/report/format.js';
import { niceStep, niceTicks, timeUnitFor } from '../../../sim/report/nice-scale.js';
import { barChart, histogramChart, lineChart, stepChart } from '../../../sim/report/svg-charts.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { findAll, parseXml, textOf } from './support/xml-tree.js';

describe('axis ticks', () => {
  /** What charts plot: whole ms, counts and bit rates between two figures, or from 0 to a fraction. */
  const range = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 })),
    fc.tuple(fc.constant(0), fc.double({ min: 1e-3, max: 1e6, noNaN: true })),
  );

  it(`are round (1, 2 or 5 × 10^k apart), evenly spaced, and cover the range (seed ${seed})`, () => {
    fc.assert(
      fc.property(range, fc.integer({ min: 1, max: 20 }), ([a, b], target) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max, target);
        expect(ticks[0]!).toBeLessThanOrEqual(min);
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
        const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 0;
        if (ticks.length > 1) {
          const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
          expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
        }
        expect(ticks.length).toBeLessThanOrEqual(2 * target + 4);
      }),
      { seed, numRuns: fuzzRuns },
    );
  });

  it('refuse an axis that does not end', () => {
    expectKindSync(() => niceTicks(0, Number.POSITIVE_INFINITY), 'out-of-range');
    expectKindSync(() => niceTicks(Number.NaN, 1), 'out-of-range');
  });

  it('never step below the minimum step (whole terminals, whole drops)', () => {
    expect(niceTicks(0, 3, 10, 1)).toEqual([0, 1, 2, 3]);
    expect(niceStep(0.3)).toBe(0.5);
    expect(niceStep(7)).toBe(10);
  });

  it('label virtual time in seconds up to 3 minutes, minutes up to 3 hours, then hours', () => {
    expect([timeUnitFor(180_000).label, timeUnitFor(180_001).label, timeUnitFor(3 * 3_600_000).label, timeUnitFor(3 * 3_600_001).label]).toEqual(['s', 'min', 'min', 'h']);
  });
});

describe('number formats', () => {
  it('write durations in the unit that reads best, and a dash for never', () => {
    expect([850, 12_340, 245_000, 3_720_000].map(formatDuration)).toEqual(['850 ms', '12.3 s', '4 min 05 s', '1 h 02 min']);
    expect(formatDuration(null)).toBe('–');
  });

  it('write rates, counts, ratios and axis ticks without depending on the locale', () => {
    expect([950, 12_500, 1_200_000].map(formatBitsPerS)).toEqual(['950 bit/s', '12.5 kbit/s', '1.20 Mbit/s']);
    expect([0, 999, 1_000, 61_500, 1_234_567, -4_200].map(formatCount)).toEqual(['0', '999', '1,000', '61,500', '1,234,567', '-4,200']);
    expect([formatRatio(0.8049), formatRatio(null)]).toEqual(['0.80', '–']);
    expect([0, 950, 200_000, 1_500_000, 2e9].map(formatSI)).toEqual(['0', '950', '200k', '1.5M', '2G']);
  });
});

describe('the SVG charts', () => {
  const xMaxMs = 600_000;

  it('are well-formed SVG with an accessible title, whatever they draw', () => {
    const charts = [
      histogramChart([1_000, 2_000, 2_500, 90_000], { title: 'ttfp', xLabel: 'ttfp', yLabel: 'terminals' }),
      lineChart([{ x: 10_000, y: 5 }], { title: 'goodput', yLabel: 'bit/s', xMaxMs }),
      barChart([{ fromMs: 0, toMs: 10_000, y: 3 }], { title: 'drops', yLabel: 'drops', xMaxMs }),
      stepChart([{ x: 1_000, y: 1 }], { title: 'charges', yLabel: 'charges', xMaxMs }),
    ];
    expect(charts.map((svg) => textOf(findAll(parseXml(svg), 'title')[0]!))).toEqual(['ttfp', 'goodput', 'drops', 'charges']);
  });

  it('put every value in exactly one histogram bar, the largest included', () => {
    const values = [0, 1_000, 1_999, 2_000, 30_000, 30_000];
    const svg = parseXml(histogramChart(values, { title: 't', xLabel: 't', yLabel: 'terminals' }));
    const counts = findAll(svg, 'rect').map((r) => Number(/: (\d+) terminals$/.exec(textOf(r))![1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    expect(counts.at(-1)).toBe(2);
  });

  it('draw the same bytes for the same data, run after run', () => {
    const draw = () => lineChart([{ x: 1, y: 1 / 3 }, { x: 200_000, y: 2 / 3 }], { title: 'g', yLabel: 'bit/s', xMaxMs });
    expect(draw()).toBe(draw());
  });

  it('draw a histogram of a hundred thousand terminals without running out of stack', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => (i * 7_919) % 600_000);
    expect(() => parseXml(histogramChart(values, { title: 't', xLabel: 't', yLabel: 'terminals' }))).not.toThrow();
  });
});
