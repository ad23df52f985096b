/**
 * Part bytes, stored once by content (SHA-256 of the whole part) under the store's data
 * folder, and read back at an offset to serve chunk windows. Content addressing makes an
 * import idempotent and a half-finished one harmless: an orphan file is only disk space.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FairwayError } from '../../sdk/errors.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import { PartHasher } from '../../sdk/manifest/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import { PartCache } from './part-cache.js';

export interface StoredPart {
  contentHash: string;
  sizeBytes: number;
  chunkBytes: number;
  chunkHashes: Uint8Array[];
  partHash: Uint8Array;
}

/** How many part files stay open for serving at once; parts are read chunk by chunk. */
const OPEN_FILES_MAX = 64;

/** Default memory for hot parts: the first parts of a few dozen titles. */
export const DEFAULT_CONTENT_CACHE_BYTES = 64 * 1024 * 1024;

export class ContentStore {
  private readonly open = new Map<string, Promise<FileHandle>>();
  private cache: PartCache;
  /** Whole-part loads under way, so concurrent reads of a cold part load it once. */
  private readonly loading = new Map<string, Promise<Uint8Array | null>>();

  constructor(
    readonly directory: string,
    cacheBytes: number = DEFAULT_CONTENT_CACHE_BYTES,
  ) {
    this.cache = new PartCache(checkCacheBytes(cacheBytes));
  }

  private pathOf(contentHash: string): string {
    return join(this.directory, contentHash.slice(0, 2), contentHash);
  }

  /** Streams a file in, hashing it chunk by chunk, so a large part is never held in memory. */
  async importFile(sourcePath: string, chunkBytes: number, crypto: Crypto): Promise<StoredPart> {
    await mkdir(this.directory, { recursive: true });
    const temp = join(this.directory, `.incoming-${randomBytes(8).toString('hex')}`);
    const out = await open(temp, 'w');
    const hasher = new PartHasher(crypto, chunkBytes);
    try {
      for await (const piece of createReadStream(sourcePath, { highWaterMark: 1024 * 1024 })) {
        const bytes = piece as Buffer;
        hasher.update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        await out.write(bytes);
      }
      await out.sync();
    } catch (e) {
      await out.close();
      await rm(temp, { force: true });
      throw e;
    }
    await out.close();
    let described;
    try {
      described = hasher.finish();
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    const contentHash = toHex(described.hash);
    const finalPath = this.pathOf(contentHash);
    await mkdir(join(this.directory, contentHash.slice(0, 2)), { recursive: true });
    await rename(temp, finalPath);
    return { contentHash, sizeBytes: described.size, chunkBytes, chunkHashes: described.chunks, partHash: described.hash };
  }

  async has(contentHash: string): Promise<boolean> {
    return stat(this.pathOf(contentHash)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Loads every stored part into memory and serves every read from there from now on,
   * including parts imported later (the simulator: a read that waits on the disk lands at a
   * real-time moment, which its virtual clock cannot order).
   */
  async pinInMemory(): Promise<void> {
    this.cache = new PartCache(Infinity);
    const shards = await readdir(this.directory).catch(() => [] as string[]);
    for (const shard of shards) {
      if (shard.startsWith('.')) continue;
      for (const name of await readdir(join(this.directory, shard)).catch(() => [] as string[])) {
        this.cache.put(name, new Uint8Array(await readFile(join(this.directory, shard, name))));
      }
    }
  }

  /** Part bytes held in memory now, and how many parts. */
  cacheStats(): { bytes: number; parts: number; maxBytes: number } {
    return { bytes: this.cache.sizeBytes, parts: this.cache.partCount, maxBytes: this.cache.maxBytes };
  }

  /**
   * Up to `lengthBytes` at `offsetBytes` of a stored part. A part that fits the cache is loaded
   * whole on its first read and served from memory after that. The result may be a view of
   * cached bytes: read it, never write to it.
   */
  async read(contentHash: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const whole = this.cache.get(contentHash) ?? (await this.loadWhole(contentHash));
    if (whole) return whole.subarray(offsetBytes, offsetBytes + lengthBytes);
    const handle = await this.handleFor(contentHash);
    const buffer = new Uint8Array(lengthBytes);
    const { bytesRead } = await handle.read(buffer, 0, lengthBytes, offsetBytes);
    return bytesRead === lengthBytes ? buffer : buffer.subarray(0, bytesRead);
  }

  /** The whole part, now in the cache, or null when it is too large to cache. */
  private loadWhole(contentHash: string): Promise<Uint8Array | null> {
    let load = this.loading.get(contentHash);
    if (!load) {
      load = (async () => {
        const handle = await this.handleFor(contentHash);
        const { size } = await handle.stat();
        if (!this.cache.accepts(size)) return null;
        const whole = new Uint8Array(size);
        let filled = 0;
        while (filled < size) {
          const { bytesRead } = await handle.read(whole, filled, size - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        const bytes = filled === size ? whole : whole.subarray(0, filled);
        this.cache.put(contentHash, bytes);
        return bytes;
      })();
      this.loading.set(contentHash, load);
      void load.then(
        () => this.loading.delete(contentHash),
        () => this.loading.delete(contentHash),
      );
    }
    return load;
  }

  private handleFor(contentHash: string): Promise<FileHandle> {
    let handle = this.open.get(contentHash);
    if (!handle) {
      if (this.open.size >= OPEN_FILES_MAX) {
        const [oldest, oldHandle] = this.open.entries().next().value as [string, Promise<FileHandle>];
        this.open.delete(oldest);
        void oldHandle.then((h) => h.close()).catch(() => {});
      }
      handle = open(this.pathOf(contentHash), 'r');
      handle.catch(() => this.open.delete(contentHash));
      this.open.set(contentHash, handle);
    }
    return handle;
  }

  async close(): Promise<void> {
    const handles = [...this.open.values()];
    this.open.clear();
    await Promise.all(handles.map((h) => h.then((f) => f.close()).catch(() => {})));
  }
}

function checkCacheBytes(cacheBytes: number): number {
  if (cacheBytes !== Infinity && (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0)) {
    throw new FairwayError('out-of-range', `the content cache size must be a whole number of bytes ≥ 0, got ${String(cacheBytes)}`, 'contentCacheBytes');
  }
  return cacheBytes;
}
