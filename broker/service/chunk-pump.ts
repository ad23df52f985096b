/**
 * Serves chunk windows [FW-4.6.3] fairly: every device with a window waiting gets one chunk in
 * turn (round robin), with a bounded number of sends in flight across all of them, so one
 * terminal asking for 256 chunks cannot starve a hundred others asking for a few. A device
 * that disconnects has its windows dropped; it will ask again for what it still misses.
 */
export interface WindowJob {
  deviceId: string;
  rid: number;
  transfer: Uint8Array;
  /** Ascending chunk indexes still to send. */
  indexes: number[];
  read(index: number): Promise<Uint8Array>;
}

export type ChunkSender = (deviceId: string, chunk: { rid: number; transfer: Uint8Array; index: number; data: Uint8Array }) => Promise<void>;

export class ChunkPump {
  /** Devices in service order; each has its windows in arrival order. */
  private readonly queues = new Map<string, WindowJob[]>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Per device, the last send queued: the next waits for it. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly send: ChunkSender,
    private readonly maxInFlight: number,
    private readonly onError: (deviceId: string, error: unknown) => void = () => {},
  ) {}

  enqueue(job: WindowJob): void {
    if (job.indexes.length === 0) return;
    const queue = this.queues.get(job.deviceId);
    if (queue) queue.push(job);
    else this.queues.set(job.deviceId, [job]);
    this.pump();
  }

  /** Drops everything waiting for a device (it disconnected). */
  cancel(deviceId: string): void {
    this.queues.delete(deviceId);
  }

  get waitingChunks(): number {
    let n = 0;
    for (const jobs of this.queues.values()) for (const job of jobs) n += job.indexes.length;
    return n;
  }

  /**
   * Devices with a chunk window queued or a chunk on its way: the transfers this node is
   * serving now (the node registry reports it). Cheap: both maps hold one entry per device.
   */
  get streamingDevices(): number {
    let n = this.queues.size;
    for (const deviceId of this.tails.keys()) if (!this.queues.has(deviceId)) n++;
    return n;
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queues.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight) {
      const next = this.takeNext();
      if (!next) break;
      this.inFlight++;
      void this.sendOne(next.job, next.index).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queues.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  /** The first chunk of the device at the head of the rotation, which then moves to the back. */
  private takeNext(): { job: WindowJob; index: number } | undefined {
    const first = this.queues.entries().next();
    if (first.done) return undefined;
    const [deviceId, jobs] = first.value;
    const job = jobs[0]!;
    const index = job.indexes.shift()!;
    if (job.indexes.length === 0) jobs.shift();
    this.queues.delete(deviceId);
    if (jobs.length > 0) this.queues.set(deviceId, jobs);
    return { job, index };
  }

  /**
   * Reads run in parallel, but a device's chunks go out in the order they were taken — the
   * ascending order FW-4.6.3 promises and the terminal's gap detection relies on — even when a
   * later read finishes first.
   */
  private sendOne(job: WindowJob, index: number): Promise<void> {
    const read = job.read(index);
    read.catch(() => undefined);
    const before = this.tails.get(job.deviceId) ?? Promise.resolve();
    const mine = before.then(async () => {
      try {
        await this.send(job.deviceId, { rid: job.rid, transfer: job.transfer, index, data: await read });
      } catch (e) {
        this.onError(job.deviceId, e);
      }
    });
    this.tails.set(job.deviceId, mine);
    void mine.then(() => {
      if (this.tails.get(job.deviceId) === mine) this.tails.delete(job.deviceId);
    });
    return mine;
  }
}
