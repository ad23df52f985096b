/**
 * Which of the two `chunks.get` forms [FW-7.2] names a window in fewer bytes: `ranges` for a
 * few contiguous runs, `from` + `bits` for scattered gaps. Sizes are counted as the CBOR the
 * wire codec writes (keys included), so the choice is exact, without encoding either form.
 */
import { toBits, toRuns } from '../../sdk/chunks/ranges.js';

/** The fields a `chunks.get` carries besides `v`, `t`, `rid`, `transfer` and `exp`. */
export type WindowForm = { ranges: [first: number, count: number][] } | { from: number; bits: Uint8Array };

/** [FW-4.6]: at most 256 runs, at most 8 192 bytes of bits. */
export const MAX_RANGES_RUNS = 256;
export const MAX_BITS_BYTES = 8192;

/** Bytes of a CBOR head carrying `value` (RFC 8949 §3, shortest form). */
function headBytes(value: number): number {
  if (value < 24) return 1;
  if (value < 0x100) return 2;
  if (value < 0x10000) return 3;
  if (value < 0x1_0000_0000) return 5;
  return 9;
}

/** A text key of n ASCII characters. */
const keyBytes = (n: number): number => headBytes(n) + n;

export function rangesFormBytes(runs: readonly (readonly [number, number])[]): number {
  let n = keyBytes('ranges'.length) + headBytes(runs.length);
  for (const [first, count] of runs) n += 1 + headBytes(first) + headBytes(count);
  return n;
}

export function bitsFormBytes(from: number, bitsLength: number): number {
  return keyBytes('from'.length) + headBytes(from) + keyBytes('bits'.length) + headBytes(bitsLength) + bitsLength;
}

/**
 * The smaller valid form for these sorted distinct indexes (ranges on a tie: easier to read in
 * a trace). Within a part's 28 000-chunk limit one form always fits; were neither to fit, the
 * window is cut to its first 256 runs, and `indexes` says what the form really names.
 */
export function windowForm(indexes: readonly number[]): { form: WindowForm; indexes: readonly number[] } {
  const runs = toRuns(indexes);
  const slice = toBits(indexes);
  const rangesFit = runs.length <= MAX_RANGES_RUNS;
  const bitsFit = slice.bits.length <= MAX_BITS_BYTES;
  const rangesSmaller = rangesFormBytes(runs) <= bitsFormBytes(slice.from, slice.bits.length);
  if (rangesFit && (rangesSmaller || !bitsFit)) {
    return { form: { ranges: runs.map(([first, count]) => [first, count]) }, indexes };
  }
  if (bitsFit) return { form: { from: slice.from, bits: slice.bits }, indexes };
  const kept = runs.slice(0, MAX_RANGES_RUNS);
  const last = kept[kept.length - 1]!;
  const cut = indexes.filter((i) => i < last[0] + last[1]);
  return { form: { ranges: kept.map(([first, count]) => [first, count]) }, indexes: cut };
}
