/**
 * Part bytes, stored once by content (SHA-256 of the whole part) under the store's data
 * folder, and read back at an offset to serve chunk windows. Content addressing makes an
 * import idempotent and a half-finished one harmless: an orphan file is only disk space.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Crypto } from '../../sdk/hal/crypto.js';
import { PartHasher } from '../../sdk/manifest/index.js';
import { toHex } from '../../sdk/vectors/json.js';

export interface StoredPart {
  contentHash: string;
  sizeBytes: number;
  chunkBytes: number;
  chunkHashes: Uint8Array[];
  partHash: Uint8Array;
}

/** How many part files stay open for serving at once; parts are read chunk by chunk. */
const OPEN_FILES_MAX = 64;

export class ContentStore {
  private readonly open = new Map<string, Promise<FileHandle>>();
  /** Whole parts kept in memory by pinInMemory(), keyed by content hash. */
  private pinned: Map<string, Uint8Array> | null = null;

  constructor(readonly directory: string) {}

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
   * Loads every stored part into memory and serves reads from there from now on, including
   * parts imported later (the simulator: a read that waits on the disk lands at a real-time
   * moment, which its virtual clock cannot order).
   */
  async pinInMemory(): Promise<void> {
    this.pinned = new Map();
    const shards = await readdir(this.directory).catch(() => [] as string[]);
    for (const shard of shards) {
      if (shard.startsWith('.')) continue;
      for (const name of await readdir(join(this.directory, shard)).catch(() => [] as string[])) {
        this.pinned.set(name, new Uint8Array(await readFile(join(this.directory, shard, name))));
      }
    }
  }

  /** Reads up to `lengthBytes` at `offsetBytes` of a stored part. */
  async read(contentHash: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    if (this.pinned) {
      let whole = this.pinned.get(contentHash);
      if (!whole) {
        whole = new Uint8Array(await readFile(this.pathOf(contentHash)));
        this.pinned.set(contentHash, whole);
      }
      return whole.slice(offsetBytes, offsetBytes + lengthBytes);
    }
    const handle = await this.handleFor(contentHash);
    const buffer = new Uint8Array(lengthBytes);
    const { bytesRead } = await handle.read(buffer, 0, lengthBytes, offsetBytes);
    return bytesRead === lengthBytes ? buffer : buffer.subarray(0, bytesRead);
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
