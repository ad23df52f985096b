/**
 * SimCrypto: the Node port's SHA-256 and Ed25519 (node:crypto, so hashes and signatures are the
 * real thing), with randomness from a SimRandom instead of the OS, so nonces, credentials and
 * back-off jitter replay exactly from the seed. Not for use outside a simulation: the bytes are
 * predictable by design.
 */
import { NodeCrypto, NodeSigner } from '../../device/ports/node/crypto.js';
import { FairwayError } from '../../sdk/errors.js';
import type { Crypto, Sha256 } from '../../sdk/hal/crypto.js';
import type { SimRandom } from './random.js';

/** Raw Ed25519 secret keys (RFC 8032 seeds) are 32 bytes. */
const SEED_BYTES = 32;

export class SimCrypto implements Crypto {
  private readonly node = new NodeCrypto();

  constructor(private readonly random: SimRandom) {}

  sha256(): Sha256 {
    return this.node.sha256();
  }

  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return this.node.verifyEd25519(publicKey, message, signature);
  }

  randomBytes(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new FairwayError('invalid-argument', `length must be a non-negative integer, got ${length}`);
    }
    return this.random.bytes(length);
  }
}

/** A device key drawn from `random`: the same seed gives the same key, run after run. */
export function simSigner(random: SimRandom): NodeSigner {
  return NodeSigner.fromSeed(random.bytes(SEED_BYTES));
}
