/**
 * Part bytes, stored once by content (SHA-256 of the whole part) and read back at an offset to
 * serve chunk windows. Content addressing makes an import idempotent and a half-finished one
 * harmless: an orphan file or orphan segments are only space.
 *
 * Where the bytes are: always a file under the data folder of the node that imported them;
 * with a PostgreSQL store also the database, so every node of a cluster serves every title,
 * whichever node imported it [issue 11 §3]. Reads go memory cache → local file → database:
 * the cache serves hot parts without any I/O, the file is the cheapest copy where there is
 * one, and the database is the copy every node reaches. A SQLite store has no database
 * source: its content is files only, as a single node needs.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FairwayError } from '../../sdk/errors.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import { PartHasher } from '../../sdk/manifest/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import type { DatabasePartSource } from './database-source.js';
import { FilePartSource } from './file-source.js';
import { ContentUnavailableError, type PartBytesSource, type PartExtent } from './part-bytes-source.js';
import { PartCache } from './part-cache.js';

export interface StoredPart {
  contentHash: string;
  sizeBytes: number;
  chunkBytes: number;
  chunkHashes: Uint8Array[];
  partHash: Uint8Array;
}

/** Default memory for hot parts: the first parts of a few dozen titles. */
export const DEFAULT_CONTENT_CACHE_BYTES = 64 * 1024 * 1024;

/** Parts whose source is remembered; past this the oldest is looked up again on its next read. */
const LOCATED_MAX = 4_096;

interface Located extends PartExtent {
  source: PartBytesSource;
}

export interface ContentStoreOptions {
  /** The store every node reaches (PostgreSQL): imports write there too, reads fall back to it. */
  database?: DatabasePartSource;
}

export class ContentStore {
  readonly files: FilePartSource;
  readonly database: DatabasePartSource | undefined;
  private readonly sources: PartBytesSource[];
  private cache: PartCache;
  /** Loads under way (whole parts, database segments), so concurrent reads of cold bytes load them once. */
  private readonly loading = new Map<string, Promise<Uint8Array>>();
  /** Which source holds a part, found once per part (content never changes under its hash). */
  private readonly located = new Map<string, Promise<Located>>();

  constructor(
    readonly directory: string,
    cacheBytes: number = DEFAULT_CONTENT_CACHE_BYTES,
    options: ContentStoreOptions = {},
  ) {
    this.cache = new PartCache(checkCacheBytes(cacheBytes));
    this.files = new FilePartSource(directory);
    this.database = options.database;
    this.sources = options.database ? [this.files, options.database] : [this.files];
  }

  /**
   * Streams a file in, hashing it chunk by chunk, so a large part is never held in memory;
   * then, with a database, copies it there segment by segment. Only when this returns is the
   * part readable on every node, so the catalog records a title after its content.
   */
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
    await mkdir(join(this.directory, contentHash.slice(0, 2)), { recursive: true });
    await rename(temp, this.files.pathOf(contentHash));
    await this.database?.store(contentHash, described.size, (offset, length) => this.files.read(contentHash, offset, length));
    return { contentHash, sizeBytes: described.size, chunkBytes, chunkHashes: described.chunks, partHash: described.hash };
  }

  /** Whether some source holds the part whole. */
  async has(contentHash: string): Promise<boolean> {
    return this.locate(contentHash).then(
      () => true,
      () => false,
    );
  }

  /**
   * Loads every part in the data folder into memory and serves every read from there from
   * now on, including parts imported or first read later (the simulator: a read that waits on
   * the disk lands at a real-time moment, which its virtual clock cannot order).
   */
  async pinInMemory(): Promise<void> {
    this.cache = new PartCache(Infinity);
    for (const contentHash of await this.files.list()) {
      const file = await this.files.find(contentHash);
      if (file) this.cache.put(contentHash, await this.files.read(contentHash, 0, file.sizeBytes));
    }
  }

  /** Part bytes held in memory now, and how many entries (whole parts, segments of larger ones). */
  cacheStats(): { bytes: number; parts: number; maxBytes: number } {
    return { bytes: this.cache.sizeBytes, parts: this.cache.partCount, maxBytes: this.cache.maxBytes };
  }

  /**
   * Up to `lengthBytes` at `offsetBytes` of a stored part. A part that fits the cache is loaded
   * whole on its first read and served from memory after that. A larger one is read range by
   * range — in whole units (database segments) kept in the cache when its source has them, as
   * the next windows of a stream want the bytes that follow. The result may be a view of
   * cached bytes: read it, never write to it. Throws ContentUnavailableError when no source
   * can give the bytes.
   */
  async read(contentHash: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const cached = this.cache.get(contentHash);
    if (cached) return cached.subarray(offsetBytes, offsetBytes + lengthBytes);
    const at = await this.locate(contentHash);
    try {
      if (this.cache.accepts(at.sizeBytes)) {
        const whole = await this.load(contentHash, () => at.source.read(contentHash, 0, at.sizeBytes));
        return whole.subarray(offsetBytes, offsetBytes + lengthBytes);
      }
      if (at.unitBytes !== undefined && this.cache.accepts(at.unitBytes)) return await this.readByUnits(contentHash, at, at.unitBytes, offsetBytes, lengthBytes);
      return await at.source.read(contentHash, offsetBytes, lengthBytes);
    } catch (e) {
      // The file may have gone, or the database lost a segment: look again next time.
      this.located.delete(contentHash);
      if (at.source === this.files) this.files.forget(contentHash);
      throw e;
    }
  }

  /**
   * A range of a part too large to cache whole, from the units covering it, each loaded once
   * and cached under `hash@offset`: a window of 256 × 16 KiB chunks is four or five database
   * queries rather than 256. The units share the cache's budget and its LRU order with whole
   * parts, so a long stream cycles its own recent units, not the hot small parts others read.
   */
  private async readByUnits(contentHash: string, at: Located, unit: number, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const end = Math.min(offsetBytes + lengthBytes, at.sizeBytes);
    if (end <= offsetBytes) return new Uint8Array(0);
    const first = Math.floor(offsetBytes / unit) * unit;
    const unitAt = (start: number) => {
      const key = `${contentHash}@${start}`;
      return this.cache.get(key) ?? this.load(key, () => at.source.read(contentHash, start, Math.min(unit, at.sizeBytes - start)));
    };
    if (end <= first + unit) return (await unitAt(first)).subarray(offsetBytes - first, end - first);
    // A chunk straddling two units (chunk sizes need not divide the unit).
    const out = new Uint8Array(end - offsetBytes);
    for (let start = first; start < end; start += unit) {
      const bytes = await unitAt(start);
      const from = Math.max(offsetBytes, start);
      out.set(bytes.subarray(from - start, Math.min(end, start + bytes.length) - start), from - offsetBytes);
    }
    return out;
  }

  /** Bytes into the cache under `key`; one load per key however many reads wait for it. */
  private load(key: string, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    let load = this.loading.get(key);
    if (!load) {
      load = read().then((bytes) => {
        this.cache.put(key, bytes);
        return bytes;
      });
      this.loading.set(key, load);
      void load.then(
        () => this.loading.delete(key),
        () => this.loading.delete(key),
      );
    }
    return load;
  }

  /**
   * The first source, in read order, holding the part whole. A source that fails to answer
   * (a file it cannot open, the database down) does not stop the search; if no later source
   * has the part, its failure is the answer, so "database down" is not reported as "missing".
   */
  private locate(contentHash: string): Promise<Located> {
    let found = this.located.get(contentHash);
    if (!found) {
      found = (async () => {
        let failure: unknown;
        for (const source of this.sources) {
          try {
            const extent = await source.find(contentHash);
            if (extent) return { source, ...extent };
          } catch (e) {
            failure ??= e;
          }
        }
        if (failure !== undefined) throw failure;
        throw new ContentUnavailableError('missing', contentHash, `no ${this.sources.map((s) => s.name).join(' or ')} holds it whole`);
      })();
      const entry = found;
      entry.catch(() => {
        if (this.located.get(contentHash) === entry) this.located.delete(contentHash);
      });
      if (this.located.size >= LOCATED_MAX) this.located.delete(this.located.keys().next().value as string);
      this.located.set(contentHash, entry);
    }
    return found;
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }
}

function checkCacheBytes(cacheBytes: number): number {
  if (cacheBytes !== Infinity && (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0)) {
    throw new FairwayError('out-of-range', `the content cache size must be a whole number of bytes ≥ 0, got ${String(cacheBytes)}`, 'contentCacheBytes');
  }
  return cacheBytes;
}
