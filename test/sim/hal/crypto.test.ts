import { describe, expect, it } from 'vitest';
import { NodeSigner } from '../../../device/ports/node/index.js';
import { SimCrypto, SimRandom, simSigner } from '../../../sim/hal/index.js';
import { toHex } from '../../../sdk/testing/bytes.js';
import { describeCryptoConformance } from '../../../sdk/testing/index.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';

// Randomness here is seeded, not strong: the kit's randomness tests check length, that two calls
// differ and that large requests are filled throughout, all of which a seeded stream meets.
describeCryptoConformance(async () => {
  const random = SimRandom.fromSeed(seed);
  return {
    crypto: new SimCrypto(random.fork('crypto')),
    signer: simSigner(random.fork('signer')),
    signerFromSeed: async (secret) => NodeSigner.fromSeed(secret),
  };
}, 'SimCrypto: Crypto conformance');

describe(`SimCrypto (FAIRWAY_SEED=${seed})`, () => {
  it('draws the same random bytes for the same seed, and others for another terminal', () => {
    const bytesOf = (label: string) => toHex(new SimCrypto(SimRandom.fromSeed(seed).fork(label)).randomBytes(32));
    expect(bytesOf('terminal-1')).toBe(bytesOf('terminal-1'));
    expect(bytesOf('terminal-1')).not.toBe(bytesOf('terminal-2'));
  });

  it('derives the same device key from the same seed, and another from another seed', () => {
    const keyOf = (s: number) => toHex(simSigner(SimRandom.fromSeed(s).fork('signer')).publicKey);
    expect(keyOf(seed)).toBe(keyOf(seed));
    expect(keyOf(seed)).not.toBe(keyOf(seed + 1));
  });

  it('refuses a negative or fractional length with invalid-argument', () => {
    const crypto = new SimCrypto(SimRandom.fromSeed(seed));
    expectKindSync(() => crypto.randomBytes(-1), 'invalid-argument');
    expectKindSync(() => crypto.randomBytes(2.5), 'invalid-argument');
  });
});
