/**
 * PacketReader: frames MQTT packets out of the byte pieces a Link's pull reads return, however
 * the transport cut them (one packet split over many reads, or many packets in one read).
 *
 * The size cap is judged from the fixed header alone, before any of the body is waited for, so
 * a broker announcing a 200 MiB packet costs us a few bytes, not 200 MiB [FW-3.3]. Once the
 * stream has gone wrong (too large, or a Remaining Length over four bytes) it stays wrong: the
 * framing is lost and only closing the connection makes sense.
 */
import { ByteQueue } from '../bytes/byte-queue.js';
import { TUNABLES } from '../config.js';
import { FairwayError } from '../errors.js';
import { MAX_REMAINING_LENGTH } from './fields.js';
import type { RawPacket } from './packets.js';

/** Room for the largest body [FW-3.3] plus the topic, packet id and fixed header around it. */
export const DEFAULT_MAX_PACKET_BYTES = TUNABLES.maxMessageBytes.default + 256;
/** Smallest cap accepted: a PUBLISH on the longest Fairway topic [FW-2.2.2] with a short body still fits. */
export const MIN_MAX_PACKET_BYTES = 128;
/** The largest packet MQTT can frame: first byte, four length bytes, the largest body. */
export const MAX_MAX_PACKET_BYTES = 1 + 4 + MAX_REMAINING_LENGTH;

export class PacketReader {
  private readonly queue = new ByteQueue();
  private failure: FairwayError | undefined;

  /** `maxPacketBytes` caps a whole packet: fixed header included. */
  constructor(readonly maxPacketBytes: number = DEFAULT_MAX_PACKET_BYTES) {
    checkMaxPacketBytes(maxPacketBytes);
  }

  /** Bytes received and not yet handed out as packets. */
  get bufferedBytes(): number {
    return this.queue.size;
  }

  /** Adds the next piece of the stream. Ignored once the stream has failed. */
  push(piece: Uint8Array): void {
    if (!this.failure) this.queue.push(piece);
  }

  /**
   * The next complete packet, or undefined until more bytes arrive. Throws too-large or
   * malformed, and the same error again on every later call.
   */
  next(): RawPacket | undefined {
    if (this.failure) throw this.failure;
    const header = this.readFixedHeader();
    if (header === undefined) return undefined;
    const totalBytes = header.headerBytes + header.remainingLength;
    if (totalBytes > this.maxPacketBytes) {
      return this.fail(new FairwayError('too-large', `the broker announced a ${totalBytes}-byte packet; the limit is ${this.maxPacketBytes}`));
    }
    if (this.queue.size < totalBytes) return undefined;
    const bytes = this.queue.take(totalBytes);
    return { firstByte: bytes[0] as number, body: bytes.subarray(header.headerBytes) };
  }

  /** Parses the first byte and the Remaining Length varint, if enough bytes are here (§2.2.3). */
  private readFixedHeader(): { headerBytes: number; remainingLength: number } | undefined {
    let remainingLength = 0;
    let multiplier = 1;
    for (let index = 1; index <= 4; index++) {
      const byte = this.queue.peek(index);
      if (byte === undefined) return undefined;
      remainingLength += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return { headerBytes: index + 1, remainingLength };
      multiplier *= 128;
    }
    return this.fail(new FairwayError('malformed', 'the Remaining Length runs past four bytes'));
  }

  private fail(error: FairwayError): never {
    this.failure = error;
    this.queue.clear();
    throw error;
  }
}

export function checkMaxPacketBytes(value: number): void {
  if (!Number.isInteger(value) || value < MIN_MAX_PACKET_BYTES || value > MAX_MAX_PACKET_BYTES) {
    throw new FairwayError(
      'invalid-argument',
      `maxPacketBytes must be an integer in ${MIN_MAX_PACKET_BYTES}..${MAX_MAX_PACKET_BYTES}, got ${value}`,
      'maxPacketBytes',
    );
  }
}
