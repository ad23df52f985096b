import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BITS_BYTES, MAX_RANGES_RUNS, windowForm, type WindowForm } from '../../../device/download/window-form.js';
import { expandBits, expandRuns, toBits, toRuns } from '../../../sdk/chunks/ranges.js';
import { decodeMessage, encodeMessage } from '../../../sdk/wire/index.js';
import { fuzzRuns, seed } from '../../support/seed.js';

const TRANSFER = new Uint8Array(16).fill(0x5f);
const COUNT = 28_000;

function encoded(form: WindowForm): Uint8Array {
  return encodeMessage({ v: 1, t: 'chunks.get', rid: 21, transfer: TRANSFER, ...form });
}

function named(form: WindowForm): number[] {
  return 'ranges' in form ? expandRuns(form.ranges, COUNT, 1_000_000) : expandBits(form.from, form.bits, COUNT, 1_000_000);
}

const sortedIndexes = fc
  .uniqueArray(fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: COUNT - 1 })), { minLength: 1, maxLength: 300 })
  .map((a) => a.sort((x, y) => x - y));

describe('window request form', () => {
  it('picks ranges for a contiguous run and bits for scattered chunks, as in the wire vectors', () => {
    expect(windowForm([0, 1]).form).toEqual({ ranges: [[0, 2]] });
    expect(windowForm([0, 2]).form).toEqual({ from: 0, bits: new Uint8Array([0xa0]) });
  });

  it('always picks the form whose chunks.get encodes smaller, and names exactly the chunks given', () => {
    fc.assert(
      fc.property(sortedIndexes, (indexes) => {
        const { form, indexes: kept } = windowForm(indexes);
        expect(kept).toEqual(indexes);
        expect(named(form)).toEqual(indexes);
        const runs = toRuns(indexes).map(([f, c]) => [f, c] as [number, number]);
        const { from, bits } = toBits(indexes);
        const candidates: WindowForm[] = [];
        if (runs.length <= MAX_RANGES_RUNS) candidates.push({ ranges: runs });
        if (bits.length <= MAX_BITS_BYTES) candidates.push({ from, bits });
        const smallest = Math.min(...candidates.map((c) => encoded(c).length));
        const body = encoded(form);
        expect(body.length).toBe(smallest);
        expect(decodeMessage(body)).toMatchObject({ t: 'chunks.get' });
      }),
      { seed, numRuns: Math.min(fuzzRuns, 300) },
    );
  });

  it('uses bits when there are more runs than a ranges form may carry', () => {
    const indexes = Array.from({ length: MAX_RANGES_RUNS + 1 }, (_, i) => i * 2);
    const { form } = windowForm(indexes);
    expect('bits' in form).toBe(true);
    expect(named(form)).toEqual(indexes);
  });

  it('cuts a window to its first 256 runs when neither form could carry it all', () => {
    const indexes = [...Array.from({ length: 300 }, (_, i) => i * 2), 70_000];
    const { form, indexes: kept } = windowForm(indexes);
    expect(kept).toEqual(indexes.slice(0, MAX_RANGES_RUNS));
    expect('ranges' in form && form.ranges.length).toBe(MAX_RANGES_RUNS);
    expect(named(form)).toEqual(kept);
  });
});
