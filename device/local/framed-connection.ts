/**
 * One local-link connection as both ends use it [FW-14.1]: a read loop that cuts frames out of
 * the byte stream and hands each body over in order, and the ONE outbound function every
 * message of the connection goes through. The read loop awaits each body's handler, so a slow
 * handler (a flash write) slows the reads instead of buffering without bound; writes are
 * serialised, so frames never interleave and at most one write per connection is in flight.
 */
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import type { LinkConnection } from '../../sdk/hal/link.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameReader } from '../../sdk/local/frames.js';

/** Why a read loop stopped: the far end closed (or we did), the link reset, or the framing broke. */
export type ReadEnd = { kind: 'closed' } | { kind: 'reset' } | { kind: 'bad-frame'; error: FairwayError };

export class FramedConnection {
  private readonly reader: FrameReader;
  private writes: Promise<void> = Promise.resolve();
  private queued = 0;
  private closing = false;

  constructor(
    readonly link: LinkConnection,
    private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
  ) {
    this.reader = new FrameReader(maxFrameBytes);
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Writes waiting or in flight. */
  get queuedWrites(): number {
    return this.queued;
  }

  /** Frames and sends one body, after every earlier send. Rejects with closed or link-reset. */
  send(body: Uint8Array): Promise<void> {
    if (this.closing) return Promise.reject(new FairwayError('closed', 'the connection is closed'));
    const frame = encodeFrame(body, this.maxFrameBytes);
    this.queued++;
    const sent = this.writes.then(() => this.link.write(frame)).finally(() => void this.queued--);
    this.writes = sent.catch(() => undefined);
    return sent;
  }

  /** Reads until the connection ends; `onBody` is awaited before the next frame is cut. */
  async readLoop(onBody: (body: Uint8Array) => Promise<void> | void): Promise<ReadEnd> {
    for (;;) {
      let piece: Uint8Array | null;
      try {
        piece = await this.link.read();
      } catch (error) {
        if (isFairwayError(error)) return { kind: 'reset' };
        throw error;
      }
      if (piece === null) return { kind: 'closed' };
      this.reader.push(piece);
      for (;;) {
        let body: Uint8Array | null;
        try {
          body = this.reader.next();
        } catch (error) {
          if (isFairwayError(error)) return { kind: 'bad-frame', error };
          throw error;
        }
        if (body === null) break;
        await onBody(body);
        if (this.closing) return { kind: 'closed' };
      }
    }
  }

  /** Lets queued writes go out (best effort), then closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.writes;
    await this.link.close().catch(() => undefined);
  }
}
