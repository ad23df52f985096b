/**
 * The Crypto conformance suite [FW-11.3]: SHA-256 and Ed25519 against published known answers,
 * randomness, and the device Signer. One test per behaviour.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import type { Crypto, Signer } from '../hal/crypto.js';
import { ascii, fromHex, patternBytes, toHex } from './bytes.js';

export interface CryptoFixture {
  crypto: Crypto;
  /** The device signer, whatever key it holds. */
  signer: Signer;
  /**
   * Optional capability: a signer holding the given 32-byte RFC 8032 secret key (seed), to check
   * signatures against the RFC's known answers. A secure element that cannot import keys omits it.
   */
  signerFromSeed?: (seed: Uint8Array) => Promise<Signer>;
  cleanup?: () => Promise<void>;
}

export type CryptoFactory = () => Promise<CryptoFixture>;

/** FIPS 180-2 appendix B known answers. */
const SHA256_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA256_TWO_BLOCK_MESSAGE = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';
const SHA256_TWO_BLOCK = '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1';
const SHA256_MILLION_A = 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0';

/** RFC 8032 section 7.1, tests 1 and 2. */
const RFC8032_TEST1 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  message: '',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const RFC8032_TEST2 = {
  publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  message: '72',
  signature:
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};
/** 32 bytes that decode to no point on the curve (y = 2 has no matching x). */
const NOT_A_CURVE_POINT = '0200000000000000000000000000000000000000000000000000000000000000';

const TIMEOUT_MS = 20_000;

type CryptoTest = (fixture: CryptoFixture, context: TestContext) => Promise<void>;

export function describeCryptoConformance(make: CryptoFactory, suiteName = 'Crypto conformance'): void {
  const withCrypto = (body: CryptoTest) => async (context: TestContext) => {
    const fixture = await make();
    try {
      await body(fixture, context);
    } finally {
      await fixture.cleanup?.();
    }
  };

  describe(suiteName, { timeout: TIMEOUT_MS }, () => {
    it('hashes the empty message to the FIPS 180-2 known answer', withCrypto(async ({ crypto }) => {
      expect(toHex(crypto.sha256().digest())).toBe(SHA256_EMPTY);
    }));

    it('hashes "abc" to the FIPS 180-2 known answer', withCrypto(async ({ crypto }) => {
      expect(toHex(digestOf(crypto, [ascii('abc')]))).toBe(SHA256_ABC);
    }));

    it('hashes a message fed in uneven pieces, some empty, to the known answer', withCrypto(async ({ crypto }) => {
      const message = ascii(SHA256_TWO_BLOCK_MESSAGE);
      const pieces = [message.subarray(0, 1), message.subarray(1, 1), message.subarray(1, 20), message.subarray(20)];
      expect(toHex(digestOf(crypto, pieces))).toBe(SHA256_TWO_BLOCK);
    }));

    it('hashes pieces that straddle block boundaries the same as the whole message', withCrypto(async ({ crypto }) => {
      const message = patternBytes(1000, 1);
      const cuts = [0, 1, 64, 127, 128, 129, 500, 1000];
      const pieces = cuts.slice(1).map((end, i) => message.subarray(cuts[i], end));
      expect(toHex(digestOf(crypto, pieces))).toBe(toHex(digestOf(crypto, [message])));
    }));

    it('hashes a million "a" fed in 1000-byte pieces to the known answer', withCrypto(async ({ crypto }) => {
      const piece = new Uint8Array(1000).fill(0x61);
      expect(toHex(digestOf(crypto, new Array<Uint8Array>(1000).fill(piece)))).toBe(SHA256_MILLION_A);
    }));

    it('keeps two hashers in use at once independent', withCrypto(async ({ crypto }) => {
      const empty = crypto.sha256();
      const abc = crypto.sha256();
      abc.update(ascii('ab'));
      abc.update(ascii('c'));
      expect(toHex(empty.digest())).toBe(SHA256_EMPTY);
      expect(toHex(abc.digest())).toBe(SHA256_ABC);
    }));

    it('returns random bytes of the requested length, including beyond 64 KiB', withCrypto(async ({ crypto }) => {
      for (const length of [0, 1, 32, 100_000]) {
        const bytes = crypto.randomBytes(length);
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(bytes.length).toBe(length);
      }
    }));

    it('returns different random bytes on each call', withCrypto(async ({ crypto }) => {
      expect(toHex(crypto.randomBytes(32))).not.toBe(toHex(crypto.randomBytes(32)));
    }));

    it('fills large random requests throughout, not just at the start', withCrypto(async ({ crypto }) => {
      const tail = crypto.randomBytes(100_000).subarray(99_968);
      expect(tail.some((byte) => byte !== 0)).toBe(true);
    }));

    it("signs with a 64-byte signature that verifies under the signer's 32-byte public key", withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt');
      const signature = await signer.sign(message);
      expect(signer.publicKey.length).toBe(32);
      expect(signature.length).toBe(64);
      expect(await crypto.verifyEd25519(signer.publicKey, message, signature)).toBe(true);
    }));

    it('signs deterministically', withCrypto(async ({ signer }) => {
      const message = ascii('same message');
      expect(toHex(await signer.sign(message))).toBe(toHex(await signer.sign(message)));
    }));

    it('refuses a signature when one bit of the message is flipped', withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt for part 7');
      const signature = await signer.sign(message);
      for (const bit of [0, 7, 8 * message.length - 1]) {
        expect(await crypto.verifyEd25519(signer.publicKey, flipBit(message, bit), signature)).toBe(false);
      }
    }));

    it('refuses a signature when one bit of the signature is flipped', withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt for part 7');
      const signature = await signer.sign(message);
      // Bits in R (the first half) and in S (the second half, including its top bit).
      for (const bit of [0, 100, 256, 300, 511]) {
        expect(await crypto.verifyEd25519(signer.publicKey, message, flipBit(signature, bit))).toBe(false);
      }
    }));

    it('refuses a signature under a different public key', withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt');
      const signature = await signer.sign(message);
      expect(await crypto.verifyEd25519(fromHex(RFC8032_TEST1.publicKey), message, signature)).toBe(false);
    }));

    it('returns false rather than throwing for a public key of the wrong length', withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt');
      const signature = await signer.sign(message);
      for (const length of [31, 33, 0]) {
        const key = new Uint8Array(length);
        key.set(signer.publicKey.subarray(0, length));
        expect(await crypto.verifyEd25519(key, message, signature)).toBe(false);
      }
    }));

    it('returns false rather than throwing for a public key that is not a curve point', withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt');
      const signature = await signer.sign(message);
      expect(await crypto.verifyEd25519(fromHex(NOT_A_CURVE_POINT), message, signature)).toBe(false);
    }));

    it('returns false rather than throwing for a signature of the wrong length', withCrypto(async ({ crypto, signer }) => {
      const message = ascii('receipt');
      const signature = await signer.sign(message);
      for (const length of [63, 65, 0]) {
        const truncated = new Uint8Array(length);
        truncated.set(signature.subarray(0, length));
        expect(await crypto.verifyEd25519(signer.publicKey, message, truncated)).toBe(false);
      }
    }));

    it('verifies the RFC 8032 test 1 signature (empty message)', withCrypto(async ({ crypto }) => {
      const { publicKey, message, signature } = RFC8032_TEST1;
      expect(await crypto.verifyEd25519(fromHex(publicKey), fromHex(message), fromHex(signature))).toBe(true);
    }));

    it('verifies the RFC 8032 test 2 signature (one-byte message)', withCrypto(async ({ crypto }) => {
      const { publicKey, message, signature } = RFC8032_TEST2;
      expect(await crypto.verifyEd25519(fromHex(publicKey), fromHex(message), fromHex(signature))).toBe(true);
    }));

    it('signs the RFC 8032 test 1 message with its known signature, given its seed', withCrypto(async ({ signerFromSeed }, context) => {
      if (!signerFromSeed) return context.skip('the fixture offers no signerFromSeed()');
      const signer = await signerFromSeed(fromHex(RFC8032_TEST1.seed));
      expect(toHex(signer.publicKey)).toBe(RFC8032_TEST1.publicKey);
      expect(toHex(await signer.sign(fromHex(RFC8032_TEST1.message)))).toBe(RFC8032_TEST1.signature);
    }));
  });
}

function digestOf(crypto: Crypto, pieces: readonly Uint8Array[]): Uint8Array {
  const hasher = crypto.sha256();
  for (const piece of pieces) hasher.update(piece);
  return hasher.digest();
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice();
  flipped[bit >>> 3] = (flipped[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
  return flipped;
}
