/**
 * What a decoding failure is called on the wire [FW-10.1]: the local session answers a body it
 * cannot take with an `error` whose code a porter can act on, never with a crash.
 */
export { errorCodeFor, type DecodeFailureCode as LocalErrorCode } from '../../sdk/wire/decode-failure.js';

/** An `error`/`refusal` message text: short, and within the 256-byte field. */
export function shortMessage(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
