/**
 * A Storage that loses power on a chosen mutating call (write or remove, counted from 1), the
 * way the simulator's flash will: the call either does nothing or, when `tear` is set, lands
 * only the first half of its bytes; it and every later call then reject with io. The blobs
 * live on in the MemoryStorage underneath, whose reopen() is the reboot.
 */
import { FairwayError } from '../../../../sdk/errors.js';
import type { BlobInfo, Storage, StorageUsage } from '../../../../sdk/hal/storage.js';

export class PowerCutStorage implements Storage {
  /** Mutating calls seen so far (the cut one included). */
  mutations = 0;
  dead = false;

  constructor(
    private readonly inner: Storage,
    private readonly cutAt: number = Number.POSITIVE_INFINITY,
    private readonly tear = false,
  ) {}

  async read(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.checkAlive();
    return this.inner.read(name, offsetBytes, lengthBytes);
  }

  async write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    this.checkAlive();
    if (++this.mutations === this.cutAt) {
      this.dead = true;
      if (this.tear && bytes.length > 1) await this.inner.write(name, offsetBytes, bytes.subarray(0, bytes.length >> 1));
      throw new FairwayError('io', `power lost while writing ${name}`);
    }
    return this.inner.write(name, offsetBytes, bytes);
  }

  async remove(name: string): Promise<void> {
    this.checkAlive();
    if (++this.mutations === this.cutAt) {
      this.dead = true;
      throw new FairwayError('io', `power lost while removing ${name}`);
    }
    return this.inner.remove(name);
  }

  async list(): Promise<BlobInfo[]> {
    this.checkAlive();
    return this.inner.list();
  }

  async usage(): Promise<StorageUsage> {
    this.checkAlive();
    return this.inner.usage();
  }

  async close(): Promise<void> {
    this.dead = true;
  }

  private checkAlive(): void {
    if (this.dead) throw new FairwayError('io', 'the power is off');
  }
}
