/**
 * The field encodings MQTT 3.1.1 builds its packets from (OASIS MQTT 3.1.1 §1.5, §2.2.3):
 * the Remaining Length varint, two-byte integers and length-prefixed UTF-8 strings.
 *
 * Strings we send are checked rather than repaired: TextEncoder would silently turn a lone
 * surrogate into U+FFFD, so a topic could go out different from the one the caller named.
 * Strings we receive are decoded fatally, so bad UTF-8 from a broker is `malformed`, not mojibake.
 */
import { FairwayError } from '../errors.js';

/** The largest Remaining Length four varint bytes can carry [MQTT-2.2.3]. */
export const MAX_REMAINING_LENGTH = 268_435_455;
/** A string field's length prefix is two bytes [MQTT-1.5.3]. */
export const MAX_STRING_BYTES = 65_535;
export const MAX_PACKET_ID = 65_535;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
/** Lone surrogates (a paired one is a single code point under the u flag) and U+0000 [MQTT-1.5.3-1, -2]. */
const NOT_ENCODABLE = /[\p{Cs}\u0000]/u;

/** How many bytes the Remaining Length varint of `length` takes: 1..4. */
export function remainingLengthSize(length: number): number {
  if (length < 128) return 1;
  if (length < 16_384) return 2;
  if (length < 2_097_152) return 3;
  return 4;
}

/** Writes the varint of `length` at `offset`; returns the offset after it. */
export function writeRemainingLength(out: Uint8Array, offset: number, length: number): number {
  let rest = length;
  let at = offset;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out[at++] = byte;
  } while (rest > 0);
  return at;
}

/** UTF-8 bytes of a string field we are about to send; `what` names the field in the error. */
export function utf8Field(text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new FairwayError('invalid-argument', `${what} must be a string`, what);
  if (NOT_ENCODABLE.test(text)) {
    throw new FairwayError('invalid-argument', `${what} contains U+0000 or a lone surrogate, which MQTT strings may not carry`, what);
  }
  const bytes = encoder.encode(text);
  if (bytes.length > MAX_STRING_BYTES) {
    throw new FairwayError('invalid-argument', `${what} is ${bytes.length} UTF-8 bytes; an MQTT string holds at most ${MAX_STRING_BYTES}`, what);
  }
  return bytes;
}

export function checkPacketId(id: number, what = 'packetId'): void {
  if (!Number.isInteger(id) || id < 1 || id > MAX_PACKET_ID) {
    throw new FairwayError('invalid-argument', `${what} must be an integer in 1..${MAX_PACKET_ID}, got ${id}`, what);
  }
}

/** Builds a packet in one allocation: fixed header, then each part in order. */
export class PacketBuilder {
  private readonly out: Uint8Array;
  private at: number;

  constructor(firstByte: number, remainingLength: number) {
    if (remainingLength > MAX_REMAINING_LENGTH) {
      throw new FairwayError('too-large', `a packet body of ${remainingLength} bytes is over the MQTT limit of ${MAX_REMAINING_LENGTH}`);
    }
    this.out = new Uint8Array(1 + remainingLengthSize(remainingLength) + remainingLength);
    this.out[0] = firstByte;
    this.at = writeRemainingLength(this.out, 1, remainingLength);
  }

  byte(value: number): this {
    this.out[this.at++] = value;
    return this;
  }

  uint16(value: number): this {
    this.out[this.at++] = value >>> 8;
    this.out[this.at++] = value & 0xff;
    return this;
  }

  /** A length-prefixed field: a string's UTF-8 bytes or binary data [MQTT-1.5.3, 3.1.3.5]. */
  prefixed(bytes: Uint8Array): this {
    return this.uint16(bytes.length).raw(bytes);
  }

  raw(bytes: Uint8Array): this {
    this.out.set(bytes, this.at);
    this.at += bytes.length;
    return this;
  }

  /** The packet; the parts written must add up to the Remaining Length announced. */
  finish(): Uint8Array {
    if (this.at !== this.out.length) throw new FairwayError('invalid-argument', `packet built to ${this.at} of ${this.out.length} bytes`);
    return this.out;
  }
}

/** Reads the fields of one received packet body; running off its end is `malformed`. */
export class BodyCursor {
  private at = 0;

  constructor(
    private readonly body: Uint8Array,
    /** The packet type, for error messages and paths. */
    private readonly packet: string,
  ) {}

  get remaining(): number {
    return this.body.length - this.at;
  }

  byte(): number {
    this.need(1, 'a byte');
    return this.body[this.at++] as number;
  }

  uint16(): number {
    this.need(2, 'a two-byte integer');
    const value = ((this.body[this.at] as number) << 8) | (this.body[this.at + 1] as number);
    this.at += 2;
    return value;
  }

  /** A UTF-8 string field: well-formed and free of U+0000 [MQTT-1.5.3-1, -2]. */
  string(what: string): string {
    const length = this.uint16();
    this.need(length, `${length} bytes of ${what}`);
    const bytes = this.body.subarray(this.at, this.at + length);
    this.at += length;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new FairwayError('malformed', `${what} is not well-formed UTF-8`, `${this.packet}.${what}`);
    }
    if (text.includes('\u0000')) throw new FairwayError('malformed', `${what} contains U+0000`, `${this.packet}.${what}`);
    return text;
  }

  /** A copy of everything left, so the caller owns it and the read buffer can be let go. */
  rest(): Uint8Array {
    const bytes = this.body.slice(this.at);
    this.at = this.body.length;
    return bytes;
  }

  private need(count: number, what: string): void {
    if (this.body.length - this.at < count) {
      throw new FairwayError('malformed', `${this.packet} ends before ${what}`, this.packet);
    }
  }
}
