/**
 * Argument checks every Storage method makes before touching anything, so a bad name or offset
 * is reported as invalid-argument and never reaches the medium.
 */
import { FairwayError } from '../errors.js';
import { BLOB_NAME } from './storage.js';

export function checkBlobName(name: string): void {
  if (typeof name !== 'string' || !BLOB_NAME.test(name)) {
    throw new FairwayError('invalid-argument', `not a valid blob name: ${JSON.stringify(name)}`);
  }
}

/** Offsets and lengths are whole, non-negative byte counts. */
export function checkByteCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new FairwayError('invalid-argument', `${what} must be a non-negative integer, got ${value}`);
  }
}

export function checkBytes(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new FairwayError('invalid-argument', 'bytes must be a Uint8Array');
}
