/**
 * SoftwareCrypto and SoftwareSigner: the Crypto and Signer in portable TypeScript, on
 * @noble/hashes and @noble/curves, for tests, the simulator and ports without crypto hardware.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { FairwayError } from '../../errors.js';
import type { Crypto, Sha256, Signer } from '../../hal/crypto.js';
import { checkRandomLength, webCryptoRandomSource, type RandomSource } from './random-source.js';

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const SEED_BYTES = 32;

export interface SoftwareCryptoOptions {
  /** Where random bytes come from; defaults to the platform's Web Crypto. */
  randomBytes?: RandomSource;
}

export class SoftwareCrypto implements Crypto {
  private readonly source: RandomSource;

  constructor(options: SoftwareCryptoOptions = {}) {
    const source = options.randomBytes ?? webCryptoRandomSource();
    if (!source) throw new FairwayError('invalid-argument', 'this runtime has no Web Crypto: pass a randomBytes source');
    this.source = source;
  }

  sha256(): Sha256 {
    return sha256.create();
  }

  async verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      // Strict RFC 8032 rules rather than ZIP-215, so this agrees with OpenSSL-based ports.
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  }

  randomBytes(length: number): Uint8Array {
    checkRandomLength(length);
    const bytes = this.source(length);
    if (bytes.length !== length) {
      throw new FairwayError('io', `the random source returned ${bytes.length} bytes instead of ${length}`);
    }
    return bytes;
  }
}

/** A Signer holding its 32-byte Ed25519 secret key (the RFC 8032 seed) in memory. */
export class SoftwareSigner implements Signer {
  readonly publicKey: Uint8Array;

  private constructor(private readonly seed: Uint8Array) {
    this.publicKey = ed25519.getPublicKey(seed);
  }

  static fromSeed(seed: Uint8Array): SoftwareSigner {
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
      throw new FairwayError('invalid-argument', `an Ed25519 seed is ${SEED_BYTES} bytes`);
    }
    return new SoftwareSigner(seed.slice());
  }

  /** A signer with a fresh key drawn from `random` (seed it for a reproducible key). */
  static generate(random: RandomSource): SoftwareSigner {
    return SoftwareSigner.fromSeed(random(SEED_BYTES));
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return ed25519.sign(message, this.seed);
  }
}
