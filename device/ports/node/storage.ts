/**
 * FileStorage: the Storage as a directory with one file per blob.
 *
 * Capacity is the sum of blob sizes, tracked in a count recomputed from the files on open. Every
 * operation runs one at a time, so two writes cannot both pass the capacity check. A write is
 * checked against capacity before the file is touched (a refused write changes nothing) and
 * resolves only after fsync; creating or removing a file also fsyncs the directory, so the entry
 * itself survives power loss. An interrupted in-place write is not rolled back: the SDK verifies
 * part hashes, and rewriting whole parts to make writes atomic would cost too much flash.
 */
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FairwayError } from '../../../sdk/errors.js';
import type { BlobInfo, Storage, StorageUsage } from '../../../sdk/hal/storage.js';
import { checkBlobName, checkByteCount, checkBytes } from '../../../sdk/hal/storage-arguments.js';
import { blobNameForFile, fileNameForBlob } from './blob-files.js';

export interface FileStorageOptions {
  capacityBytes: number;
}

export class FileStorage implements Storage {
  private closed = false;
  /** The tail of the queue of operations; each runs after the one before has settled. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly directory: string,
    readonly capacityBytes: number,
    private usedBytes: number,
  ) {}

  /** Opens (creating if need be) the storage in `directory`. */
  static async open(directory: string, options: FileStorageOptions): Promise<FileStorage> {
    checkByteCount(options.capacityBytes, 'capacityBytes');
    await fsCall(`creating ${directory}`, () => mkdir(directory, { recursive: true }));
    const blobs = await listBlobs(directory);
    const usedBytes = blobs.reduce((sum, blob) => sum + blob.sizeBytes, 0);
    return new FileStorage(directory, options.capacityBytes, usedBytes);
  }

  read(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    return this.enqueue(
      () => {
        checkBlobName(name);
        checkByteCount(offsetBytes, 'offsetBytes');
        checkByteCount(lengthBytes, 'lengthBytes');
      },
      () => this.readNow(name, offsetBytes, lengthBytes),
    );
  }

  write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    return this.enqueue(
      () => {
        checkBlobName(name);
        checkByteCount(offsetBytes, 'offsetBytes');
        checkBytes(bytes);
      },
      () => this.writeNow(name, offsetBytes, bytes),
    );
  }

  remove(name: string): Promise<void> {
    return this.enqueue(() => checkBlobName(name), () => this.removeNow(name));
  }

  list(): Promise<BlobInfo[]> {
    return this.enqueue(() => undefined, () => listBlobs(this.directory));
  }

  usage(): Promise<StorageUsage> {
    return this.enqueue(() => undefined, async () => ({ capacityBytes: this.capacityBytes, usedBytes: this.usedBytes }));
  }

  /** Lets queued operations finish, then refuses everything. Closing again does nothing. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  /** Checks the call at once (closed, arguments), then queues the work behind earlier operations. */
  private enqueue<T>(check: () => void, work: () => Promise<T>): Promise<T> {
    try {
      if (this.closed) throw new FairwayError('closed', 'the storage is closed');
      check();
    } catch (error) {
      return Promise.reject(error);
    }
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private pathOf(name: string): string {
    return join(this.directory, fileNameForBlob(name));
  }

  private async readNow(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    const file = await openBlob(this.pathOf(name), 'r', name);
    try {
      const { size } = await fsCall(`reading ${name}`, () => file.stat());
      const start = Math.min(offsetBytes, size);
      const bytes = new Uint8Array(Math.min(lengthBytes, size - start));
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await fsCall(`reading ${name}`, () =>
          file.read(bytes, filled, bytes.length - filled, start + filled),
        );
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === bytes.length ? bytes : bytes.slice(0, filled);
    } finally {
      await fsCall(`closing ${name}`, () => file.close());
    }
  }

  private async writeNow(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(name);
    const oldSize = await sizeOf(path);
    const newSize = Math.max(oldSize ?? 0, offsetBytes + bytes.length);
    const newUsed = this.usedBytes - (oldSize ?? 0) + newSize;
    if (newUsed > this.capacityBytes) {
      throw new FairwayError('capacity-exceeded', `writing ${name} needs ${newUsed} of ${this.capacityBytes} bytes`);
    }
    const file = await fsCall(`opening ${name}`, () => open(path, oldSize === undefined ? 'wx' : 'r+'));
    try {
      // Writing past the end leaves a gap the file system reads back as zeros.
      if (bytes.length > 0) await fsCall(`writing ${name}`, () => file.write(bytes, 0, bytes.length, offsetBytes));
      else if (newSize > (oldSize ?? 0)) await fsCall(`writing ${name}`, () => file.truncate(newSize));
      await fsCall(`syncing ${name}`, () => file.sync());
    } catch (error) {
      // A part-done write may have grown the file: count what is really there.
      const actualSize = (await sizeOf(path).catch(() => undefined)) ?? 0;
      this.usedBytes += actualSize - (oldSize ?? 0);
      throw error;
    } finally {
      await fsCall(`closing ${name}`, () => file.close());
    }
    this.usedBytes = newUsed;
    if (oldSize === undefined) await syncDirectory(this.directory);
  }

  private async removeNow(name: string): Promise<void> {
    const path = this.pathOf(name);
    const size = await sizeOf(path);
    if (size === undefined) throw new FairwayError('not-found', `no blob named ${name}`);
    await fsCall(`removing ${name}`, () => unlink(path));
    this.usedBytes -= size;
    await syncDirectory(this.directory);
  }
}

async function listBlobs(directory: string): Promise<BlobInfo[]> {
  const entries = await fsCall(`listing ${directory}`, () => readdir(directory, { withFileTypes: true }));
  const blobs: BlobInfo[] = [];
  for (const entry of entries) {
    const name = entry.isFile() ? blobNameForFile(entry.name) : undefined;
    if (name === undefined) continue;
    const size = await sizeOf(join(directory, entry.name));
    if (size !== undefined) blobs.push({ name, sizeBytes: size });
  }
  return blobs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The file's size, or undefined when there is no such file. */
async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw ioError(`reading the size of ${path}`, error);
  }
}

async function openBlob(path: string, flags: string, name: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new FairwayError('not-found', `no blob named ${name}`);
    throw ioError(`opening ${name}`, error);
  }
}

/** Makes a created or removed directory entry durable. Some platforms cannot fsync a directory. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF'].includes(errorCode(error) ?? '')) {
      throw ioError(`syncing ${directory}`, error);
    }
  } finally {
    await handle?.close();
  }
}

/** Runs a file-system call, turning any failure into an io FairwayError. */
async function fsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ioError(what, error);
  }
}

function ioError(what: string, error: unknown): FairwayError {
  if (error instanceof FairwayError) return error;
  return new FairwayError('io', `${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

