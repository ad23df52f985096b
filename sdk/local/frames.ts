/**
 * Frames of the local session [FW-14.1]: a 4-byte big-endian length, then that many bytes of
 * body. FrameReader cuts frames out of the pieces a Link's pull reads return, however the
 * transport split them. The length is judged before any of the body is waited for, so a peer
 * announcing 4 GiB costs four bytes; once the stream has gone wrong it stays wrong (the
 * framing is lost: only closing the link makes sense).
 */
import { ByteQueue } from '../bytes/byte-queue.js';
import { TUNABLES } from '../config.js';
import { FairwayError } from '../errors.js';

export const FRAME_HEADER_BYTES = 4;
export const DEFAULT_MAX_FRAME_BYTES = TUNABLES.maxMessageBytes.default;

/** One frame: the header and `body` in one buffer, ready for Link.write. */
export function encodeFrame(body: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  if (body.length === 0) throw new FairwayError('malformed', 'a frame carries at least one byte');
  if (body.length > maxFrameBytes) throw new FairwayError('too-large', `a ${body.length}-byte body is over the ${maxFrameBytes}-byte frame cap`);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

export class FrameReader {
  private readonly queue = new ByteQueue();
  private failure: FairwayError | undefined;

  constructor(readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 0xffff_ffff) {
      throw new FairwayError('out-of-range', 'maxFrameBytes must be an integer in 1..2^32-1', 'maxFrameBytes');
    }
  }

  get bufferedBytes(): number {
    return this.queue.size;
  }

  /** Adds the next piece of the stream. Ignored once the stream has failed. */
  push(piece: Uint8Array): void {
    if (!this.failure) this.queue.push(piece);
  }

  /**
   * The next whole frame's body, or null until more bytes come. Throws `too-large` or
   * `malformed` (a zero length) as soon as the header shows it, and again on every later call.
   */
  next(): Uint8Array | null {
    if (this.failure) throw this.failure;
    if (this.queue.size < FRAME_HEADER_BYTES) return null;
    let length = 0;
    for (let i = 0; i < FRAME_HEADER_BYTES; i++) length = length * 256 + this.queue.peek(i)!;
    if (length === 0) return this.fail(new FairwayError('malformed', 'a frame of length 0'));
    if (length > this.maxFrameBytes) return this.fail(new FairwayError('too-large', `a frame of ${length} bytes is over the ${this.maxFrameBytes}-byte cap`));
    if (this.queue.size < FRAME_HEADER_BYTES + length) return null;
    this.queue.take(FRAME_HEADER_BYTES);
    return this.queue.take(length);
  }

  private fail(error: FairwayError): never {
    this.failure = error;
    this.queue.clear();
    throw error;
  }
}
