/**
 * MemoryStorage: a Storage held in memory, for tests and the simulator. Its "flash" is a map that
 * outlives a handle, so reopen() models a reboot: the old handle is closed, the blobs remain.
 */
import { FairwayError } from '../../errors.js';
import type { BlobInfo, Storage, StorageUsage } from '../../hal/storage.js';
import { checkBlobName, checkByteCount, checkBytes } from '../../hal/storage-arguments.js';

/** A blob's bytes live in the first `size` bytes of `buffer`; the rest is room to grow. */
interface Blob {
  buffer: Uint8Array;
  size: number;
}

export class MemoryStorage implements Storage {
  private closed = false;
  private blobs = new Map<string, Blob>();
  private usedBytes = 0;

  constructor(readonly capacityBytes: number) {
    checkByteCount(capacityBytes, 'capacityBytes');
  }

  /** Closes this handle and returns a new one over the same blobs, as after a power cycle. */
  reopen(): MemoryStorage {
    this.closed = true;
    const reopened = new MemoryStorage(this.capacityBytes);
    reopened.blobs = this.blobs;
    reopened.usedBytes = this.usedBytes;
    return reopened;
  }

  async read(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.checkOpen();
    checkBlobName(name);
    checkByteCount(offsetBytes, 'offsetBytes');
    checkByteCount(lengthBytes, 'lengthBytes');
    const blob = this.existing(name);
    const start = Math.min(offsetBytes, blob.size);
    return blob.buffer.slice(start, Math.min(blob.size, start + lengthBytes));
  }

  async write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    this.checkOpen();
    checkBlobName(name);
    checkByteCount(offsetBytes, 'offsetBytes');
    checkBytes(bytes);
    const blob = this.blobs.get(name) ?? { buffer: new Uint8Array(0), size: 0 };
    const newSize = Math.max(blob.size, offsetBytes + bytes.length);
    const newUsed = this.usedBytes - blob.size + newSize;
    if (newUsed > this.capacityBytes) {
      throw new FairwayError('capacity-exceeded', `writing ${name} needs ${newUsed} of ${this.capacityBytes} bytes`);
    }
    if (newSize > blob.buffer.length) blob.buffer = grown(blob.buffer, blob.size, newSize);
    // A fresh or grown buffer is zeroed past the old size, which is the gap's zero fill.
    blob.buffer.set(bytes, offsetBytes);
    blob.size = newSize;
    this.blobs.set(name, blob);
    this.usedBytes = newUsed;
  }

  async remove(name: string): Promise<void> {
    this.checkOpen();
    checkBlobName(name);
    this.usedBytes -= this.existing(name).size;
    this.blobs.delete(name);
  }

  async list(): Promise<BlobInfo[]> {
    this.checkOpen();
    return [...this.blobs]
      .map(([name, blob]) => ({ name, sizeBytes: blob.size }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async usage(): Promise<StorageUsage> {
    this.checkOpen();
    return { capacityBytes: this.capacityBytes, usedBytes: this.usedBytes };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new FairwayError('closed', 'the storage is closed');
  }

  private existing(name: string): Blob {
    const blob = this.blobs.get(name);
    if (!blob) throw new FairwayError('not-found', `no blob named ${name}`);
    return blob;
  }
}

/** Doubles the room (at least) so a blob written by appending chunks is not copied every time. */
function grown(buffer: Uint8Array, size: number, needed: number): Uint8Array {
  const larger = new Uint8Array(Math.max(needed, buffer.length * 2));
  larger.set(buffer.subarray(0, size));
  return larger;
}
