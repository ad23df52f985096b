/**
 * A Storage whose remove() fails with io for chosen blobs (a worn flash block, say) until told
 * to work again; everything else passes through to the real storage underneath.
 */
import { FairwayError } from '../../../../sdk/errors.js';
import type { BlobInfo, Storage, StorageUsage } from '../../../../sdk/hal/storage.js';

export class FailingRemoveStorage implements Storage {
  readonly failing = new Set<string>();

  constructor(private readonly inner: Storage) {}

  read(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    return this.inner.read(name, offsetBytes, lengthBytes);
  }

  write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    return this.inner.write(name, offsetBytes, bytes);
  }

  async remove(name: string): Promise<void> {
    if (this.failing.has(name)) throw new FairwayError('io', `cannot erase ${name}`);
    return this.inner.remove(name);
  }

  list(): Promise<BlobInfo[]> {
    return this.inner.list();
  }

  usage(): Promise<StorageUsage> {
    return this.inner.usage();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
