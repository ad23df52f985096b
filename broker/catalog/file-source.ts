/**
 * Part bytes as files under the store's data folder, one per part, named by the SHA-256 of
 * the whole part (`content/ab/abcd…`). A single-node store keeps all its content here; a
 * cluster node keeps here only what it imported itself, and reads the rest from the database.
 * Writing a file in is the content store's job (it hashes while it copies); this reads.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartBytesSource, PartExtent } from './part-bytes-source.js';

/** How many part files stay open for serving at once; parts are read chunk by chunk. */
const OPEN_FILES_MAX = 64;

export class FilePartSource implements PartBytesSource {
  readonly name = 'file';
  private readonly open = new Map<string, Promise<FileHandle>>();

  constructor(readonly directory: string) {}

  pathOf(contentHash: string): string {
    return join(this.directory, contentHash.slice(0, 2), contentHash);
  }

  async find(contentHash: string): Promise<PartExtent | null> {
    let handle: FileHandle;
    try {
      handle = await this.handleFor(contentHash);
    } catch (e) {
      // No file: not ours to serve; the next source may hold it. Anything else is a fault.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return { sizeBytes: (await handle.stat()).size };
  }

  async read(contentHash: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const handle = await this.handleFor(contentHash);
    const buffer = new Uint8Array(lengthBytes);
    let filled = 0;
    // One read usually fills it; a large whole-part read may come back in pieces.
    while (filled < lengthBytes) {
      const { bytesRead } = await handle.read(buffer, filled, lengthBytes - filled, offsetBytes + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === lengthBytes ? buffer : buffer.subarray(0, filled);
  }

  /** The content hashes of every part file (not the `.incoming-…` files of imports under way). */
  async list(): Promise<string[]> {
    const hashes: string[] = [];
    for (const shard of await readdir(this.directory).catch(() => [] as string[])) {
      if (shard.startsWith('.')) continue;
      for (const name of await readdir(join(this.directory, shard)).catch(() => [] as string[])) hashes.push(name);
    }
    return hashes;
  }

  /** Forgets an open handle, so the next read opens the file again (or finds it gone). */
  forget(contentHash: string): void {
    const handle = this.open.get(contentHash);
    if (!handle) return;
    this.open.delete(contentHash);
    void handle.then((h) => h.close()).catch(() => {});
  }

  private handleFor(contentHash: string): Promise<FileHandle> {
    let handle = this.open.get(contentHash);
    if (!handle) {
      if (this.open.size >= OPEN_FILES_MAX) {
        const oldest = this.open.keys().next().value as string;
        this.forget(oldest);
      }
      handle = open(this.pathOf(contentHash), 'r');
      const opened = handle;
      opened.catch(() => {
        if (this.open.get(contentHash) === opened) this.open.delete(contentHash);
      });
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
