/**
 * Encoding and decoding of message bodies [FW-3, FW-9]. This is the one place a body becomes
 * bytes or bytes become a body, so every outbound message is validated exactly as an inbound
 * one would be: a terminal or store built on the SDK cannot emit what its peer must refuse.
 */
import { CborTag, decodeCbor, encodeCbor, type CborValue } from '../cbor/index.js';
import { DEFAULT_CONFIG } from '../config.js';
import { FairwayError } from '../errors.js';
import { PROTOCOL_VERSION } from './fields.js';
import { parseWith } from './issues.js';
import { MESSAGES, isMessageType, type Direction, type Message, type MessageOf, type MessageType } from './messages.js';

export interface DecodeOptions {
  /** Size cap checked before decoding; defaults to the SDK config's maxMessageBytes. */
  maxBytes?: number;
  /** Refuse messages that do not travel this way (a store decodes `up`, a terminal `down`). */
  direction?: Direction;
  /** Refuse any type but this one (the topic already says what the body must be). */
  expect?: MessageType;
}

/** Every body and signed payload starts with `v`; a version we do not speak is refused first [FW-9.2]. */
export function requireVersion(body: Record<string, unknown>): void {
  if (!('v' in body)) throw new FairwayError('missing-field', 'no protocol version', 'v');
  if (body.v !== PROTOCOL_VERSION) {
    if (typeof body.v !== 'number' || !Number.isInteger(body.v)) throw new FairwayError('wrong-type', 'v is an unsigned integer', 'v');
    throw new FairwayError('unsupported-version', `version ${body.v} is not supported; this build speaks ${PROTOCOL_VERSION}`, 'v');
  }
}

/** Decodes a CBOR map with text keys, or says why not. */
export function decodeBody(bytes: Uint8Array, maxBytes: number): Record<string, unknown> {
  const value = decodeCbor(bytes, { maxBytes });
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Map || value instanceof CborTag) {
    throw new FairwayError('wrong-type', 'a body is a map with text keys');
  }
  return value as Record<string, unknown>;
}

export function encodeMessage<T extends MessageType>(message: MessageOf<T> & { t: T }): Uint8Array {
  const entry = MESSAGES[message.t];
  if (!entry) throw new FairwayError('unknown-type', `no message type ${String(message.t)}`);
  // Parsing returns the fields in schema order: that order is the wire order.
  return encodeCbor(parseWith(entry.schema, message) as CborValue);
}

/** Reads `v` then `t` first so that the errors say what a porter needs to hear [FW-9.2]. */
export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): Message {
  const body = decodeBody(bytes, options.maxBytes ?? DEFAULT_CONFIG.maxMessageBytes);
  requireVersion(body);
  if (!('t' in body)) throw new FairwayError('missing-field', 'no message type', 't');
  if (typeof body.t !== 'string') throw new FairwayError('wrong-type', 't is a text string', 't');
  if (!isMessageType(body.t)) throw new FairwayError('unknown-type', `unknown message type ${JSON.stringify(body.t.slice(0, 40))}`, 't');
  const entry = MESSAGES[body.t];
  if (options.expect !== undefined && body.t !== options.expect) {
    throw new FairwayError('out-of-range', `expected ${options.expect}, got ${body.t}`, 't');
  }
  if (options.direction !== undefined && entry.dir !== options.direction) {
    throw new FairwayError('out-of-range', `${body.t} does not travel ${options.direction}`, 't');
  }
  return parseWith(entry.schema, body) as Message;
}
