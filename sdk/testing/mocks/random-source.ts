/**
 * Where SoftwareCrypto's randomness comes from. The SDK may not use the host language's
 * non-cryptographic generator, so a port or a test injects a source; the platform's Web Crypto
 * is the default where there is one.
 */
import { FairwayError } from '../../errors.js';

/** Returns `length` fresh random bytes. */
export type RandomSource = (length: number) => Uint8Array;

/** getRandomValues fills at most this many bytes per call (Web Crypto's quota). */
const WEB_CRYPTO_QUOTA_BYTES = 65_536;

/** The platform's Web Crypto source, or undefined where the runtime has none. */
export function webCryptoRandomSource(): RandomSource | undefined {
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  const getRandomValues = webCrypto?.getRandomValues?.bind(webCrypto);
  if (!getRandomValues) return undefined;
  return (length) => {
    checkRandomLength(length);
    const bytes = new Uint8Array(length);
    for (let start = 0; start < length; start += WEB_CRYPTO_QUOTA_BYTES) {
      getRandomValues(bytes.subarray(start, Math.min(length, start + WEB_CRYPTO_QUOTA_BYTES)));
    }
    return bytes;
  };
}

export function checkRandomLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new FairwayError('invalid-argument', `length must be a non-negative integer, got ${length}`);
  }
}
