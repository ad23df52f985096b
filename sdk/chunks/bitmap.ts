/**
 * A set of chunk indexes as a bitmap [FW-6.3]: bit i is bit (7 − i mod 8) of byte ⌊i/8⌋ —
 * most significant bit first, the order a porter reads off a hex dump. The encoding is
 * exactly ⌈count/8⌉ bytes and the padding bits past `count` must be zero.
 *
 * Terminals keep the chunks they still miss in one, persist it after every write, and send a
 * slice of it in `chunks.get` to ask for a window.
 */
import { FairwayError } from '../errors.js';

export class ChunkBitmap {
  private readonly bits: Uint8Array;

  private constructor(
    readonly count: number,
    bits: Uint8Array,
  ) {
    this.bits = bits;
  }

  static empty(count: number): ChunkBitmap {
    ChunkBitmap.checkCount(count);
    return new ChunkBitmap(count, new Uint8Array(Math.ceil(count / 8)));
  }

  static full(count: number): ChunkBitmap {
    const map = ChunkBitmap.empty(count);
    map.bits.fill(0xff);
    map.clearPadding();
    return map;
  }

  /** Decodes; wrong length or a padding bit set → out-of-range. */
  static decode(bytes: Uint8Array, count: number): ChunkBitmap {
    ChunkBitmap.checkCount(count);
    if (bytes.length !== Math.ceil(count / 8)) {
      throw new FairwayError('out-of-range', `a bitmap of ${count} chunks is ${Math.ceil(count / 8)} bytes, not ${bytes.length}`, 'bits');
    }
    const map = new ChunkBitmap(count, bytes.slice());
    const last = map.bits[map.bits.length - 1];
    map.clearPadding();
    if (last !== undefined && last !== map.bits[map.bits.length - 1]) {
      throw new FairwayError('out-of-range', 'padding bits past the chunk count must be zero', 'bits');
    }
    return map;
  }

  private static checkCount(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new FairwayError('out-of-range', 'a chunk count is a non-negative integer');
  }

  private clearPadding(): void {
    const spare = this.bits.length * 8 - this.count;
    if (spare > 0) this.bits[this.bits.length - 1]! &= (0xff << spare) & 0xff;
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new FairwayError('out-of-range', `chunk ${index} is not in 0..${this.count - 1}`);
    }
  }

  has(index: number): boolean {
    this.check(index);
    return ((this.bits[index >> 3] as number) & (0x80 >> (index & 7))) !== 0;
  }

  add(index: number): void {
    this.check(index);
    this.bits[index >> 3]! |= 0x80 >> (index & 7);
  }

  delete(index: number): void {
    this.check(index);
    this.bits[index >> 3]! &= ~(0x80 >> (index & 7));
  }

  /** How many indexes are in the set. */
  size(): number {
    let n = 0;
    for (const byte of this.bits) {
      let b = byte;
      while (b) {
        b &= b - 1;
        n++;
      }
    }
    return n;
  }

  /** The first member ≥ from, or -1. Skips whole zero bytes. */
  next(from = 0): number {
    for (let i = Math.max(0, from); i < this.count; ) {
      if ((i & 7) === 0 && this.bits[i >> 3] === 0) {
        i += 8;
        continue;
      }
      if (this.has(i)) return i;
      i++;
    }
    return -1;
  }

  /** Members in ascending order, at most `limit` of them, starting at `from`. */
  take(limit: number, from = 0): number[] {
    const out: number[] = [];
    for (let i = this.next(from); i !== -1 && out.length < limit; i = this.next(i + 1)) out.push(i);
    return out;
  }

  encode(): Uint8Array {
    return this.bits.slice();
  }
}
