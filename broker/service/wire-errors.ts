/** How a decode failure becomes the `error` a terminal receives [FW-10.2]. */
import { decodeCbor } from '../../sdk/cbor/index.js';
import { FairwayError } from '../../sdk/errors.js';
import type { ErrorCode, MessageOf } from '../../sdk/wire/index.js';

export function errorCodeFor(e: FairwayError): ErrorCode {
  switch (e.kind) {
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

/** The rid of a body that failed validation, when one can still be read, so the error pairs up. */
export function salvageRid(bytes: Uint8Array, error: FairwayError): number | undefined {
  if (error.kind === 'too-large' || error.kind === 'malformed' || error.kind === 'too-deep' || error.kind === 'trailing-bytes') return undefined;
  try {
    const body = decodeCbor(bytes) as Record<string, unknown>;
    const rid = body?.rid;
    return typeof rid === 'number' && Number.isInteger(rid) && rid >= 0 && rid <= 0xffff_ffff ? rid : undefined;
  } catch {
    return undefined;
  }
}

export function errorMessage(code: ErrorCode, message: string, rid?: number, retryAfterMs?: number): MessageOf<'error'> {
  return {
    v: 1,
    t: 'error',
    ...(rid !== undefined ? { rid } : {}),
    code,
    message: message.slice(0, 200),
    ...(retryAfterMs !== undefined ? { retryAfterMs: Math.ceil(retryAfterMs) } : {}),
  };
}
