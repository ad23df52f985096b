/**
 * What a body that could not be taken becomes on the wire [FW-10.2]: the `error` code a
 * porter can act on, and the `rid` to pair it with when one can still be read. Shared by the
 * store (broker) and a host terminal's local session, which answer bad input the same way.
 */
import { decodeCbor } from '../cbor/index.js';
import type { FairwayError } from '../errors.js';

export type DecodeFailureCode = 'too-large' | 'unsupported-version' | 'unknown-type' | 'bad-request';

export function errorCodeFor(error: FairwayError): DecodeFailureCode {
  switch (error.kind) {
    case 'too-large':
      return 'too-large';
    case 'unsupported-version':
      return 'unsupported-version';
    case 'unknown-type':
      return 'unknown-type';
    default:
      return 'bad-request';
  }
}

/**
 * The `rid` of a body that failed validation: a u32 at the top level of a decodable map, else
 * undefined. Nothing is decoded when the failure says the bytes are not a readable map at all.
 */
export function salvageRid(bytes: Uint8Array, error?: FairwayError): number | undefined {
  if (error && (error.kind === 'too-large' || error.kind === 'malformed' || error.kind === 'too-deep' || error.kind === 'trailing-bytes')) return undefined;
  let value: unknown;
  try {
    value = decodeCbor(bytes);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Map) return undefined;
  const rid = (value as Record<string, unknown>).rid;
  return typeof rid === 'number' && Number.isInteger(rid) && rid >= 0 && rid <= 0xffff_ffff ? rid : undefined;
}
