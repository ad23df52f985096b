/**
 * NodeCrypto and NodeSigner: the Crypto and Signer on node:crypto (OpenSSL).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomFillSync,
  sign,
  verify,
  type Hash,
  type KeyObject,
} from 'node:crypto';
import { FairwayError } from '../../../sdk/errors.js';
import type { Crypto, Sha256, Signer } from '../../../sdk/hal/crypto.js';

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const SEED_BYTES = 32;
/** DER wrappers that turn a raw Ed25519 key into the SPKI / PKCS#8 structures OpenSSL imports. */
const SPKI_ED25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * Importing a raw key into OpenSSL costs about as much as a verification, and a store verifies
 * the same few thousand terminal keys over and over: keep the most recent ones imported.
 */
const KEY_CACHE_ENTRIES = 4096;

export class NodeCrypto implements Crypto {
  private readonly keys = new Map<string, KeyObject>();

  private publicKeyObject(publicKey: Uint8Array): KeyObject {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
    let key = this.keys.get(id);
    if (key) {
      // Refresh its place: Map iteration order is insertion order, so the first entry is the least recent.
      this.keys.delete(id);
    } else {
      key = createPublicKey({ key: withPrefix(SPKI_ED25519_PREFIX, publicKey), format: 'der', type: 'spki' });
      if (this.keys.size >= KEY_CACHE_ENTRIES) this.keys.delete(this.keys.keys().next().value as string);
    }
    this.keys.set(id, key);
    return key;
  }

  sha256(): Sha256 {
    return new NodeSha256(createHash('sha256'));
  }

  async verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      return verify(null, message, this.publicKeyObject(publicKey), signature);
    } catch {
      return false;
    }
  }

  randomBytes(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new FairwayError('invalid-argument', `length must be a non-negative integer, got ${length}`);
    }
    return randomFillSync(new Uint8Array(length));
  }
}

/** Adapts node's Hash to Sha256, handing back a plain Uint8Array rather than a Buffer. */
class NodeSha256 implements Sha256 {
  constructor(private readonly hash: Hash) {}

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  digest(): Uint8Array {
    return new Uint8Array(this.hash.digest());
  }
}

/** A Signer over an Ed25519 private KeyObject, imported once and reused for every signature. */
export class NodeSigner implements Signer {
  readonly publicKey: Uint8Array;

  private constructor(private readonly privateKey: KeyObject) {
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length));
  }

  /** From the raw 32-byte secret key (the RFC 8032 seed). */
  static fromSeed(seed: Uint8Array): NodeSigner {
    if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
      throw new FairwayError('invalid-argument', `an Ed25519 seed is ${SEED_BYTES} bytes`);
    }
    return new NodeSigner(createPrivateKey({ key: withPrefix(PKCS8_ED25519_PREFIX, seed), format: 'der', type: 'pkcs8' }));
  }

  static fromKeyObject(privateKey: KeyObject): NodeSigner {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new FairwayError('invalid-argument', 'a NodeSigner needs an Ed25519 private key');
    }
    return new NodeSigner(privateKey);
  }

  /** A signer with a fresh random key. */
  static generate(): NodeSigner {
    return new NodeSigner(generateKeyPairSync('ed25519').privateKey);
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(sign(null, message, this.privateKey));
  }
}

/** node's key import takes DER as a Buffer. */
function withPrefix(prefix: Uint8Array, key: Uint8Array): Buffer {
  return Buffer.concat([prefix, key]);
}
