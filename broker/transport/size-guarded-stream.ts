/**
 * A Duplex that sits between a raw connection (TCP socket, TLS socket, WebSocket stream) and
 * aedes. Outgoing bytes pass straight through; incoming bytes pass through an MqttFrameMeter
 * first, and the connection is destroyed the moment a fixed header announces a packet over
 * the cap — before its body is read, let alone buffered [FW-3.3].
 *
 * Why a wrapper and not a tap on the socket: aedes reads its stream in 'readable' mode, and a
 * tap would only see bytes aedes has already pulled into its parser. Here aedes can only
 * ever read what the meter has passed.
 */
import { Duplex } from 'node:stream';
import { MqttFrameMeter, type FrameViolation } from './frame-meter.js';

export class SizeGuardedStream extends Duplex {
  private readonly meter: MqttFrameMeter;

  constructor(
    private readonly inner: Duplex,
    maxPacketBytes: number,
    private readonly onViolation: (violation: FrameViolation) => void,
  ) {
    // Not half-open: when the peer ends its side, aedes is done with the connection too.
    super({ allowHalfOpen: false });
    this.meter = new MqttFrameMeter(maxPacketBytes);
    inner.on('data', (chunk: Buffer) => this.receive(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
    // Flow is driven by _read: bytes come in only as fast as aedes takes them.
    inner.pause();
  }

  private receive(chunk: Buffer): void {
    if (this.destroyed) return;
    const violation = this.meter.inspect(chunk);
    if (violation) {
      this.onViolation(violation);
      this.destroy(new Error(violation.reason));
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // The callback waits until the socket took the bytes, so a peer that stops reading fills
    // this stream's buffer and aedes sees write() return false: its drain timeout then applies.
    this.inner.write(chunk, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    // mqtt-packet writes a packet in several pieces; hand them to the socket as one batch.
    this.inner.cork();
    chunks.forEach(({ chunk }, i) => this.inner.write(chunk, i === chunks.length - 1 ? callback : undefined));
    this.inner.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The inner stream is destroyed without the error: it is reported once, by this stream.
    this.inner.destroy();
    callback(error);
  }
}
