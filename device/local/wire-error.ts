/**
 * What a decoding failure is called on the wire [FW-10.1]: the local session answers a body it
 * cannot take with an `error` whose code a porter can act on, never with a crash.
 */
import type { FairwayError } from '../../sdk/errors.js';

export type LocalErrorCode = 'too-large' | 'unsupported-version' | 'unknown-type' | 'bad-request';

export function errorCodeFor(error: FairwayError): LocalErrorCode {
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

/** An `error`/`refusal` message text: short, and within the 256-byte field. */
export function shortMessage(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
