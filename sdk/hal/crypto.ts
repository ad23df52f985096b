/**
 * Crypto: hashing, verification and randomness [FW-11.3]; signing with the device's own key.
 *
 * Signing is a separate object because on hardware the private key usually never leaves a
 * secure element: the port hands the SDK something that signs, not a key.
 */
export interface Sha256 {
  update(bytes: Uint8Array): void;
  /** The 32-byte digest. The hasher may not be used afterwards. */
  digest(): Uint8Array;
}

export interface Crypto {
  /** A fresh incremental SHA-256, so a 64 MiB part hashes without being held in memory. */
  sha256(): Sha256;
  /**
   * Ed25519 verification by the strict rules of RFC 8032 §5.1.7 (S < L; encodings of A and R
   * must decode) — OpenSSL's behaviour, and noble's with `zip215: false` — so that every port
   * accepts exactly the same signatures. False (never a throw) for a wrong signature or a
   * malformed key.
   */
  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** Cryptographically strong random bytes. */
  randomBytes(length: number): Uint8Array;
}

export interface Signer {
  /** The raw 32-byte Ed25519 public key the store has enrolled for this signer. */
  readonly publicKey: Uint8Array;
  /** The 64-byte Ed25519 signature of `message` (deterministic, RFC 8032). */
  sign(message: Uint8Array): Promise<Uint8Array>;
}
