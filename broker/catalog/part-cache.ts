/**
 * Whole parts kept in memory for serving, least recently used first out, within a byte budget.
 * Chunk windows read a part 16 KiB at a time; from disk each read is a system call through the
 * thread pool plus a fresh buffer, which measured as about a third of the broker's CPU while it
 * streamed (fleet bench). A store's traffic is mostly a few hot parts — the first parts of the
 * titles in fashion — so a modest budget serves nearly every read from memory.
 *
 * A part is cached only if it fits in a quarter of the budget, so one large part cannot push
 * out all the small hot ones. Memory: at most `maxBytes` of part bytes, plus views of evicted
 * parts still being sent (they go with the last view).
 */
export class PartCache {
  private readonly parts = new Map<string, Uint8Array>();
  private usedBytes = 0;

  /** `maxBytes` Infinity keeps every part (the simulator's small catalogs). */
  constructor(readonly maxBytes: number) {}

  /** Whether a part of this size would be kept. */
  accepts(sizeBytes: number): boolean {
    return this.maxBytes === Infinity || sizeBytes <= this.maxBytes / 4;
  }

  /** The part's bytes, marked most recently used; undefined if not cached. */
  get(key: string): Uint8Array | undefined {
    const bytes = this.parts.get(key);
    if (bytes) {
      this.parts.delete(key);
      this.parts.set(key, bytes);
    }
    return bytes;
  }

  /** Keeps `bytes` (when it fits), evicting the least recently used parts to make room. */
  put(key: string, bytes: Uint8Array): void {
    if (!this.accepts(bytes.byteLength)) return;
    const old = this.parts.get(key);
    if (old) {
      this.parts.delete(key);
      this.usedBytes -= old.byteLength;
    }
    for (const [oldestKey, oldest] of this.parts) {
      if (this.usedBytes + bytes.byteLength <= this.maxBytes) break;
      this.parts.delete(oldestKey);
      this.usedBytes -= oldest.byteLength;
    }
    this.parts.set(key, bytes);
    this.usedBytes += bytes.byteLength;
  }

  get sizeBytes(): number {
    return this.usedBytes;
  }

  get partCount(): number {
    return this.parts.size;
  }
}
