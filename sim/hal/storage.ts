/**
 * SimFlash: the terminal's flash in memory, with a capacity, an optional write/erase time model on
 * the SimClock, and power loss.
 *
 * Operations run one at a time, in call order, as on a flash controller (so two writes cannot both
 * pass the capacity check). With `writeBytesPerMs` a write takes bytes ÷ rate of virtual time and
 * `removeMs` an erase takes that long; without them they take none.
 *
 * powerCut() is the battery falling out: this handle is dead from then on (every call, pending or
 * new, rejects with closed), and a write in flight at that moment lands only a seeded-random proper
 * prefix of its bytes — a torn write. A write that resolved is durable. powerOn() boots again: it
 * returns a new handle over what survived, as a rebooted terminal opens its storage anew.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Timer } from '../../sdk/hal/clock.js';
import type { BlobInfo, Storage, StorageUsage } from '../../sdk/hal/storage.js';
import { checkBlobName, checkByteCount, checkBytes } from '../../sdk/hal/storage-arguments.js';
import type { SimClock } from './clock.js';
import type { SimRandom } from './random.js';

export interface SimFlashOptions {
  capacityBytes: number;
  time: SimClock;
  /** Decides how much of a torn write lands. */
  random: SimRandom;
  /** Write speed; absent, writes take no virtual time. */
  writeBytesPerMs?: number;
  /** Time one remove (an erase) takes. Default 0. */
  removeMs?: number;
}

/** A blob's bytes are the first `size` of `buffer`; the rest is room to grow without copying. */
interface Blob {
  buffer: Uint8Array;
  size: number;
}

/** What survives power loss: the blobs, shared by every handle opened on the same flash. */
interface Medium {
  readonly capacityBytes: number;
  readonly blobs: Map<string, Blob>;
  usedBytes: number;
  /** Bumped by each power cut; a handle from an older generation is dead. */
  generation: number;
  powered: boolean;
  /** Torn writes so far, for tests and reports. */
  tornWrites: number;
  /** Writes refused because they would pass the capacity (the storage manager must cause none). */
  capacityRefusals: number;
}

/** The write being carried out, which a power cut can tear. */
interface WriteInFlight {
  name: string;
  offsetBytes: number;
  bytes: Uint8Array;
  timer: Timer;
}

interface Waiting {
  run(): Promise<void>;
  fail(error: FairwayError): void;
}

export class SimFlash implements Storage {
  private closed = false;
  private readonly generation: number;
  private readonly waiting: Waiting[] = [];
  private busy = false;
  private inFlight: WriteInFlight | undefined;
  private inFlightReject: ((error: FairwayError) => void) | undefined;
  /** Fails the operation running now: a power cut does not wait for it. */
  private failCurrent: ((error: FairwayError) => void) | undefined;
  /** close() calls waiting for the queue to empty. */
  private readonly drainers: (() => void)[] = [];

  private constructor(
    private readonly medium: Medium,
    private readonly options: SimFlashOptions,
  ) {
    this.generation = medium.generation;
  }

  /** A fresh, empty flash. */
  static create(options: SimFlashOptions): SimFlash {
    checkByteCount(options.capacityBytes, 'capacityBytes');
    if (options.writeBytesPerMs !== undefined && !(options.writeBytesPerMs > 0 && Number.isFinite(options.writeBytesPerMs))) {
      throw new FairwayError('invalid-argument', `writeBytesPerMs must be a finite number > 0, got ${options.writeBytesPerMs}`);
    }
    if (options.removeMs !== undefined) checkTime(options.removeMs, 'removeMs');
    const medium: Medium = { capacityBytes: options.capacityBytes, blobs: new Map(), usedBytes: 0, generation: 0, powered: true, tornWrites: 0, capacityRefusals: 0 };
    return new SimFlash(medium, { ...options });
  }

  get capacityBytes(): number {
    return this.medium.capacityBytes;
  }

  /** Writes refused for capacity on this flash so far, across power cuts. */
  get capacityRefusalCount(): number {
    return this.medium.capacityRefusals;
  }

  /** Writes torn by power cuts on this flash so far. */
  get tornWriteCount(): number {
    return this.medium.tornWrites;
  }

  /**
   * What the medium holds now, powered or not: the test bench reading the chip, not a device
   * call (an invariant checked while a terminal is off must still see its flash).
   */
  inspectUsage(): StorageUsage {
    return { capacityBytes: this.medium.capacityBytes, usedBytes: this.medium.usedBytes };
  }

  /** Whether the flash has power (false between powerCut() and powerOn()). */
  get powered(): boolean {
    return this.medium.powered;
  }

  read(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    return this.enqueue(
      () => {
        checkBlobName(name);
        checkByteCount(offsetBytes, 'offsetBytes');
        checkByteCount(lengthBytes, 'lengthBytes');
      },
      async () => {
        const blob = this.existing(name);
        const start = Math.min(offsetBytes, blob.size);
        return blob.buffer.slice(start, Math.min(blob.size, start + lengthBytes));
      },
    );
  }

  write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    return this.enqueue(
      () => {
        checkBlobName(name);
        checkByteCount(offsetBytes, 'offsetBytes');
        checkBytes(bytes);
      },
      // A copy (new Uint8Array copies; a Buffer's slice() would not): the caller may reuse its array.
      () => this.writeNow(name, offsetBytes, new Uint8Array(bytes)),
    );
  }

  remove(name: string): Promise<void> {
    return this.enqueue(
      () => checkBlobName(name),
      async () => {
        const blob = this.existing(name);
        await this.takeTime(this.options.removeMs ?? 0);
        // An erase the power cut interrupted leaves the blob as it was.
        if (this.isDead()) throw new FairwayError('closed', 'power was cut');
        this.medium.blobs.delete(name);
        this.medium.usedBytes -= blob.size;
      },
    );
  }

  list(): Promise<BlobInfo[]> {
    return this.enqueue(
      () => undefined,
      async () =>
        [...this.medium.blobs]
          .map(([name, blob]) => ({ name, sizeBytes: blob.size }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
  }

  usage(): Promise<StorageUsage> {
    return this.enqueue(() => undefined, async () => ({ capacityBytes: this.medium.capacityBytes, usedBytes: this.medium.usedBytes }));
  }

  /** Closes this handle once queued operations are done; later calls reject with closed. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.busy || this.waiting.length > 0) await this.drained();
  }

  /**
   * Cuts the power: this handle and every operation on it fail with closed from now on; a write
   * in flight lands a torn prefix. Cutting an unpowered flash does nothing.
   */
  powerCut(): void {
    if (!this.medium.powered || this.isDead()) return;
    this.medium.powered = false;
    this.medium.generation++;
    const dead = new FairwayError('closed', 'power was cut');
    const write = this.inFlight;
    if (write) {
      write.timer.cancel();
      this.landTornPrefix(write);
      this.inFlight = undefined;
      this.inFlightReject?.(dead);
    }
    this.failCurrent?.(dead);
    for (const waiting of this.waiting.splice(0)) waiting.fail(dead);
  }

  /** Restores power and returns a new handle over what survived. Only after powerCut(). */
  powerOn(): SimFlash {
    if (this.medium.powered) throw new FairwayError('invalid-argument', 'the flash has power: powerOn() follows powerCut()');
    this.medium.powered = true;
    return new SimFlash(this.medium, this.options);
  }

  /** Closes this handle (if it is not already) and opens another on the same flash, as after a clean reboot. */
  async reopen(): Promise<SimFlash> {
    await this.close();
    if (!this.medium.powered) throw new FairwayError('invalid-argument', 'the flash has no power: use powerOn()');
    return new SimFlash(this.medium, this.options);
  }

  private isDead(): boolean {
    return this.generation !== this.medium.generation || !this.medium.powered;
  }

  /** Checks at once (closed, arguments), then runs `work` after the operations queued before it. */
  private enqueue<T>(check: () => void, work: () => Promise<T>): Promise<T> {
    try {
      if (this.closed || this.isDead()) throw new FairwayError('closed', this.closed ? 'the storage is closed' : 'power was cut');
      check();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        run: async () => {
          try {
            const result = await work();
            // A power cut while the operation ran (a write's timer, a remove's erase) voids it.
            if (this.isDead()) throw new FairwayError('closed', 'power was cut');
            resolve(result);
          } catch (error) {
            reject(error);
          }
        },
        fail: reject,
      });
      this.runNext();
    });
  }

  private runNext(): void {
    if (this.busy) return;
    const next = this.waiting.shift();
    if (!next) {
      this.wakeDrainers();
      return;
    }
    this.busy = true;
    this.failCurrent = next.fail;
    void next.run().finally(() => {
      this.busy = false;
      this.failCurrent = undefined;
      this.runNext();
    });
  }

  private async writeNow(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    const oldSize = this.medium.blobs.get(name)?.size ?? 0;
    const newSize = Math.max(oldSize, offsetBytes + bytes.length);
    const newUsed = this.medium.usedBytes - oldSize + newSize;
    if (newUsed > this.medium.capacityBytes) {
      this.medium.capacityRefusals++;
      throw new FairwayError('capacity-exceeded', `writing ${name} needs ${newUsed} of ${this.medium.capacityBytes} bytes`);
    }
    const rate = this.options.writeBytesPerMs;
    if (rate !== undefined && bytes.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = this.options.time.setTimer(bytes.length / rate, () => {
          this.inFlight = undefined;
          this.inFlightReject = undefined;
          resolve();
        });
        this.inFlight = { name, offsetBytes, bytes, timer };
        this.inFlightReject = reject;
      });
    }
    this.land(name, offsetBytes, bytes);
  }

  /** Puts `bytes` at `offsetBytes` of the blob, creating it and zero-filling any gap. */
  private land(name: string, offsetBytes: number, bytes: Uint8Array): void {
    const blob = this.medium.blobs.get(name) ?? { buffer: new Uint8Array(0), size: 0 };
    const newSize = Math.max(blob.size, offsetBytes + bytes.length);
    if (newSize > blob.buffer.length) {
      // At least double, so a part written chunk by chunk is not copied at every chunk. The new
      // buffer is zeroed past the old size, which is the gap's zero fill.
      const larger = new Uint8Array(Math.max(newSize, blob.buffer.length * 2));
      larger.set(blob.buffer.subarray(0, blob.size));
      blob.buffer = larger;
    }
    blob.buffer.set(bytes, offsetBytes);
    this.medium.usedBytes += newSize - blob.size;
    blob.size = newSize;
    this.medium.blobs.set(name, blob);
  }

  /** The first 0 … length − 1 bytes of an interrupted write reach the flash; nothing after them. */
  private landTornPrefix(write: WriteInFlight): void {
    const landed = this.options.random.int(0, write.bytes.length - 1);
    this.medium.tornWrites++;
    if (landed > 0) this.land(write.name, write.offsetBytes, write.bytes.subarray(0, landed));
  }

  private takeTime(ms: number): Promise<void> {
    if (ms === 0) return Promise.resolve();
    return new Promise((resolve) => this.options.time.setTimer(ms, resolve));
  }

  private existing(name: string): Blob {
    const blob = this.medium.blobs.get(name);
    if (!blob) throw new FairwayError('not-found', `no blob named ${name}`);
    return blob;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  private wakeDrainers(): void {
    for (const wake of this.drainers.splice(0)) wake();
  }
}

function checkTime(value: number, what: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new FairwayError('invalid-argument', `${what} must be a finite number of milliseconds ≥ 0, got ${value}`);
  }
}
