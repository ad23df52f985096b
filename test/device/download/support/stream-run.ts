/**
 * Drives a PartDownload against a SyntheticStore the way a terminal's session would: send what
 * nextRequest gives, hand every chunk to onChunk, tick at nextDeadlineMs, verify the whole part
 * at the end. Time jumps from event to event on a ManualClock. A power loss (a PowerLost error
 * from the files) reboots: the link drops and a new PartDownload is opened over the same files.
 */
import { expect } from 'vitest';
import type { ChunkOutcome, PartDownload, WindowRequest } from '../../../../device/download/index.js';
import { ManualClock } from '../../../../sdk/testing/mocks/index.js';
import { PowerLost } from './files.js';
import { SyntheticStore, type ChunkSource, type LinkShape } from './synthetic-store.js';

export interface StreamRunOptions {
  source: ChunkSource;
  count: number;
  shape: LinkShape;
  seed: number;
  /** Opens the download, at the start and after each power loss. */
  open: () => Promise<PartDownload>;
  /** Called after each chunk is handed over (the run may drop the link from here). */
  afterDelivery?: (run: StreamRun, index: number, corrupted: boolean) => void;
  onRequest?: (request: WindowRequest) => void;
}

export class StreamRun {
  readonly clock = new ManualClock();
  readonly store: SyntheticStore;
  download!: PartDownload;
  /** Uncorrupted copies handed to onChunk, per chunk. */
  readonly goodDeliveries: number[];
  corruptDeliveries = 0;
  readonly outcomes: Record<ChunkOutcome, number> = { stored: 0, duplicate: 0, rejected: 0 };
  powerLosses = 0;
  requests = 0;
  private pending: Promise<unknown>[] = [];

  constructor(private readonly options: StreamRunOptions) {
    this.goodDeliveries = new Array<number>(options.count).fill(0);
    this.store = new SyntheticStore(this.clock, options.source, options.count, options.shape, options.seed, (index, data, corrupted) => {
      if (corrupted) this.corruptDeliveries++;
      else this.goodDeliveries[index]!++;
      this.pending.push(this.download.onChunk(index, data, this.clock.monotonicMs()).then((outcome) => this.outcomes[outcome]++));
      options.afterDelivery?.(this, index, corrupted);
    });
  }

  /** Drops the link now (the store forgets, the download forgets). */
  dropLink(): void {
    this.store.dropLink();
    this.download.onLinkDrop(this.clock.monotonicMs());
  }

  /** Runs until the whole part verifies; returns the simulated time it took. */
  async complete(maxSteps = 500_000): Promise<{ elapsedMs: number }> {
    if (!this.download) await this.boot();
    const startMs = this.clock.monotonicMs();
    for (let step = 0; step < maxSteps; step++) {
      await this.settle();
      const nowMs = this.clock.monotonicMs();
      if (this.download.isComplete()) {
        if (await this.download.verifyWhole()) return { elapsedMs: nowMs - startMs };
        continue;
      }
      this.download.onTick(nowMs);
      for (let w = this.download.nextRequest(nowMs); w; w = this.download.nextRequest(nowMs)) {
        this.requests++;
        this.options.onRequest?.(w);
        this.store.request(w.indexes);
      }
      const next = earliest(this.store.nextArrivalMs(), this.download.nextDeadlineMs());
      if (next === null) expect.fail(`stuck at ${nowMs} ms: nothing in flight, nothing asked for, ${this.download.missingCount()} missing`);
      this.clock.advance(Math.max(0, next - nowMs));
    }
    return expect.fail(`not complete after ${maxSteps} steps: ${JSON.stringify(this.download.stats())}`);
  }

  /** Lets every handed-over chunk settle; reboots if the power went meanwhile. */
  private async settle(): Promise<void> {
    let powerLost = false;
    while (this.pending.length > 0) {
      for (const result of await Promise.allSettled(this.pending.splice(0))) {
        if (result.status === 'fulfilled') continue;
        if (result.reason instanceof PowerLost) powerLost = true;
        else throw result.reason;
      }
    }
    if (!powerLost) return;
    this.powerLosses++;
    this.store.dropLink();
    await this.boot();
  }

  /** Opens the download; the power may go while it saves its first bitmap. */
  private async boot(): Promise<void> {
    for (;;) {
      try {
        this.download = await this.options.open();
        return;
      } catch (error) {
        if (!(error instanceof PowerLost)) throw error;
        this.powerLosses++;
      }
    }
  }
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
