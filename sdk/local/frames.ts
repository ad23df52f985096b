/**
 * Frames of the local session [FW-14.1]: a 4-byte big-endian length, then that many bytes of
 * body. FrameReader cuts frames out of the pieces a Link's pull reads return, however the
 * transport split them. The length is judged before any of the body is waited for, so a peer
 * announcing 4 GiB costs four bytes; once the stream has gone wrong it stays wrong (the
 * framing is lost: only closing the link makes sense).
 */
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
  private readonly pieces: Uint8Array[] = [];
  private headOffset = 0;
  private buffered = 0;
  private failure: FairwayError | undefined;

  constructor(readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 0xffff_ffff) {
      throw new FairwayError('out-of-range', 'maxFrameBytes must be an integer in 1..2^32-1', 'maxFrameBytes');
    }
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds the next piece of the stream. Ignored once the stream has failed. */
  push(piece: Uint8Array): void {
    if (this.failure || piece.length === 0) return;
    this.pieces.push(piece);
    this.buffered += piece.length;
  }

  /**
   * The next whole frame's body, or null until more bytes come. Throws `too-large` or
   * `malformed` (a zero length) as soon as the header shows it, and again on every later call.
   */
  next(): Uint8Array | null {
    if (this.failure) throw this.failure;
    if (this.buffered < FRAME_HEADER_BYTES) return null;
    const header = this.peek(FRAME_HEADER_BYTES);
    const length = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(0);
    if (length === 0) throw (this.failure = new FairwayError('malformed', 'a frame of length 0'));
    if (length > this.maxFrameBytes) throw (this.failure = new FairwayError('too-large', `a frame of ${length} bytes is over the ${this.maxFrameBytes}-byte cap`));
    if (this.buffered < FRAME_HEADER_BYTES + length) return null;
    this.take(FRAME_HEADER_BYTES);
    return this.take(length);
  }

  /** The first `n` buffered bytes, without consuming them (n ≤ buffered). */
  private peek(n: number): Uint8Array {
    const first = this.pieces[0]!;
    if (first.length - this.headOffset >= n) return first.subarray(this.headOffset, this.headOffset + n);
    const out = new Uint8Array(n);
    let filled = 0;
    for (let i = 0; filled < n; i++) {
      const piece = this.pieces[i]!;
      const start = i === 0 ? this.headOffset : 0;
      const count = Math.min(n - filled, piece.length - start);
      out.set(piece.subarray(start, start + count), filled);
      filled += count;
    }
    return out;
  }

  /** Consumes and returns the first `n` buffered bytes (n ≤ buffered). */
  private take(n: number): Uint8Array {
    const first = this.pieces[0]!;
    let out: Uint8Array;
    if (first.length - this.headOffset >= n) {
      out = first.subarray(this.headOffset, this.headOffset + n);
      this.headOffset += n;
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const piece = this.pieces[0]!;
        const count = Math.min(n - filled, piece.length - this.headOffset);
        out.set(piece.subarray(this.headOffset, this.headOffset + count), filled);
        filled += count;
        this.headOffset += count;
        if (this.headOffset === piece.length) {
          this.pieces.shift();
          this.headOffset = 0;
        }
      }
    }
    if (this.pieces.length > 0 && this.headOffset === this.pieces[0]!.length) {
      this.pieces.shift();
      this.headOffset = 0;
    }
    this.buffered -= n;
    return out;
  }
}
