import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkResults, ExecutorError, RESULTS_MAX_KEYS } from '../../../device/executor/index.js';
import { FairwayError, isFairwayError } from '../../../sdk/errors.js';
import { decodeMessage, encodeMessage } from '../../../sdk/wire/index.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';

const golf = { hole: 3, strokes: 5, par: 4, total: 14, holesPlayed: 3, course: 'Fairway Hills', quit: false };

function finish(results: Record<string, unknown>): Uint8Array {
  return encodeMessage({ v: 1, t: 'finish', rid: 1, title: 'super-golf', part: 'golf-h03', results } as never);
}

describe('checking results before they become a finish message', () => {
  it('accepts Super Golf results and returns them unchanged', () => {
    expect(checkResults(golf)).toBe(golf);
  });

  it('accepts the edges of every limit: int32 bounds, 256-byte text, 32 keys, 32-character names, no results', () => {
    expect(checkResults({ low: -(2 ** 31), high: 2 ** 31 - 1, text: 'é'.repeat(128), empty: '', yes: true })).toBeTruthy();
    expect(checkResults(Object.fromEntries(Array.from({ length: RESULTS_MAX_KEYS }, (_, i) => [`k${i}`, i])))).toBeTruthy();
    expect(checkResults({ [`a${'B'.repeat(31)}`]: 1 })).toBeTruthy();
    expect(checkResults({})).toEqual({});
    expect(checkResults(Object.assign(Object.create(null) as object, { hole: 1 }))).toBeTruthy();
  });

  it.each([
    ['null', null],
    ['a list', [1, 2]],
    ['a text', 'strokes: 5'],
    ['a number', 5],
    ['undefined', undefined],
    ['a Map', new Map([['hole', 1]])],
    ['a class instance', new (class Score { hole = 1; })()],
  ])('refuses %s in place of the results map as wrong-type', (_, value) => {
    const e = expectKindSync(() => checkResults(value), 'wrong-type');
    expect(e.path).toBe('results');
  });

  it.each([
    ['a fraction', { strokes: 4.5 }],
    ['NaN', { strokes: Number.NaN }],
    ['infinity', { strokes: Number.POSITIVE_INFINITY }],
    ['null', { strokes: null }],
    ['a list', { strokes: [4] }],
    ['a nested map', { strokes: { front: 4 } }],
    ['a bigint', { strokes: 4n }],
    ['undefined', { strokes: undefined }],
    ['a lone surrogate in text', { strokes: 'four\uD800' }],
  ])('refuses %s as a value with wrong-type, naming the entry', (_, results) => {
    const e = expectKindSync(() => checkResults(results), 'wrong-type');
    expect(e.path).toBe('results.strokes');
  });

  it.each([
    ['2^31', { strokes: 2 ** 31 }],
    ['-(2^31) - 1', { strokes: -(2 ** 31) - 1 }],
    ['text of 257 bytes', { strokes: 'x'.repeat(257) }],
    ['text of 258 bytes in 129 characters', { strokes: 'é'.repeat(129) }],
  ])('refuses %s with out-of-range, naming the entry', (_, results) => {
    const e = expectKindSync(() => checkResults(results), 'out-of-range');
    expect(e.path).toBe('results.strokes');
  });

  it.each(['Strokes', '1st', 'a_b', 'a-b', `a${'b'.repeat(32)}`, 'é', '__proto__'])('refuses the result name %j with out-of-range', (key) => {
    const results = JSON.parse(`{${JSON.stringify(key)}: 1}`) as object;
    const e = expectKindSync(() => checkResults(results), 'out-of-range');
    expect(e.path).toBe(`results.${key}`);
  });

  it('refuses 33 results with out-of-range', () => {
    const results = Object.fromEntries(Array.from({ length: RESULTS_MAX_KEYS + 1 }, (_, i) => [`k${i}`, i]));
    expect(expectKindSync(() => checkResults(results), 'out-of-range').path).toBe('results');
  });

  it('names the caller’s path in its errors', () => {
    expect(expectKindSync(() => checkResults({ hole: 1.5 }, 'carried'), 'wrong-type').path).toBe('carried.hole');
  });

  it('accepts exactly what a finish message can carry (the store never refuses what passes)', () => {
    const key = fc.oneof({ arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,31}$/), weight: 4 }, { arbitrary: fc.string({ maxLength: 34 }), weight: 1 });
    const value = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
      fc.double(),
      fc.string({ maxLength: 300, unit: 'grapheme' }),
      fc.string({ maxLength: 90, unit: 'binary' }),
      fc.boolean(),
      fc.constant(null),
    );
    // Mostly a few entries (where one bad value decides), sometimes around the 32-entry limit.
    const anyResults = fc.oneof({ arbitrary: fc.dictionary(key, value, { maxKeys: 4 }), weight: 9 }, { arbitrary: fc.dictionary(key, fc.integer(), { minKeys: 30, maxKeys: 34 }), weight: 1 });
    fc.assert(
      fc.property(anyResults, (results) => {
        let accepted: boolean;
        try {
          checkResults(results);
          accepted = true;
        } catch (e) {
          if (!isFairwayError(e, 'wrong-type') && !isFairwayError(e, 'out-of-range')) throw e;
          accepted = false;
        }
        let encoded: Uint8Array | undefined;
        try {
          encoded = finish(results);
        } catch (e) {
          expect(e).toBeInstanceOf(FairwayError);
        }
        if (accepted) {
          expect(encoded, `seed ${seed}`).toBeDefined();
          const decoded = decodeMessage(encoded!) as { results: Record<string, unknown> };
          expect(decoded.results).toEqual(results);
        }
        // The converse: whatever the finish schema refuses, the check refuses too.
        if (encoded === undefined) expect(accepted, `seed ${seed}`).toBe(false);
      }),
      { seed, numRuns: fuzzRuns },
    );
  });
});

describe('the executor error', () => {
  it('is a FairwayError a UI can switch on by reason, naming the part', () => {
    const cause = new FairwayError('out-of-range', 'too big', 'results.strokes');
    const e = new ExecutorError('bad-results', 'golf-h03', 'too big', 'results.strokes', cause);
    expect(e).toBeInstanceOf(FairwayError);
    expect(isFairwayError(e, 'invalid-argument')).toBe(true);
    expect(e).toMatchObject({ reason: 'bad-results', part: 'golf-h03', path: 'results.strokes', cause });
    expect(e.message).toContain('bad-results (golf-h03)');
  });
});
