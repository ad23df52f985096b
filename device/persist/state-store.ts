/**
 * Durable terminal state that survives a power cut at any instant. Two blobs are written in
 * turn (`<name>-a`, `<name>-b`), each a record `[magic][seq u32][length u32][sha256 of body]
 * [body]`; loading takes the valid record with the higher sequence number. A cut during a
 * write tears only the record being written, so the previous one still loads: the terminal
 * never boots from half a state, and loses at most the one transition it was saving.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import type { Storage } from '../../sdk/hal/storage.js';

const MAGIC = [0x46, 0x57, 0x53, 0x31]; // "FWS1"
const HEADER_BYTES = 4 + 4 + 4 + 32;

export interface LoadedState {
  seq: number;
  body: Uint8Array;
}

export class StateStore {
  private seq = 0;
  private queue: Promise<void> = Promise.resolve();
  private pending: Uint8Array | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly crypto: Crypto,
    private readonly name = 'fw-state',
    /** The largest body accepted; the storage manager keeps this much aside for it (× 2). */
    readonly maxBodyBytes = 24 * 1024,
  ) {}

  /** The newest intact record, or null on a terminal that never saved one. */
  async load(): Promise<LoadedState | null> {
    const records = await Promise.all([this.readRecord(`${this.name}-a`), this.readRecord(`${this.name}-b`)]);
    let best: LoadedState | null = null;
    for (const r of records) if (r && (!best || r.seq > best.seq)) best = r;
    if (best) this.seq = best.seq;
    return best;
  }

  /**
   * Saves a body. Saves are serialised; when several are queued only the newest is written,
   * so a burst of transitions costs one flash write, not one each.
   */
  save(body: Uint8Array): Promise<void> {
    if (body.length > this.maxBodyBytes) {
      return Promise.reject(new FairwayError('too-large', `terminal state of ${body.length} bytes is over ${this.maxBodyBytes}`));
    }
    const first = this.pending === null;
    this.pending = body;
    if (!first) return this.queue;
    this.queue = this.queue.then(async () => {
      const next = this.pending as Uint8Array;
      this.pending = null;
      await this.writeRecord(next);
    });
    return this.queue;
  }

  /** Resolves when everything saved so far is durable. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async writeRecord(body: Uint8Array): Promise<void> {
    const seq = this.seq + 1;
    const record = new Uint8Array(HEADER_BYTES + body.length);
    record.set(MAGIC, 0);
    const view = new DataView(record.buffer);
    view.setUint32(4, seq);
    view.setUint32(8, body.length);
    const h = this.crypto.sha256();
    h.update(body);
    record.set(h.digest(), 12);
    record.set(body, HEADER_BYTES);
    // Odd sequence numbers go to -a, even to -b: the blob written now is never the newest good one.
    const blob = `${this.name}-${seq % 2 === 1 ? 'a' : 'b'}`;
    await this.storage.write(blob, 0, record);
    this.seq = seq;
  }

  private async readRecord(blob: string): Promise<LoadedState | null> {
    let bytes: Uint8Array;
    try {
      bytes = await this.storage.read(blob, 0, HEADER_BYTES + this.maxBodyBytes);
    } catch (e) {
      if (e instanceof FairwayError && e.kind === 'not-found') return null;
      throw e;
    }
    if (bytes.length < HEADER_BYTES || MAGIC.some((m, i) => bytes[i] !== m)) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const seq = view.getUint32(4);
    const length = view.getUint32(8);
    if (length > this.maxBodyBytes || HEADER_BYTES + length > bytes.length) return null;
    const body = bytes.slice(HEADER_BYTES, HEADER_BYTES + length);
    const h = this.crypto.sha256();
    h.update(body);
    const digest = h.digest();
    for (let i = 0; i < 32; i++) if (digest[i] !== bytes[12 + i]) return null;
    return { seq, body };
  }
}
