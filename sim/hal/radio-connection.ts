/**
 * One connection over the radio: two RadioDirections and their two ends — the terminal's
 * LinkConnection (pulled reads, as the HAL asks) and the far end: the broker's Node Duplex
 * (what `broker.acceptStream` serves) or, between two handhelds, the host's LinkConnection.
 *
 * How each end's actions look from the other side, as on TCP:
 * - terminal close() → the broker reads what was sent, then end of stream; what the broker
 *   still sends is thrown away;
 * - broker end() or destroy() (closing its socket) → the terminal reads what was sent, then null;
 *   what the terminal still sends is thrown away;
 * - broker resetAndDestroy(), and the radio's own drops → both sides reset at once: the terminal's
 *   reads and writes reject with link-reset, the broker's stream is destroyed with ECONNRESET;
 * - half-open (freeze) → nothing moves either way and neither side is told.
 */
import { Duplex } from 'node:stream';
import { FairwayError } from '../../sdk/errors.js';
import type { LinkConnection } from '../../sdk/hal/link.js';
import { checkBytes } from '../../sdk/hal/storage-arguments.js';
import type { RadioDirection } from './radio-direction.js';

/** The most one read() returns, on either end. */
export const MAX_READ_BYTES = 64 * 1024;

export type ConnectionEnding = 'terminal-closed' | 'broker-closed' | 'reset';

/** What the far end is: a Node Duplex (a broker's socket) or a pulled LinkConnection (a host handheld's). */
export type FarEndKind = 'stream' | 'pull';

/** Both directions of one connection, and what happens to them as a whole. */
export class RadioCircuit {
  readonly terminal: PullEnd;
  /** The far end as a stream (kind 'stream'), else undefined. */
  readonly broker: BrokerEnd | undefined;
  /** The far end as a pulled connection (kind 'pull'), else undefined. */
  readonly host: PullEnd | undefined;
  private ending: ConnectionEnding | undefined;
  private frozenNow = false;

  constructor(
    readonly up: RadioDirection,
    readonly down: RadioDirection,
    readonly peer: string,
    /** Called once, when the connection stops being usable (for up-time and the link's timers). */
    private readonly onEnded: (how: ConnectionEnding) => void,
    farEnd: FarEndKind = 'stream',
  ) {
    this.terminal = new PullEnd(this, down, up, 'terminal-closed');
    this.broker = farEnd === 'stream' ? new BrokerEnd(this) : undefined;
    this.host = farEnd === 'pull' ? new PullEnd(this, up, down, 'broker-closed') : undefined;
  }

  /** How the connection ended, if it has. */
  get ended(): ConnectionEnding | undefined {
    return this.ending;
  }

  get frozen(): boolean {
    return this.frozenNow;
  }

  /** Aborts both directions: the terminal sees link-reset, the broker's stream is destroyed. */
  reset(reason: string): void {
    if (this.up.error) return;
    const error = new FairwayError('link-reset', reason);
    this.up.reset(error);
    this.down.reset(error);
    this.finish('reset');
    if (this.broker && !this.broker.destroyed) this.broker.destroy(connectionResetError(reason));
  }

  /** Half-open from now on. */
  freeze(): void {
    this.frozenNow = true;
    this.up.freeze();
    this.down.freeze();
  }

  finish(how: ConnectionEnding): void {
    if (this.ending) return;
    this.ending = how;
    this.onEnded(how);
  }
}

interface WaitingReader {
  resolve(bytes: Uint8Array | null): void;
  reject(error: FairwayError): void;
}

/** A pulled end, as the HAL asks: the terminal's, and a host handheld's on a local link. */
export class PullEnd implements LinkConnection {
  private closed = false;
  private reader: WaitingReader | undefined;

  constructor(
    private readonly circuit: RadioCircuit,
    private readonly incoming: RadioDirection,
    private readonly outgoing: RadioDirection,
    private readonly closedAs: ConnectionEnding,
  ) {
    incoming.onReadable = () => this.serve();
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new FairwayError('closed', 'the connection is closed'));
    try {
      checkBytes(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.outgoing.write(bytes);
  }

  read(): Promise<Uint8Array | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.reader) return Promise.reject(new FairwayError('invalid-argument', 'a read is already pending'));
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
      this.serve();
    });
  }

  /** Sends a clean end after what was written; a pending read resolves null. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reader = this.reader;
    this.reader = undefined;
    reader?.resolve(null);
    this.outgoing.end();
    this.incoming.closeReader();
    this.circuit.finish(this.closedAs);
  }

  private serve(): void {
    const reader = this.reader;
    if (!reader) return;
    let next: Uint8Array | null | undefined;
    try {
      next = this.incoming.take(MAX_READ_BYTES);
    } catch (error) {
      this.reader = undefined;
      reader.reject(error as FairwayError);
      return;
    }
    if (next === undefined) return;
    this.reader = undefined;
    reader.resolve(next);
  }
}

/** The broker's end, a Duplex as a TCP socket would be. */
export class BrokerEnd extends Duplex {
  private wantsData = false;

  constructor(private readonly circuit: RadioCircuit) {
    // Like a socket: when the terminal ends its side, this side ends too.
    super({ allowHalfOpen: false });
    circuit.up.onReadable = () => this.pump();
  }

  /** Aborts the connection (a TCP RST): the terminal sees link-reset. */
  resetAndDestroy(): this {
    this.circuit.reset('the broker reset the connection');
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.circuit.down.write(chunk).then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.circuit.down.end();
    callback();
  }

  override _read(): void {
    this.wantsData = true;
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.circuit.up.error) {
      // The broker closed its socket: what it sent still goes out, then a clean end.
      this.circuit.down.end();
      this.circuit.up.closeReader();
      this.circuit.finish('broker-closed');
    }
    callback(error);
  }

  /** Pushes arrived bytes while the stream wants them. */
  private pump(): void {
    while (this.wantsData && !this.destroyed) {
      let next: Uint8Array | null | undefined;
      try {
        next = this.circuit.up.take(MAX_READ_BYTES);
      } catch {
        return; // reset: the circuit destroys this stream
      }
      if (next === undefined) return;
      if (next === null) {
        this.wantsData = false;
        this.push(null);
        return;
      }
      this.wantsData = this.push(Buffer.from(next.buffer, next.byteOffset, next.byteLength));
    }
  }
}

/** The error a reset socket reports, so the broker logs it as it would a TCP reset. */
function connectionResetError(reason: string): Error {
  return Object.assign(new Error(`read ECONNRESET (${reason})`), { code: 'ECONNRESET' });
}
