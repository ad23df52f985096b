/**
 * Taking a COSE structure apart without re-encoding anything [FW-5.2]: the protected header
 * and the payload are kept as the exact byte strings received, because cbor-x is not
 * deterministic and a signature covers bytes, not values.
 */
import { CborTag, decodeCbor, type CborValue } from '../cbor/index.js';
import { FairwayError } from '../errors.js';
import { ACCEPTED_ALGS, HEADER_ALG, HEADER_CRIT } from './algorithms.js';

export type HeaderMap = Map<number | string, CborValue>;

export function asHeaderMap(value: CborValue | undefined, what: string): HeaderMap {
  if (value instanceof Map) return value;
  // A header map with text keys only (or none) decodes as a plain object.
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof CborTag)) {
    return new Map(Object.entries(value));
  }
  throw new FairwayError('malformed', `${what} is not a map`);
}

export function asBytes(value: CborValue | undefined, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new FairwayError('malformed', `${what} is not a byte string`);
}

/** Decodes the protected header bytes; a zero-length string means an empty map (RFC 9052 §3). */
export function decodeProtected(bytes: Uint8Array): HeaderMap {
  if (bytes.length === 0) return new Map();
  return asHeaderMap(decodeCbor(bytes, { maxBytes: 1024, maxDepth: 4 }), 'the protected header');
}

/** The algorithm must be protected (RFC 9052 §3.1) and one we accept; crit is not supported. */
export function requireAlgorithm(protectedHeader: HeaderMap): number {
  if (protectedHeader.has(HEADER_CRIT)) throw new FairwayError('unsupported-algorithm', 'critical headers are not supported');
  const alg = protectedHeader.get(HEADER_ALG);
  if (typeof alg !== 'number') throw new FairwayError('unsupported-algorithm', 'no algorithm in the protected header');
  if (!ACCEPTED_ALGS.has(alg)) throw new FairwayError('unsupported-algorithm', `algorithm ${alg} is not accepted`);
  return alg;
}

export function untag(value: CborValue, tag: number, what: string): CborValue[] {
  if (!(value instanceof CborTag) || value.tag !== tag) throw new FairwayError('malformed', `${what} must carry tag ${tag}`);
  if (!Array.isArray(value.value)) throw new FairwayError('malformed', `${what} is not an array`);
  return value.value as CborValue[];
}
