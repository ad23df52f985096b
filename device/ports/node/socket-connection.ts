/**
 * SocketConnection: a LinkConnection over a connected node:net Socket.
 *
 * Reading is pulled: the socket stays paused until read() is called with nothing queued, and
 * pauses again as soon as a chunk arrives, so a slow reader leaves bytes in the kernel's buffers
 * and TCP flow control slows the sender down. Used for both ends in tests (a server's accepted
 * socket is wrapped the same way), hence reset() beyond the LinkConnection contract.
 */
import type { Socket } from 'node:net';
import { FairwayError } from '../../../sdk/errors.js';
import type { LinkConnection } from '../../../sdk/hal/link.js';

/** How long close() waits for queued bytes to drain before it gives up and drops the socket. */
const CLOSE_GRACE_MS = 5_000;

interface WaitingReader {
  resolve(bytes: Uint8Array | null): void;
  reject(error: FairwayError): void;
}

export class SocketConnection implements LinkConnection {
  private readonly received: Uint8Array[] = [];
  private reader: WaitingReader | undefined;
  /** The peer ended its stream cleanly. */
  private ended = false;
  /** Why the connection broke, once it has. */
  private failure: FairwayError | undefined;
  /** Set by close() or reset(): reads resolve null, writes reject with closed. */
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly socket: Socket) {
    // Paused before the 'data' listener goes on, so attaching it does not start the flow.
    socket.pause();
    socket.on('data', (chunk: Buffer) => {
      this.received.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      socket.pause();
      this.serve();
    });
    socket.on('end', () => {
      this.ended = true;
      this.serve();
    });
    socket.on('error', (error) => {
      this.failure ??= linkError(error);
      this.serve();
    });
    socket.on('close', () => {
      if (!this.ended) this.failure ??= new FairwayError('link-reset', 'the connection dropped');
      this.serve();
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new FairwayError('closed', 'the connection is closed'));
    if (this.failure) return Promise.reject(this.failure);
    if (!this.socket.writable) return Promise.reject(new FairwayError('link-reset', 'the peer closed the connection'));
    return new Promise((resolve, reject) => {
      // The callback runs once node has handed the bytes to the kernel, or with the reason it could not.
      this.socket.write(bytes, (error) => (error ? reject(this.failure ?? linkError(error)) : resolve()));
    });
  }

  read(): Promise<Uint8Array | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.reader) return Promise.reject(new FairwayError('invalid-argument', 'a read is already pending'));
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
      this.serve();
    });
  }

  /** Sends what is queued and a clean end of stream, then drops the socket. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.serve();
    this.closing ??= new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      const giveUp = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.socket.once('close', () => {
        clearTimeout(giveUp);
        resolve();
      });
      // Once our end is flushed there is nothing more to wait for, even if the peer never closes.
      this.socket.end(() => this.socket.destroy());
    });
    return this.closing;
  }

  /** Aborts the connection with a TCP RST, so the peer sees link-reset. */
  reset(): Promise<void> {
    this.closed = true;
    this.serve();
    this.closing ??= new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.resetAndDestroy();
    });
    return this.closing;
  }

  /** Hands the waiting reader the next chunk, the end, or the failure; or asks the socket for more. */
  private serve(): void {
    const reader = this.reader;
    if (!reader) return;
    const chunk = this.received.shift();
    if (chunk || this.closed || this.ended || this.failure) this.reader = undefined;
    if (chunk) reader.resolve(chunk);
    else if (this.closed || this.ended) reader.resolve(null);
    else if (this.failure) reader.reject(this.failure);
    else this.socket.resume();
  }
}

/** Maps a socket error onto the Link's kinds: the connection is gone (link-reset) or stalled (timeout). */
export function linkError(error: unknown): FairwayError {
  if (error instanceof FairwayError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ETIMEDOUT') return new FairwayError('timeout', message);
  const gone = ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTCONN'];
  if (code === undefined || gone.includes(code) || code.startsWith('ERR_STREAM_')) return new FairwayError('link-reset', message);
  return new FairwayError('io', message);
}
