/**
 * The local session's messages [FW-14]: their own registry, as they travel host ↔ peer in
 * frames rather than on broker topics. `chunks.get`, `chunk`, `refusal` and `error` are the
 * store protocol's own schemas, so a peer streams from a host exactly as from a store.
 */
import { z } from 'zod';
import { decodeBody, requireVersion } from '../wire/codec.js';
import { boundedBytes, code, id, requestId, PROTOCOL_VERSION } from '../wire/fields.js';
import { parseWith } from '../wire/issues.js';
import { encodeCbor, type CborValue } from '../cbor/index.js';
import { DEFAULT_CONFIG } from '../config.js';
import { FairwayError } from '../errors.js';
import { Chunk, ChunksGet, ErrorMessage, licenceId, Refusal, SEATS_MAX } from '../wire/messages.js';

function local<T extends string, S extends z.ZodRawShape>(t: T, shape: S) {
  return z.strictObject({ v: z.literal(PROTOCOL_VERSION), t: z.literal(t), ...shape });
}

export const Join = local('join', { rid: requestId, peer: id });
export const Joined = local('joined', {
  rid: requestId,
  licence: boundedBytes(4096),
  manifest: boundedBytes(1024 * 1024),
  seat: z.number().int().min(1).max(SEATS_MAX),
  windowMax: z.number().int().min(1).max(1024),
});
export const NoticeMessage = local('notice', { rid: requestId, notice: boundedBytes(4096) });
export const NoticeOk = local('notice.ok', { rid: requestId });
export const END_REASONS = ['host-ended', 'licence-expired'] as const;
export const End = local('end', { licence: licenceId, reason: code.pipe(z.enum(END_REASONS)) });

export type LocalSender = 'peer' | 'host';

/** type → who sends it and its schema [FW-14.1]. */
export const LOCAL_MESSAGES = {
  join: { from: 'peer', schema: Join },
  joined: { from: 'host', schema: Joined },
  'chunks.get': { from: 'peer', schema: ChunksGet },
  chunk: { from: 'host', schema: Chunk },
  notice: { from: 'peer', schema: NoticeMessage },
  'notice.ok': { from: 'host', schema: NoticeOk },
  end: { from: 'host', schema: End },
  refusal: { from: 'host', schema: Refusal },
  error: { from: 'host', schema: ErrorMessage },
} as const satisfies Record<string, { from: LocalSender; schema: z.ZodType }>;

export type LocalType = keyof typeof LOCAL_MESSAGES;
export type LocalMessageOf<T extends LocalType> = z.infer<(typeof LOCAL_MESSAGES)[T]['schema']>;
export type LocalMessage = { [T in LocalType]: LocalMessageOf<T> }[LocalType];
export type PeerMessage = Extract<LocalMessage, { t: 'join' | 'chunks.get' | 'notice' }>;
export type HostMessage = Exclude<LocalMessage, PeerMessage>;

export function isLocalType(t: string): t is LocalType {
  return Object.prototype.hasOwnProperty.call(LOCAL_MESSAGES, t);
}

/** Validates and encodes a local body (schema order is wire order, as in [FW-3]). */
export function encodeLocalMessage<T extends LocalType>(message: LocalMessageOf<T> & { t: T }): Uint8Array {
  const entry = LOCAL_MESSAGES[message.t];
  if (!entry) throw new FairwayError('unknown-type', `no local message type ${String(message.t)}`);
  return encodeCbor(parseWith(entry.schema, message) as CborValue);
}

/**
 * Decodes a local body, refusing what `from` does not send (a host decodes what peers send).
 * Errors are the kinds of [FW-10.2].
 */
export function decodeLocalMessage(bytes: Uint8Array, from: LocalSender, maxBytes = DEFAULT_CONFIG.maxMessageBytes): LocalMessage {
  const body = decodeBody(bytes, maxBytes);
  requireVersion(body);
  if (!('t' in body)) throw new FairwayError('missing-field', 'no message type', 't');
  if (typeof body.t !== 'string') throw new FairwayError('wrong-type', 't is a text string', 't');
  if (!isLocalType(body.t)) throw new FairwayError('unknown-type', `unknown local message type ${JSON.stringify(body.t.slice(0, 40))}`, 't');
  const entry = LOCAL_MESSAGES[body.t];
  if (entry.from !== from) throw new FairwayError('out-of-range', `${body.t} is not sent by a ${from}`, 't');
  return parseWith(entry.schema, body) as LocalMessage;
}
