/**
 * The two ways a window request names chunks [FW-7.2]: a list of runs `[first, count]`, or a
 * bitmap slice `from` + `bits` where bit j stands for chunk from + j (MSB first, as in
 * ChunkBitmap). Both expand to a sorted list of distinct indexes within the part.
 */
import { FairwayError } from '../errors.js';

export type Run = readonly [first: number, count: number];

/** Packs sorted distinct indexes into runs. */
export function toRuns(indexes: readonly number[]): Run[] {
  const runs: [number, number][] = [];
  for (const i of indexes) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}

/**
 * Expands runs, refusing overlap, disorder and anything past `chunkCount`, and stopping with
 * out-of-range past `maxIndexes` before allocating for a hostile count.
 */
export function expandRuns(runs: readonly Run[], chunkCount: number, maxIndexes: number): number[] {
  const out: number[] = [];
  let nextAllowed = 0;
  for (const [first, count] of runs) {
    if (first < nextAllowed) throw new FairwayError('out-of-range', 'runs must be sorted and must not overlap', 'ranges');
    if (first + count > chunkCount) throw new FairwayError('out-of-range', `run [${first}, ${count}] passes chunk ${chunkCount - 1}`, 'ranges');
    if (out.length + count > maxIndexes) throw new FairwayError('out-of-range', `more than ${maxIndexes} chunks asked for`, 'ranges');
    for (let i = first; i < first + count; i++) out.push(i);
    nextAllowed = first + count;
  }
  return out;
}

/** Expands a bitmap slice; bits past the part's last chunk must be zero. */
export function expandBits(from: number, bits: Uint8Array, chunkCount: number, maxIndexes: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < bits.length * 8; j++) {
    if (((bits[j >> 3] as number) & (0x80 >> (j & 7))) === 0) continue;
    const index = from + j;
    if (index >= chunkCount) throw new FairwayError('out-of-range', `bit for chunk ${index} is past the last chunk`, 'bits');
    if (out.length === maxIndexes) throw new FairwayError('out-of-range', `more than ${maxIndexes} chunks asked for`, 'bits');
    out.push(index);
  }
  return out;
}

/** The smallest bitmap slice naming exactly these sorted distinct indexes. */
export function toBits(indexes: readonly number[]): { from: number; bits: Uint8Array } {
  const from = indexes[0] ?? 0;
  const last = indexes[indexes.length - 1] ?? 0;
  const bits = new Uint8Array(indexes.length === 0 ? 0 : Math.floor((last - from) / 8) + 1);
  for (const i of indexes) bits[(i - from) >> 3]! |= 0x80 >> ((i - from) & 7);
  return { from, bits };
}
