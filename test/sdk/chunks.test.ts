import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkBitmap, chunkCount, chunkSpan, expandBits, expandRuns, toBits, toRuns } from '../../sdk/chunks/index.js';
import { expectKindSync } from '../support/expect-fairway.js';

import { seed } from '../support/seed.js';

describe('chunk arithmetic', () => {
  it('cuts a part into full chunks and a shorter last one', () => {
    expect(chunkCount(40_000, 16_384)).toBe(3);
    expect(chunkCount(32_768, 16_384)).toBe(2);
    expect(chunkCount(1, 16_384)).toBe(1);
    expect(chunkSpan(2, 40_000, 16_384)).toEqual({ offsetBytes: 32_768, lengthBytes: 7_232 });
    expect(chunkSpan(1, 32_768, 16_384)).toEqual({ offsetBytes: 16_384, lengthBytes: 16_384 });
  });

  it('refuses an empty part and indexes past the last chunk', () => {
    expectKindSync(() => chunkCount(0, 16_384), 'out-of-range');
    expectKindSync(() => chunkSpan(3, 40_000, 16_384), 'out-of-range');
    expectKindSync(() => chunkSpan(-1, 40_000, 16_384), 'out-of-range');
  });

  it('spans tile the part exactly, in order, with no gap or overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 64, max: 70_000 }), (size, chunk) => {
        const n = chunkCount(size, chunk);
        let offset = 0;
        for (let i = 0; i < n; i++) {
          const s = chunkSpan(i, size, chunk);
          expect(s.offsetBytes).toBe(offset);
          expect(s.lengthBytes).toBeGreaterThan(0);
          offset += s.lengthBytes;
        }
        expect(offset).toBe(size);
      }),
      { seed },
    );
  });
});

describe('missing-chunk bitmap', () => {
  it('orders bits most significant first and zeroes the padding', () => {
    const map = ChunkBitmap.empty(10);
    map.add(0);
    map.add(9);
    expect([...map.encode()]).toEqual([0x80, 0x40]);
    expect([...ChunkBitmap.full(10).encode()]).toEqual([0xff, 0xc0]);
    expect(ChunkBitmap.full(10).size()).toBe(10);
  });

  it('refuses an encoding of the wrong length or with padding bits set', () => {
    expectKindSync(() => ChunkBitmap.decode(new Uint8Array(3), 10), 'out-of-range');
    expectKindSync(() => ChunkBitmap.decode(new Uint8Array([0, 0x20]), 10), 'out-of-range');
  });

  it('survives encode/decode and answers next/take like a sorted set', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }).chain((n) => fc.tuple(fc.constant(n), fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: 200 }))),
        ([n, members]) => {
          const map = ChunkBitmap.empty(n);
          for (const m of members) map.add(m);
          const back = ChunkBitmap.decode(map.encode(), n);
          const sorted = [...members].sort((a, b) => a - b);
          expect(back.take(n)).toEqual(sorted);
          expect(back.size()).toBe(members.length);
          expect(back.next(0)).toBe(sorted[0] ?? -1);
          if (sorted.length > 0) {
            back.delete(sorted[0]!);
            expect(back.has(sorted[0]!)).toBe(false);
          }
        },
      ),
      { seed },
    );
  });
});

describe('window request forms', () => {
  it('runs and bitmap slices both name the same sorted indexes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 4095 }), { minLength: 1, maxLength: 256 }), (members) => {
        const sorted = [...members].sort((a, b) => a - b);
        expect(expandRuns(toRuns(sorted), 4096, 256)).toEqual(sorted);
        const { from, bits } = toBits(sorted);
        expect(expandBits(from, bits, 4096, 256)).toEqual(sorted);
      }),
      { seed },
    );
  });

  it('refuses overlapping, unsorted or out-of-part runs', () => {
    expectKindSync(() => expandRuns([[0, 4], [3, 1]], 10, 100), 'out-of-range');
    expectKindSync(() => expandRuns([[5, 1], [0, 1]], 10, 100), 'out-of-range');
    expectKindSync(() => expandRuns([[8, 3]], 10, 100), 'out-of-range');
  });

  it('refuses to expand more than the window cap before allocating for it', () => {
    expectKindSync(() => expandRuns([[0, 4_000_000_000]], 4_294_967_295, 256), 'out-of-range');
    expectKindSync(() => expandBits(0, new Uint8Array(64).fill(0xff), 1000, 256), 'out-of-range');
  });

  it('refuses bits past the last chunk', () => {
    expectKindSync(() => expandBits(8, new Uint8Array([0x01]), 15, 256), 'out-of-range');
    expect(expandBits(8, new Uint8Array([0x02]), 15, 256)).toEqual([14]);
  });
});
