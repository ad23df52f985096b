/**
 * BytePipe: one direction of an in-memory connection. A queue of chunks with at most one waiting
 * reader, which can end cleanly (the reader gets null) or be reset (the reader gets link-reset).
 */
import { FairwayError } from '../../errors.js';

interface WaitingReader {
  resolve(bytes: Uint8Array | null): void;
  reject(error: FairwayError): void;
}

export type PipeState = 'open' | 'ended' | 'reset';

export class BytePipe {
  private readonly chunks: Uint8Array[] = [];
  private reader: WaitingReader | undefined;
  private readerGone = false;
  private currentState: PipeState = 'open';

  /** `maxReadBytes` caps each read, so large writes arrive split the way a real transport splits them. */
  constructor(private readonly maxReadBytes: number) {}

  get state(): PipeState {
    return this.currentState;
  }

  /** Queues a copy of `bytes`. Once the reading side has closed they are dropped, as on a socket nobody reads. */
  push(bytes: Uint8Array): void {
    if (this.currentState !== 'open' || this.readerGone || bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.serve();
  }

  /** The writing side closed cleanly: the reader drains what is queued, then reads null. */
  end(): void {
    if (this.currentState === 'open') this.currentState = 'ended';
    this.serve();
  }

  /** The connection was aborted: queued bytes are lost and reads reject with link-reset. */
  reset(): void {
    this.currentState = 'reset';
    this.chunks.length = 0;
    this.serve();
  }

  /** The reading side closed: a waiting read resolves null and nothing more is kept. */
  closeReadSide(): void {
    this.readerGone = true;
    this.chunks.length = 0;
    const reader = this.reader;
    this.reader = undefined;
    reader?.resolve(null);
  }

  read(): Promise<Uint8Array | null> {
    if (this.reader) return Promise.reject(new FairwayError('invalid-argument', 'a read is already pending'));
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
      this.serve();
    });
  }

  private serve(): void {
    const reader = this.reader;
    if (!reader) return;
    if (this.currentState === 'reset') {
      this.reader = undefined;
      reader.reject(new FairwayError('link-reset', 'the connection was reset'));
    } else if (this.chunks.length > 0) {
      this.reader = undefined;
      reader.resolve(this.takeChunk());
    } else if (this.currentState === 'ended') {
      this.reader = undefined;
      reader.resolve(null);
    }
  }

  private takeChunk(): Uint8Array {
    const chunk = this.chunks[0] as Uint8Array;
    if (chunk.length <= this.maxReadBytes) {
      this.chunks.shift();
      return chunk;
    }
    this.chunks[0] = chunk.subarray(this.maxReadBytes);
    return chunk.slice(0, this.maxReadBytes);
  }
}
