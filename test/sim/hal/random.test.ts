import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimRandom } from '../../../sim/hal/index.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';

const SAMPLES = 20_000;

function draws(random: SimRandom, count: number): number[] {
  return Array.from({ length: count }, () => random.nextUint32());
}

function meanOf(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function sdOf(values: readonly number[]): number {
  const mean = meanOf(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

describe(`SimRandom (FAIRWAY_SEED=${seed})`, () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    expect(draws(SimRandom.fromSeed(seed), 100)).toEqual(draws(SimRandom.fromSeed(seed), 100));
    expect(draws(SimRandom.fromSeed(seed), 100)).not.toEqual(draws(SimRandom.fromSeed(seed + 1), 100));
  });

  it('gives a fork a sequence that depends only on the seed and the label, not on earlier draws', () => {
    const untouched = SimRandom.fromSeed(seed);
    const busy = SimRandom.fromSeed(seed);
    draws(busy, 1_000);
    busy.fork('terminal-3').bytes(4_096);
    expect(draws(busy.fork('terminal-7'), 50)).toEqual(draws(untouched.fork('terminal-7'), 50));
  });

  it('gives different labels, and nested forks, different sequences', () => {
    const root = SimRandom.fromSeed(seed);
    const seven = draws(root.fork('terminal-7'), 20);
    expect(draws(root.fork('terminal-8'), 20)).not.toEqual(seven);
    expect(draws(root.fork('terminal-7').fork('link'), 20)).not.toEqual(seven);
    expect(draws(root, 20)).not.toEqual(seven);
  });

  it('names a stream by its seed and labels', () => {
    expect(SimRandom.fromSeed(42).fork('terminal-7').fork('link').name).toBe('42/terminal-7/link');
  });

  it('draws next01 in [0, 1) with a uniform mean and spread', () => {
    const random = SimRandom.fromSeed(seed);
    const values = Array.from({ length: SAMPLES }, () => random.next01());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(meanOf(values)).toBeCloseTo(0.5, 1);
    expect(sdOf(values)).toBeCloseTo(1 / Math.sqrt(12), 1);
  });

  it('draws int(min, max) within both bounds, reaching each end', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 20 }), fc.nat(), (min, width, streamSeed) => {
        const random = SimRandom.fromSeed(streamSeed);
        for (let i = 0; i < 20; i++) {
          const value = random.int(min, min + width);
          expect(Number.isInteger(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(min);
          expect(value).toBeLessThanOrEqual(min + width);
        }
      }),
      { seed, numRuns: Math.min(fuzzRuns, 300) },
    );
    const random = SimRandom.fromSeed(seed);
    const seen = new Set(Array.from({ length: 500 }, () => random.int(1, 6)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('draws every int in a small range about equally often', () => {
    const random = SimRandom.fromSeed(seed);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[random.int(0, 2)]! += 1;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });

  it('fills bytes of the requested length, varied throughout', () => {
    const random = SimRandom.fromSeed(seed);
    for (const length of [0, 1, 3, 4, 5, 1_000]) expect(random.bytes(length)).toHaveLength(length);
    const tail = random.bytes(10_000).subarray(9_968);
    expect(new Set(tail).size).toBeGreaterThan(10);
  });

  it('draws exponential numbers with the requested mean', () => {
    const random = SimRandom.fromSeed(seed);
    const values = Array.from({ length: SAMPLES }, () => random.exponential(250));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(meanOf(values) - 250) / 250).toBeLessThan(0.03);
    expect(random.exponential(0)).toBe(0);
  });

  it('draws normal numbers with the requested mean and standard deviation', () => {
    const random = SimRandom.fromSeed(seed);
    const values = Array.from({ length: SAMPLES }, () => random.normal(100, 15));
    expect(Math.abs(meanOf(values) - 100)).toBeLessThan(0.5);
    expect(Math.abs(sdOf(values) - 15)).toBeLessThan(0.5);
    expect(random.normal(7, 0)).toBe(7);
  });

  it('comes true with the requested probability', () => {
    const random = SimRandom.fromSeed(seed);
    const hits = Array.from({ length: SAMPLES }, () => random.chance(0.3)).filter(Boolean).length;
    expect(Math.abs(hits / SAMPLES - 0.3)).toBeLessThan(0.015);
    expect(random.chance(0)).toBe(false);
    expect(random.chance(1)).toBe(true);
  });

  it('refuses bad seeds, labels and arguments with invalid-argument', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expectKindSync(() => SimRandom.fromSeed(bad), 'invalid-argument');
    const random = SimRandom.fromSeed(seed);
    expectKindSync(() => random.fork(''), 'invalid-argument');
    expectKindSync(() => random.int(5, 4), 'invalid-argument');
    expectKindSync(() => random.int(0.5, 4), 'invalid-argument');
    expectKindSync(() => random.int(0, 2 ** 32), 'invalid-argument');
    expectKindSync(() => random.bytes(-1), 'invalid-argument');
    expectKindSync(() => random.bytes(1.5), 'invalid-argument');
    expectKindSync(() => random.exponential(-1), 'invalid-argument');
    expectKindSync(() => random.exponential(Number.POSITIVE_INFINITY), 'invalid-argument');
    expectKindSync(() => random.normal(0, -1), 'invalid-argument');
    expectKindSync(() => random.normal(Number.NaN, 1), 'invalid-argument');
    expectKindSync(() => random.chance(1.01), 'invalid-argument');
    expectKindSync(() => random.chance(Number.NaN), 'invalid-argument');
  });
});
