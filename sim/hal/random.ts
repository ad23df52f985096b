/**
 * SimRandom: the one source of randomness in a simulation. Every draw flows from the run's seed,
 * so the same seed replays the same run.
 *
 * Streams are forked by label rather than split off the parent's state: a fork's sequence is a
 * function of (root seed, chain of labels) only, so terminal 7's draws never depend on how many
 * draws terminal 3 (or the parent itself) made before the fork. The generator is xoshiro128**;
 * its 128-bit state comes from SHA-256 of the stream's key, which is also what keys its forks.
 * Not cryptographically strong: it is for simulations only.
 */
import { createHash } from 'node:crypto';
import { FairwayError } from '../../sdk/errors.js';
import { xoshiro128ssNext } from '../../sdk/testing/mocks/seeded-random.js';

const TWO_POW_26 = 67_108_864;
const TWO_POW_32 = 4_294_967_296;
const TWO_POW_53 = 9_007_199_254_740_992;
/** `int` draws from ranges of at most this many values (one 32-bit word, without bias). */
const MAX_INT_RANGE = TWO_POW_32;

export class SimRandom {
  private readonly state = new Uint32Array(4);

  private constructor(
    /** What identifies this stream: SHA-256 over the seed and the fork labels. */
    private readonly key: Uint8Array,
    /** The seed and fork labels, for messages and traces (`20261202/terminal-7/link`). */
    readonly name: string,
  ) {
    const words = new DataView(key.buffer, key.byteOffset, key.byteLength);
    for (let i = 0; i < 4; i++) this.state[i] = words.getUint32(4 * i, true);
    // xoshiro's state must not be all zero; SHA-256 will not produce that in practice, but be sure.
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** The root stream of a run. The seed is a whole number 0 … 2^53 − 1. */
  static fromSeed(seed: number): SimRandom {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new FairwayError('invalid-argument', `a seed is a non-negative whole number, got ${seed}`);
    }
    return new SimRandom(digest(`fairway-sim-seed\u0000${seed}`), String(seed));
  }

  /** An independent stream for `label`, the same every time for the same parent and label. */
  fork(label: string): SimRandom {
    if (typeof label !== 'string' || label.length === 0) {
      throw new FairwayError('invalid-argument', 'a fork label is a non-empty string');
    }
    return new SimRandom(digest(`fairway-sim-fork\u0000${hex(this.key)}\u0000${label}`), `${this.name}/${label}`);
  }

  /** 32 uniformly random bits as an unsigned integer. */
  nextUint32(): number {
    return xoshiro128ssNext(this.state);
  }

  /** A uniform number in [0, 1), with 53 random bits (every double in the range a multiple of 2^-53). */
  next01(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  /** True with probability `p` (0 … 1). p = 0 and p = 1 still draw, so the stream's use does not depend on p. */
  chance(p: number): boolean {
    checkProbability(p, 'p');
    return this.next01() < p;
  }

  /** A uniform whole number in [min, max], both included, without modulo bias. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
      throw new FairwayError('invalid-argument', `int(min, max) needs whole numbers with min ≤ max, got ${min}, ${max}`);
    }
    const range = max - min + 1;
    if (range > MAX_INT_RANGE) {
      throw new FairwayError('invalid-argument', `int(min, max) draws from at most 2^32 values, got ${range}`);
    }
    // Reject the top sliver of 32-bit values that would make some results more likely than others.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let draw = this.nextUint32();
    while (draw >= limit) draw = this.nextUint32();
    return min + (draw % range);
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new FairwayError('invalid-argument', `length must be a non-negative integer, got ${length}`);
    }
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      let word = this.nextUint32();
      for (let j = i; j < Math.min(i + 4, length); j++) {
        bytes[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return bytes;
  }

  /** An exponentially distributed number with the given mean (≥ 0): the gap between Poisson events. */
  exponential(mean: number): number {
    checkFiniteAtLeastZero(mean, 'mean');
    // 1 − u lies in (0, 1], so the logarithm is finite.
    return -mean * Math.log(1 - this.next01());
  }

  /**
   * A normally distributed number (Box–Muller). Each call draws exactly two numbers, no value is
   * cached between calls, so a stream's position depends only on how many calls were made.
   */
  normal(mean: number, sd: number): number {
    if (!Number.isFinite(mean)) throw new FairwayError('invalid-argument', `mean must be finite, got ${mean}`);
    checkFiniteAtLeastZero(sd, 'sd');
    const u1 = 1 - this.next01();
    const u2 = this.next01();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

function digest(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function checkProbability(p: number, what: string): void {
  if (!(p >= 0 && p <= 1)) throw new FairwayError('invalid-argument', `${what} must be a probability in 0 … 1, got ${p}`);
}

function checkFiniteAtLeastZero(value: number, what: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new FairwayError('invalid-argument', `${what} must be a finite number ≥ 0, got ${value}`);
  }
}
