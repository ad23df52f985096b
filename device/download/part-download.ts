/**
 * PartDownload: one part streaming in, as the session layer drives it. Sans-I/O: it never
 * sends or waits; the caller sends what `nextRequest` returns as a `chunks.get`, hands over
 * every `chunk` body through `onChunk`, and calls `onTick` when `nextDeadlineMs` comes.
 *
 *   let w; while ((w = d.nextRequest(now))) send({ rid: newRid(), transfer, ...w.form });
 *   on chunk (after checking `x` is this transfer [FW-7.5]): await d.onChunk(msg.i, msg.d, now);
 *   at d.nextDeadlineMs(): d.onTick(now); then ask nextRequest again;
 *   on a drop: d.onLinkDrop(now); once the link is back, nextRequest asks for what is missing.
 *   when d.isComplete(): if (await d.verifyWhole()) sign the receipt; else keep streaming.
 *
 * Each chunk is checked before it is stored [FW-7.5]: index < count, exact span length,
 * SHA-256 = the manifest's hash. A bad copy is counted and dropped, never written; the chunk
 * stays missing. A good one is written, and only after that write is durable is its bit cleared
 * and the bitmap saved. With the default `persistEveryChunks` = 1 the bitmap is saved after
 * every chunk, so a power loss re-fetches at most one chunk (the one being stored when the power
 * went); with N it re-fetches at most N. Bits are only cleared after the data is durable, so
 * any mixture of old and new bitmap bytes (a torn save) marks no unstored chunk as stored.
 * Writes are serialized: concurrent onChunk calls are safe.
 *
 * Memory: the missing bitmap, an asked-before bitmap, and the in-flight windows. Nothing per
 * chunk of the part, so a 64 MiB part costs what a 64 KiB one does; `verifyWhole` reads the
 * part back one chunk at a time.
 */
import { ChunkBitmap } from '../../sdk/chunks/bitmap.js';
import { chunkCount, chunkSpan } from '../../sdk/chunks/maths.js';
import { TUNABLES } from '../../sdk/config.js';
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import { equalBytes, verifyChunk, type Manifest } from '../../sdk/manifest/manifest.js';
import { resolveDownloadConfig, type DownloadConfig } from './download-config.js';
import { InFlightWindows } from './in-flight-windows.js';
import type { PartFiles } from './part-files.js';
import { WindowController, type WindowStats } from './window-controller.js';
import { windowForm, type WindowForm } from './window-form.js';

export interface PartDownloadOptions {
  /** The verified manifest [FW-6.5]. */
  manifest: Manifest;
  crypto: Crypto;
  files: PartFiles;
  /** The offer's windowMax [FW-7.3]. */
  windowMax: number;
  config?: Partial<DownloadConfig>;
}

/** One window to send as a `chunks.get`: spread `form` into the message. */
export interface WindowRequest {
  /** Names the window for cancelWindow; the `rid` is the caller's. */
  readonly id: number;
  /** The chunks it names, ascending. */
  readonly indexes: readonly number[];
  readonly form: WindowForm;
  /** When it times out unless its chunks have come. */
  readonly deadlineMs: number;
}

export type ChunkOutcome = 'stored' | 'duplicate' | 'rejected';

export interface DownloadProgress {
  totalBytes: number;
  receivedBytes: number;
  totalChunks: number;
  /** Stored durably. */
  receivedChunks: number;
  missingChunks: number;
  /** Copies that failed a check [FW-7.5]: never written. */
  rejectedChunks: number;
  /** Good copies of chunks already stored or being stored. */
  duplicateChunks: number;
  /** Chunk names sent in windows (a chunk asked for twice counts twice). */
  requestedChunks: number;
  /** Chunk names sent for a chunk this download had asked for before. */
  resentChunks: number;
}

export interface DownloadStats extends DownloadProgress {
  windowsInFlight: number;
  chunksInFlight: number;
  window: WindowStats;
}

export class PartDownload {
  private readonly controller: WindowController;
  private readonly windows: InFlightWindows;
  /** Chunks asked for at least once by this download. */
  private readonly asked: ChunkBitmap;
  /** Verified chunks waiting for their write: neither missing-and-askable nor stored yet. */
  private readonly writing = new Set<number>();
  private readonly count: number;
  private missing: number;
  private unsavedChanges = 0;
  private oldestUnsavedMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private rejected = 0;
  private duplicates = 0;
  private requested = 0;
  private resent = 0;

  private constructor(
    private readonly manifest: Manifest,
    private readonly crypto: Crypto,
    private readonly files: PartFiles,
    private readonly bitmap: ChunkBitmap,
    private readonly config: DownloadConfig,
    windowMax: number,
    /** True when a saved bitmap was found: only the chunks it marks missing are asked for. */
    readonly resumed: boolean,
  ) {
    this.count = bitmap.count;
    this.missing = bitmap.size();
    this.asked = ChunkBitmap.empty(this.count);
    this.controller = new WindowController({ chunkBytes: manifest.chunkBytes, windowMax }, config);
    this.windows = new InFlightWindows(this.controller);
  }

  /**
   * Opens a download over `files`: resumes from the saved bitmap if there is a readable one,
   * else starts with every chunk missing and saves that bitmap before returning.
   */
  static async open(options: PartDownloadOptions): Promise<PartDownload> {
    const { manifest, crypto, files, windowMax } = options;
    const config = resolveDownloadConfig(options.config);
    if (!Number.isInteger(windowMax) || windowMax < TUNABLES.maxWindowChunks.min || windowMax > TUNABLES.maxWindowChunks.max) {
      throw new FairwayError('out-of-range', `windowMax must be an integer in ${TUNABLES.maxWindowChunks.min}..${TUNABLES.maxWindowChunks.max}`, 'windowMax');
    }
    const count = chunkCount(manifest.size, manifest.chunkBytes);
    if (manifest.chunks.length !== count) {
      throw new FairwayError('out-of-range', `${manifest.chunks.length} chunk hashes for ${count} chunks`, 'manifest.chunks');
    }
    if (count > TUNABLES.maxChunksPerPart.max) {
      throw new FairwayError('out-of-range', `${count} chunks is more than a terminal tracks [FW-6.2]`, 'manifest.chunks');
    }
    let bitmap = await loadSavedBitmap(files, count);
    const resumed = bitmap !== null;
    if (!bitmap) {
      bitmap = ChunkBitmap.full(count);
      await files.saveBitmap(bitmap.encode());
    }
    return new PartDownload(manifest, crypto, files, bitmap, config, windowMax, resumed);
  }

  /**
   * Whether chunks stored for `oldManifest` stay valid for `newManifest` after a new offer
   * for the same part [FW-7.7.2]: same hash, size and chunkBytes — and, to trust no
   * inconsistent manifest, the same chunk hashes.
   */
  static canKeep(oldManifest: Manifest, newManifest: Manifest): boolean {
    if (oldManifest.size !== newManifest.size || oldManifest.chunkBytes !== newManifest.chunkBytes) return false;
    if (!equalBytes(oldManifest.hash, newManifest.hash) || oldManifest.chunks.length !== newManifest.chunks.length) return false;
    return oldManifest.chunks.every((hash, i) => equalBytes(hash, newManifest.chunks[i]!));
  }

  /**
   * The next window to send, or null when none should go now (enough in flight, or nothing
   * left to ask for). Call it until it returns null. Never names a chunk in flight or stored.
   */
  nextRequest(nowMs: number): WindowRequest | null {
    checkNowMs(nowMs);
    const askable = this.missing - this.writing.size - this.windows.chunkCount;
    const n = this.controller.nextRequestChunks(this.windows.chunkCount, this.windows.windowCount, askable);
    if (n === 0) return null;
    const chosen: number[] = [];
    for (let i = this.bitmap.next(0); i !== -1 && chosen.length < n; i = this.bitmap.next(i + 1)) {
      if (!this.windows.has(i) && !this.writing.has(i)) chosen.push(i);
    }
    if (chosen.length === 0) return null;
    const { form, indexes } = windowForm(chosen);
    const askedBefore = new Set<number>();
    for (const i of indexes) {
      if (this.asked.has(i)) askedBefore.add(i);
      else this.asked.add(i);
    }
    this.requested += indexes.length;
    this.resent += askedBefore.size;
    const window = this.windows.open(indexes, askedBefore, nowMs);
    return { id: window.id, indexes, form, deadlineMs: window.deadlineMs };
  }

  /**
   * Takes one received chunk [FW-7.5]. 'rejected': failed a check, dropped, still missing.
   * 'duplicate': already stored (or being stored). 'stored': durably written, bit cleared.
   * Rejects only when the files fail (the chunk then stays missing). Keeps `data` until it is
   * written: do not reuse the buffer.
   */
  onChunk(index: number, data: Uint8Array, nowMs: number): Promise<ChunkOutcome> {
    try {
      checkNowMs(nowMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      this.rejected++;
      return Promise.resolve('rejected');
    }
    // The link delivered it, good copy or not: that is timing for the window controller.
    this.windows.arrived(index, nowMs);
    if (!this.verifies(index, data)) {
      this.rejected++;
      return Promise.resolve('rejected');
    }
    if (!this.bitmap.has(index) || this.writing.has(index)) {
      this.duplicates++;
      return Promise.resolve('duplicate');
    }
    this.writing.add(index);
    return this.enqueue(() => this.store(index, data, nowMs));
  }

  /** Ends the windows whose deadline has passed; returns how many. Then call nextRequest. */
  onTick(nowMs: number): number {
    checkNowMs(nowMs);
    return this.windows.expire(nowMs);
  }

  /** When onTick next has something to do, or null while no window is in flight. */
  nextDeadlineMs(): number | null {
    return this.windows.nextDeadlineMs();
  }

  /** Forgets a window the store will not serve (`busy`, `rate-limited` [FW-7.4.4]); no loss is counted. */
  cancelWindow(id: number): boolean {
    return this.windows.cancel(id);
  }

  /** The link dropped: every window in flight is forgotten; afterwards only missing chunks are asked for. */
  onLinkDrop(nowMs: number): void {
    checkNowMs(nowMs);
    this.windows.clear();
    this.controller.onLinkDrop(nowMs);
  }

  /** Waits for queued writes and saves the bitmap if a stored chunk is not in the saved one yet. */
  flush(): Promise<void> {
    return this.enqueue(async () => {
      if (this.unsavedChanges > 0) await this.saveBitmap();
    });
  }

  /** Every chunk is stored (the part still needs verifyWhole before a receipt). */
  isComplete(): boolean {
    return this.missing === 0;
  }

  missingCount(): number {
    return this.missing;
  }

  /**
   * The whole-part check [FW-7.6], once nothing is missing: SHA-256 over the stored bytes in
   * order, read one chunk at a time. On a mismatch, every stored chunk is re-checked against
   * its hash and the failing ones are marked missing (and saved) to be fetched again; false.
   * False with nothing marked missing means the stored bytes read differently twice (a flaky
   * read): call it again.
   */
  verifyWhole(): Promise<boolean> {
    return this.enqueue(async () => {
      if (this.missing > 0) throw new FairwayError('invalid-argument', `${this.missing} chunks are still missing`);
      const whole = this.crypto.sha256();
      for (let i = 0; i < this.count; i++) whole.update(await this.readChunk(i));
      if (equalBytes(whole.digest(), this.manifest.hash)) {
        if (this.unsavedChanges > 0) await this.saveBitmap();
        return true;
      }
      for (let i = 0; i < this.count; i++) {
        if (this.verifies(i, await this.readChunk(i))) continue;
        this.bitmap.add(i);
        this.missing++;
        this.noteChange(0);
      }
      if (this.unsavedChanges > 0) await this.saveBitmap();
      return false;
    });
  }

  progress(): DownloadProgress {
    const receivedChunks = this.count - this.missing;
    const lastBytes = this.manifest.size - (this.count - 1) * this.manifest.chunkBytes;
    const lastStored = !this.bitmap.has(this.count - 1);
    return {
      totalBytes: this.manifest.size,
      receivedBytes: receivedChunks * this.manifest.chunkBytes - (lastStored ? this.manifest.chunkBytes - lastBytes : 0),
      totalChunks: this.count,
      receivedChunks,
      missingChunks: this.missing,
      rejectedChunks: this.rejected,
      duplicateChunks: this.duplicates,
      requestedChunks: this.requested,
      resentChunks: this.resent,
    };
  }

  stats(): DownloadStats {
    return {
      ...this.progress(),
      windowsInFlight: this.windows.windowCount,
      chunksInFlight: this.windows.chunkCount,
      window: this.controller.stats(),
    };
  }

  private verifies(index: number, data: Uint8Array): boolean {
    if (!(data instanceof Uint8Array)) return false;
    try {
      verifyChunk(this.manifest, index, data, this.crypto);
      return true;
    } catch (error) {
      if (isFairwayError(error, 'hash-mismatch')) return false;
      throw error;
    }
  }

  private async store(index: number, data: Uint8Array, nowMs: number): Promise<ChunkOutcome> {
    try {
      await this.files.writeData(index * this.manifest.chunkBytes, data);
    } finally {
      this.writing.delete(index);
    }
    this.bitmap.delete(index);
    this.missing--;
    this.noteChange(nowMs);
    if (this.unsavedChanges >= this.config.persistEveryChunks || nowMs - this.oldestUnsavedMs >= this.config.persistEveryMs) {
      await this.saveBitmap();
    }
    return 'stored';
  }

  private noteChange(nowMs: number): void {
    if (this.unsavedChanges === 0) this.oldestUnsavedMs = nowMs;
    this.unsavedChanges++;
  }

  private async saveBitmap(): Promise<void> {
    await this.files.saveBitmap(this.bitmap.encode());
    this.unsavedChanges = 0;
  }

  private async readChunk(index: number): Promise<Uint8Array> {
    const span = chunkSpan(index, this.manifest.size, this.manifest.chunkBytes);
    return this.files.readData(span.offsetBytes, span.lengthBytes);
  }

  /** Runs `work` after everything queued before it has settled. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** The saved bitmap, or null when there is none or it cannot be trusted (wrong length, padding set). */
async function loadSavedBitmap(files: PartFiles, count: number): Promise<ChunkBitmap | null> {
  const saved = await files.loadBitmap();
  if (saved === null) return null;
  try {
    return ChunkBitmap.decode(saved, count);
  } catch (error) {
    // Starting over only costs re-fetching; a bitmap we cannot read could claim unstored chunks.
    if (isFairwayError(error, 'out-of-range')) return null;
    throw error;
  }
}

function checkNowMs(nowMs: number): void {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) throw new FairwayError('invalid-argument', 'nowMs must be a finite number', 'nowMs');
}
