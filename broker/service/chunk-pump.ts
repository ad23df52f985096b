/**
 * Serves chunk windows [FW-4.6.3] fairly: every device with a window waiting gets one chunk in
 * turn (round robin), with a bounded number of sends in flight across all of them, so one
 * terminal asking for 256 chunks cannot starve a hundred others asking for a few. A device
 * that disconnects has its windows dropped; it will ask again for what it still misses.
 *
 * A device also has a bound of its own on sends in flight (4): a send to a terminal that
 * stopped reading waits for its socket to drain (up to the broker's drain timeout), and
 * without that bound its later chunks, each waiting behind the one before, would take every
 * slot and stall everyone else's transfer until it is cut [issue 12 §7].
 *
 * A chunk that cannot be read (no copy of the part on this node, the database down) fails
 * its whole window: the rest of it is dropped and `onWindowFailed` answers the request once,
 * so the terminal hears a typed error instead of waiting out silence [issue 11 §3].
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

/** Answers a window whose read failed; runs in the device's send order, after its earlier chunks. */
export type WindowFailed = (job: WindowJob, error: unknown) => Promise<void>;

export interface PumpLimits {
  /** Chunk sends (read, then write) in flight across all devices. */
  inFlight: number;
  /** Of those, for any one device (default 4): enough to keep reads ahead of its socket. */
  inFlightPerDevice?: number;
}

const DEFAULT_IN_FLIGHT_PER_DEVICE = 4;

export class ChunkPump {
  /** Devices in service order; each has its windows in arrival order. */
  private readonly queues = new Map<string, WindowJob[]>();
  private inFlight = 0;
  /** Sends in flight per device (only devices with one). */
  private readonly deviceInFlight = new Map<string, number>();
  private readonly maxInFlight: number;
  private readonly maxInFlightPerDevice: number;
  private idleWaiters: (() => void)[] = [];
  /** Per device, the last send queued: the next waits for it. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Windows already answered with an error: their chunks still in flight are not sent. */
  private readonly failed = new WeakSet<WindowJob>();

  constructor(
    private readonly send: ChunkSender,
    limits: PumpLimits,
    /** A chunk that was read but could not be sent (the device went, the store is closing). */
    private readonly onError: (deviceId: string, error: unknown) => void = () => {},
    private readonly onWindowFailed: WindowFailed = async () => {},
  ) {
    this.maxInFlight = limits.inFlight;
    this.maxInFlightPerDevice = limits.inFlightPerDevice ?? DEFAULT_IN_FLIGHT_PER_DEVICE;
  }

  enqueue(job: WindowJob): void {
    if (job.indexes.length === 0) return;
    const queue = this.queues.get(job.deviceId);
    if (queue) queue.push(job);
    else this.queues.set(job.deviceId, [job]);
    this.pump();
  }

  /** Windows waiting for `deviceId` (a window being sent counts until its last chunk is queued). */
  queuedWindows(deviceId: string): number {
    return this.queues.get(deviceId)?.length ?? 0;
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
      const { deviceId } = next.job;
      this.inFlight++;
      this.deviceInFlight.set(deviceId, (this.deviceInFlight.get(deviceId) ?? 0) + 1);
      void this.sendOne(next.job, next.index).finally(() => {
        this.inFlight--;
        const left = this.deviceInFlight.get(deviceId)! - 1;
        if (left === 0) this.deviceInFlight.delete(deviceId);
        else this.deviceInFlight.set(deviceId, left);
        this.pump();
        if (this.inFlight === 0 && this.queues.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  /**
   * The first chunk of the first device in the rotation under its own bound, which then moves
   * to the back; devices at their bound keep their place. At most `maxInFlight` devices can be
   * at their bound, so the scan is short.
   */
  private takeNext(): { job: WindowJob; index: number } | undefined {
    let deviceId: string | undefined;
    let jobs: WindowJob[] | undefined;
    for (const [id, queued] of this.queues) {
      if ((this.deviceInFlight.get(id) ?? 0) < this.maxInFlightPerDevice) {
        [deviceId, jobs] = [id, queued];
        break;
      }
    }
    if (deviceId === undefined || jobs === undefined) return undefined;
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
    // A failed read stops the window at once (no more reads of a part that cannot be read);
    // the chunks read before it still go out, in order, then the window's answer.
    read.catch(() => this.dropWindow(job));
    const before = this.tails.get(job.deviceId) ?? Promise.resolve();
    const mine = before.then(async () => {
      if (this.failed.has(job)) return;
      let data: Uint8Array;
      try {
        data = await read;
      } catch (e) {
        await this.failWindow(job, e);
        return;
      }
      try {
        await this.send(job.deviceId, { rid: job.rid, transfer: job.transfer, index, data });
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

  /** Answers the window, once; whatever of it is still in flight is not sent. */
  private async failWindow(job: WindowJob, error: unknown): Promise<void> {
    this.failed.add(job);
    this.dropWindow(job);
    try {
      await this.onWindowFailed(job, error);
    } catch (e) {
      this.onError(job.deviceId, e);
    }
  }

  /** Takes a window's chunks not yet started out of the rotation. */
  private dropWindow(job: WindowJob): void {
    const jobs = this.queues.get(job.deviceId);
    const at = jobs?.indexOf(job) ?? -1;
    if (!jobs || at < 0) return;
    jobs.splice(at, 1);
    if (jobs.length === 0) this.queues.delete(job.deviceId);
  }
}
