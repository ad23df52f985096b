import { describe, expect, it } from 'vitest';
import { SoftwareCrypto, SoftwareSigner, Xoshiro128StarStar, seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { describeCryptoConformance } from '../../sdk/testing/index.js';
import { toHex } from '../../sdk/testing/bytes.js';
import { expectThrow } from '../../sdk/testing/expect-error.js';

describeCryptoConformance(async () => ({
  crypto: new SoftwareCrypto({ randomBytes: seededRandomSource(1) }),
  signer: SoftwareSigner.generate(seededRandomSource(2)),
  signerFromSeed: async (seed) => SoftwareSigner.fromSeed(seed),
}), 'Crypto conformance (SoftwareCrypto, seeded randomness)');

describeCryptoConformance(async () => {
  const crypto = new SoftwareCrypto();
  return {
    crypto,
    signer: SoftwareSigner.generate((length) => crypto.randomBytes(length)),
    signerFromSeed: async (seed) => SoftwareSigner.fromSeed(seed),
  };
}, 'Crypto conformance (SoftwareCrypto, Web Crypto randomness)');

describe('seeded randomness', () => {
  it('repeats the same bytes for the same seed', () => {
    expect(toHex(seededRandomSource(42)(64))).toBe(toHex(seededRandomSource(42)(64)));
  });

  it('gives different bytes for different seeds, including 0', () => {
    const outputs = [0, 1, 2, 0xffffffff].map((seed) => toHex(seededRandomSource(seed)(32)));
    expect(new Set(outputs).size).toBe(4);
  });

  it('spreads bytes evenly enough to stand in for randomness in tests', () => {
    const counts = new Array<number>(256).fill(0);
    for (const byte of seededRandomSource(7)(256 * 1000)) counts[byte] = (counts[byte] ?? 0) + 1;
    // Each value is expected 1000 times; a standard deviation is about 32.
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
  });

  it('never yields an all-zero generator state', () => {
    const generator = new Xoshiro128StarStar(0);
    const words = Array.from({ length: 8 }, () => generator.nextUint32());
    expect(words.some((word) => word !== 0)).toBe(true);
  });
});

describe('SoftwareSigner', () => {
  it('derives the same key from the same seeded source', () => {
    const first = SoftwareSigner.generate(seededRandomSource(9));
    const second = SoftwareSigner.generate(seededRandomSource(9));
    expect(toHex(first.publicKey)).toBe(toHex(second.publicKey));
  });

  it('refuses a seed that is not 32 bytes with invalid-argument', () => {
    expectThrow(() => SoftwareSigner.fromSeed(new Uint8Array(31)), 'invalid-argument');
  });
});

describe('SoftwareCrypto', () => {
  it('refuses a negative random length with invalid-argument', () => {
    expectThrow(() => new SoftwareCrypto().randomBytes(-1), 'invalid-argument');
  });

  it('reports a random source that returns the wrong length as io', () => {
    const crypto = new SoftwareCrypto({ randomBytes: () => new Uint8Array(1) });
    expectThrow(() => crypto.randomBytes(2), 'io');
  });
});
