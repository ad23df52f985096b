/**
 * One direction of a radio connection (up: terminal → broker, or down: broker → terminal): an
 * ordered byte stream through a bandwidth, a latency and the channel's stalls.
 *
 * A write is cut into segments of one TCP MSS. Each segment waits for the transmitter (a byte
 * cannot leave before the ones written earlier have), takes its size ÷ bandwidth of good radio
 * time to send — pausing through stalls — then a one-way latency drawn for it (normal, clipped
 * at 0); it arrives no earlier than the segment before it, and never during a stall. Arrival
 * times are worked out when a segment is sent; one SimClock timer waits for the earliest.
 *
 * The direction holds at most `maxBufferedBytes` (sent but not arrived, plus arrived but not yet
 * taken by the reader); a writer waits for room, so a reader that stops taking bytes stops the
 * writer, as a full socket buffer does. Nothing is ever dropped or reordered: a connection fails
 * as a whole (reset) or not at all.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Timer } from '../../sdk/hal/clock.js';
import type { SimClock } from './clock.js';
import type { GilbertElliottChannel } from './radio-channel.js';
import type { SimRandom } from './random.js';

/** One TCP segment's payload on a 1500-byte MTU: the unit bytes are sent and delivered in. */
export const SEGMENT_BYTES = 1460;

export interface DirectionSettings {
  /** 0 = no bandwidth limit. */
  bitsPerS: number;
  latencyMsMean: number;
  latencyMsJitter: number;
  maxBufferedBytes: number;
}

/** Bytes, or null for the end of the stream. */
interface Segment {
  bytes: Uint8Array | null;
  arrivalMs: number;
}

interface PendingWrite {
  bytes: Uint8Array;
  offset: number;
  resolve(): void;
  reject(error: FairwayError): void;
}

export class RadioDirection {
  private readonly inFlight: Segment[] = [];
  private readonly received: Uint8Array[] = [];
  private receivedBytes = 0;
  /** Sent and not yet taken by the reader: what counts against maxBufferedBytes. */
  private bufferedBytes = 0;
  private readonly writers: PendingWrite[] = [];
  private transmitterFreeAtMs = Number.NEGATIVE_INFINITY;
  private lastArrivalMs = Number.NEGATIVE_INFINITY;
  private arrivalTimer: Timer | undefined;
  private endRequested = false;
  private endSent = false;
  private endArrived = false;
  /** Half-open: nothing arrives any more, and nobody is told. */
  private frozen = false;
  /** The reader has gone: what arrives is thrown away (and frees its room). */
  private readerGone = false;
  private failure: FairwayError | undefined;
  /** Called whenever there may be something new for the reader: bytes, the end, or a failure. */
  onReadable: () => void = () => undefined;

  constructor(
    private readonly settings: DirectionSettings,
    private readonly time: SimClock,
    private readonly channel: GilbertElliottChannel,
    /** Latency draws, one per segment. */
    private readonly random: SimRandom,
    /** Counts bytes as they arrive. */
    private readonly onArrived: (bytes: number) => void,
  ) {}

  /** Why the direction failed, once it has. */
  get error(): FairwayError | undefined {
    return this.failure;
  }

  /** Bytes held now (in flight plus arrived and not taken). */
  get heldBytes(): number {
    return this.bufferedBytes;
  }

  /** Resolves once every byte has been taken into the direction; the caller may then reuse `bytes`. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.endRequested) return Promise.reject(new FairwayError('closed', 'the stream was ended'));
    if (bytes.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.writers.push({ bytes, offset: 0, resolve, reject });
      this.admit();
    });
  }

  /** A clean end of stream, sent after the bytes already written. Idempotent. */
  end(): void {
    if (this.endRequested || this.failure) return;
    this.endRequested = true;
    this.admit();
  }

  /**
   * What the reader gets next: up to `maxBytes` of arrived bytes; null once the stream has ended
   * and been drained; undefined when nothing has arrived yet. Throws the failure after a reset.
   */
  take(maxBytes: number): Uint8Array | null | undefined {
    if (this.failure) throw this.failure;
    if (this.receivedBytes === 0) return this.endArrived ? null : undefined;
    const taken = this.takeReceived(maxBytes);
    this.bufferedBytes -= taken.length;
    this.time.noteActivity();
    this.admit();
    return taken;
  }

  /** Aborts the direction: everything held is lost, waiting writers and the reader get `error`. */
  reset(error: FairwayError): void {
    if (this.failure) return;
    this.failure = error;
    this.cancelArrivals();
    this.inFlight.length = 0;
    this.received.length = 0;
    this.receivedBytes = 0;
    this.bufferedBytes = 0;
    for (const writer of this.writers.splice(0)) writer.reject(error);
    this.time.noteActivity();
    this.onReadable();
  }

  /** Half-open from now: segments stop arriving; writers still fill the buffer, then wait forever. */
  freeze(): void {
    this.frozen = true;
    this.cancelArrivals();
  }

  /** The reader closed its end: throw away what arrived and what will. */
  closeReader(): void {
    if (this.readerGone) return;
    this.readerGone = true;
    this.bufferedBytes -= this.receivedBytes;
    this.received.length = 0;
    this.receivedBytes = 0;
    this.admit();
  }

  /** Moves waiting writers' bytes into the direction while there is room, then the end if asked for. */
  private admit(): void {
    if (this.failure) return;
    let sent = false;
    while (this.writers.length > 0 && this.bufferedBytes < this.settings.maxBufferedBytes) {
      const writer = this.writers[0] as PendingWrite;
      const room = this.settings.maxBufferedBytes - this.bufferedBytes;
      const length = Math.min(room, SEGMENT_BYTES, writer.bytes.length - writer.offset);
      // A copy: the writer may reuse its buffer once its write resolves.
      this.send(new Uint8Array(writer.bytes.subarray(writer.offset, writer.offset + length)));
      sent = true;
      writer.offset += length;
      if (writer.offset === writer.bytes.length) {
        this.writers.shift();
        writer.resolve();
      }
    }
    if (this.endRequested && !this.endSent && this.writers.length === 0) {
      this.endSent = true;
      this.send(null);
      sent = true;
    }
    if (sent) this.time.noteActivity();
  }

  private send(bytes: Uint8Array | null): void {
    const nowMs = this.time.monotonicMs();
    const { bitsPerS, latencyMsMean, latencyMsJitter } = this.settings;
    const sizeBytes = bytes?.length ?? 0;
    const startMs = Math.max(nowMs, this.transmitterFreeAtMs);
    const sendingMs = bitsPerS > 0 ? (sizeBytes * 8000) / bitsPerS : 0;
    const sentMs = this.channel.goodTimeEnd(startMs, sendingMs);
    this.transmitterFreeAtMs = sentMs;
    const latencyMs = latencyMsJitter > 0 ? Math.max(0, this.random.normal(latencyMsMean, latencyMsJitter)) : latencyMsMean;
    const arrivalMs = this.channel.firstGoodAtOrAfter(Math.max(sentMs + latencyMs, this.lastArrivalMs));
    this.lastArrivalMs = arrivalMs;
    this.bufferedBytes += sizeBytes;
    this.inFlight.push({ bytes, arrivalMs });
    this.armArrivals();
  }

  private armArrivals(): void {
    if (this.arrivalTimer || this.frozen || this.failure) return;
    const next = this.inFlight[0];
    if (!next) return;
    const delayMs = Math.max(0, next.arrivalMs - this.time.monotonicMs());
    this.arrivalTimer = this.time.setTimer(delayMs, () => {
      this.arrivalTimer = undefined;
      this.deliverArrived();
    });
  }

  private cancelArrivals(): void {
    this.arrivalTimer?.cancel();
    this.arrivalTimer = undefined;
  }

  private deliverArrived(): void {
    const nowMs = this.time.monotonicMs();
    let arrived = 0;
    while (this.inFlight.length > 0 && (this.inFlight[0] as Segment).arrivalMs <= nowMs) {
      const { bytes } = this.inFlight.shift() as Segment;
      if (bytes === null) {
        this.endArrived = true;
        continue;
      }
      arrived += bytes.length;
      if (this.readerGone) {
        this.bufferedBytes -= bytes.length;
      } else {
        this.received.push(bytes);
        this.receivedBytes += bytes.length;
      }
    }
    if (arrived > 0) this.onArrived(arrived);
    this.armArrivals();
    this.admit();
    this.onReadable();
  }

  /** Takes up to `maxBytes` from the front of what arrived, as one array. */
  private takeReceived(maxBytes: number): Uint8Array {
    const first = this.received[0] as Uint8Array;
    if (first.length >= maxBytes || this.received.length === 1) {
      const length = Math.min(first.length, maxBytes);
      if (length === first.length) this.received.shift();
      else this.received[0] = first.subarray(length);
      this.receivedBytes -= length;
      return length === first.length ? first : first.slice(0, length);
    }
    const length = Math.min(this.receivedBytes, maxBytes);
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.received[0] as Uint8Array;
      const part = Math.min(chunk.length, length - filled);
      out.set(chunk.subarray(0, part), filled);
      filled += part;
      if (part === chunk.length) this.received.shift();
      else this.received[0] = chunk.subarray(part);
    }
    this.receivedBytes -= length;
    return out;
  }
}
