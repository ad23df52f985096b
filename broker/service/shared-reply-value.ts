/**
 * What the reply cache keeps in its shared level (Redis) per (device, rid): which request it
 * answers and the reply bytes exactly as first sent.
 *
 *   byte 0       format (1)
 *   bytes 1–32   SHA-256 of the request bytes
 *   bytes 33–    the reply, as published the first time
 *
 * The request is kept as a hash, never as bytes: requests carry card passwords. The reply is
 * kept as bytes, never re-encoded: cbor-x does not promise the same bytes for the same
 * message, and a terminal that hops nodes must hear the first answer byte for byte. The
 * bytes are decoded again on the way out, so a value that is not a valid down message (a
 * foreign writer, a newer format) is a miss, never a body sent on.
 */
import { createHash } from 'node:crypto';
import { isFairwayError } from '../../sdk/errors.js';
import { decodeMessage, type DownMessage } from '../../sdk/wire/index.js';
import { EncodedReply } from './encoded-reply.js';

const FORMAT = 1;
const HASH_BYTES = 32;

export function requestDigest(requestBytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(requestBytes).digest());
}

export function packSharedReply(digest: Uint8Array, reply: EncodedReply): Uint8Array {
  const value = new Uint8Array(1 + HASH_BYTES + reply.bytes.length);
  value[0] = FORMAT;
  value.set(digest, 1);
  value.set(reply.bytes, 1 + HASH_BYTES);
  return value;
}

function sameDigest(value: Uint8Array, digest: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (value[1 + i] !== digest[i]) return false;
  return true;
}

export type SharedLookup = { kind: 'hit'; reply: EncodedReply } | { kind: 'other-request' } | { kind: 'unreadable'; reason: string };

/** The kept reply if `value` answers the request with this digest. */
export function unpackSharedReply(value: Uint8Array, digest: Uint8Array): SharedLookup {
  if (value.length <= 1 + HASH_BYTES || value[0] !== FORMAT) return { kind: 'unreadable', reason: `format ${value[0]}, ${value.length} bytes` };
  // The rid was reused with other bytes (a rebooted terminal): not this request's answer.
  if (!sameDigest(value, digest)) return { kind: 'other-request' };
  const bytes = value.slice(1 + HASH_BYTES);
  let message: DownMessage;
  try {
    message = decodeMessage(bytes, { direction: 'down' }) as DownMessage;
  } catch (e) {
    if (isFairwayError(e)) return { kind: 'unreadable', reason: e.message };
    throw e;
  }
  // Errors are never kept (they changed nothing); one found here was not written by a store.
  if (message.t === 'error') return { kind: 'unreadable', reason: 'an error reply' };
  return { kind: 'hit', reply: new EncodedReply(message, bytes) };
}
