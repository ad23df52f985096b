/**
 * One error type for the whole SDK, carrying one kind from one union, so a port, a UI and a
 * store can switch on `kind` instead of parsing messages. docs/protocol.md [FW-10.1] lists
 * how the wire-level kinds map onto the error codes a store sends back.
 */
export type ErrorKind =
  // Decoding a message, a manifest, a receipt or a credential [FW-10.2].
  | 'too-large' // over the size cap; refused before any decoding
  | 'malformed' // not well-formed CBOR, or a CBOR feature the protocol forbids
  | 'too-deep' // nesting over the depth cap
  | 'trailing-bytes' // bytes after the first complete item
  | 'unsupported-version' // `v` is not a version this build speaks
  | 'unknown-type' // `t` names no message this build knows
  | 'unknown-field' // a map key the schema does not define
  | 'missing-field'
  | 'wrong-type'
  | 'out-of-range'
  // Signatures and content [FW-5].
  | 'bad-signature'
  | 'unsupported-algorithm'
  | 'hash-mismatch'
  // The hardware abstraction layer [FW-11].
  | 'not-found'
  | 'capacity-exceeded'
  | 'closed'
  | 'io'
  | 'timeout'
  | 'link-reset'
  | 'invalid-argument';

export class FairwayError extends Error {
  override readonly name = 'FairwayError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Dotted path of the offending field (`manifest.chunks.3`), when there is one. */
    readonly path?: string,
  ) {
    super(path ? `${kind} at ${path}: ${message}` : `${kind}: ${message}`);
  }
}

export function isFairwayError(e: unknown, kind?: ErrorKind): e is FairwayError {
  return e instanceof FairwayError && (kind === undefined || e.kind === kind);
}
