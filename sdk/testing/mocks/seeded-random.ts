/**
 * A small seeded generator (xoshiro128**, seeded through splitmix32) so tests and the simulator
 * get reproducible "random" bytes. Not cryptographically strong: never use it on a device.
 */
import type { RandomSource } from './random-source.js';
import { checkRandomLength } from './random-source.js';

export class Xoshiro128StarStar {
  private readonly state = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 spreads any seed, including 0, over the whole state; xoshiro's state must not be all zero.
    let mix = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      mix = (mix + 0x9e3779b9) >>> 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.state[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  nextUint32(): number {
    return xoshiro128ssNext(this.state);
  }

  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i += 4) {
      let word = this.nextUint32();
      for (let j = i; j < Math.min(i + 4, bytes.length); j++) {
        bytes[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return bytes;
  }
}

/** A RandomSource that yields the same bytes for the same seed, run after run. */
export function seededRandomSource(seed: number): RandomSource {
  const generator = new Xoshiro128StarStar(seed);
  return (length) => {
    checkRandomLength(length);
    return generator.fill(new Uint8Array(length));
  };
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

/** One step of xoshiro128** over its four-word state: the next 32 random bits. */
export function xoshiro128ssNext(s: Uint32Array): number {
  const s0 = s[0] as number;
  const s1 = s[1] as number;
  const s2 = s[2] as number;
  const s3 = s[3] as number;
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = (s1 << 9) >>> 0;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  s[1] = s1 ^ n2;
  s[0] = s0 ^ n3;
  s[2] = n2 ^ t;
  s[3] = rotl(n3, 11);
  return result;
}
