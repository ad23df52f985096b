/**
 * ScriptedConnection: one end of an in-memory connection, built from two BytePipes that cross
 * over to the other end. Both the terminal's end and the far end the test drives are one of these.
 */
import { FairwayError } from '../../errors.js';
import type { LinkConnection } from '../../hal/link.js';
import type { BytePipe } from './byte-pipe.js';

export class ScriptedConnection implements LinkConnection {
  private closed = false;

  constructor(
    private readonly inbound: BytePipe,
    private readonly outbound: BytePipe,
  ) {}

  /** Hands the bytes over at once: the pipe buffers without limit, so writes never wait. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new FairwayError('closed', 'the connection is closed');
    if (this.outbound.state === 'reset') throw new FairwayError('link-reset', 'the connection was reset');
    this.outbound.push(bytes);
  }

  read(): Promise<Uint8Array | null> {
    if (this.closed) return Promise.resolve(null);
    return this.inbound.read();
  }

  /** Ends the outgoing stream cleanly; the far end reads what was sent, then null. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.outbound.end();
    this.inbound.closeReadSide();
  }

  /** Aborts both directions, so the far end's reads and writes reject with link-reset. */
  async reset(): Promise<void> {
    this.closed = true;
    this.inbound.closeReadSide();
    this.inbound.reset();
    this.outbound.reset();
  }
}
