/**
 * A tiny store at the far end of a synthetic link, in ManualClock time. It serves a device's
 * windows one after another, each in ascending order at `msPerChunk` (as the broker's chunk
 * pump does [FW-4.6.3]), half an RTT away each way. A seeded generator loses, duplicates,
 * delays (reorders) and corrupts chunks. Everything is scheduled with clock timers, so a link
 * drop cancels what had not arrived yet, as a broker drops a disconnected device's windows.
 */
import type { Timer } from '../../../../sdk/hal/clock.js';
import { chunkCount } from '../../../../sdk/chunks/maths.js';
import { ManualClock, Xoshiro128StarStar } from '../../../../sdk/testing/mocks/index.js';

export interface LinkShape {
  rttMs: number;
  msPerChunk: number;
  lossProbability: number;
  duplicateProbability: number;
  /** A reordered chunk arrives `reorderDelayMs` late, behind later ones. */
  reorderProbability: number;
  reorderDelayMs: number;
  /** Half of the corrupted copies get a flipped byte, half lose their last byte. */
  corruptProbability: number;
}

export const CLEAN_LINK: LinkShape = {
  rttMs: 40,
  msPerChunk: 2,
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMs: 0,
  corruptProbability: 0,
};

/** The bytes of chunk `index` of the part being served. */
export type ChunkSource = (index: number) => Uint8Array;

export type Delivery = (index: number, data: Uint8Array, corrupted: boolean) => void;

/** Serves chunk `i` of a part held in memory. */
export function bytesSource(part: Uint8Array, chunkBytes: number): ChunkSource {
  return (index) => part.subarray(index * chunkBytes, Math.min(part.length, (index + 1) * chunkBytes));
}

export class SyntheticStore {
  private busyUntilMs = 0;
  private readonly scheduled = new Map<Timer, number>();
  private readonly random: Xoshiro128StarStar;
  /** Copies the store put on the link per chunk (lost ones included). */
  readonly sentCopies: number[];

  constructor(
    private readonly clock: ManualClock,
    private readonly source: ChunkSource,
    readonly count: number,
    private readonly shape: LinkShape,
    seed: number,
    private readonly deliver: Delivery,
  ) {
    this.random = new Xoshiro128StarStar(seed);
    this.sentCopies = new Array<number>(count).fill(0);
  }

  static forPart(clock: ManualClock, part: Uint8Array, chunkBytes: number, shape: LinkShape, seed: number, deliver: Delivery): SyntheticStore {
    return new SyntheticStore(clock, bytesSource(part, chunkBytes), chunkCount(part.length, chunkBytes), shape, seed, deliver);
  }

  /** A `chunks.get` leaves the terminal now. */
  request(indexes: readonly number[]): void {
    const nowMs = this.clock.monotonicMs();
    const atStoreMs = nowMs + this.shape.rttMs / 2;
    for (const index of indexes) {
      const departMs = Math.max(this.busyUntilMs, atStoreMs) + this.shape.msPerChunk;
      this.busyUntilMs = departMs;
      this.sentCopies[index]!++;
      if (this.chance(this.shape.lossProbability)) continue;
      const arriveMs = departMs + this.shape.rttMs / 2 + (this.chance(this.shape.reorderProbability) ? this.shape.reorderDelayMs : 0);
      this.schedule(arriveMs, index);
      if (this.chance(this.shape.duplicateProbability)) this.schedule(arriveMs + 1 + (this.random.nextUint32() % 20), index);
    }
  }

  /** The link dropped: nothing more arrives, and the store forgets the device's windows. */
  dropLink(): void {
    for (const timer of this.scheduled.keys()) timer.cancel();
    this.scheduled.clear();
    this.busyUntilMs = this.clock.monotonicMs();
  }

  /** When the next chunk arrives, or null when none is on its way. */
  nextArrivalMs(): number | null {
    let next: number | null = null;
    for (const dueMs of this.scheduled.values()) if (next === null || dueMs < next) next = dueMs;
    return next;
  }

  private schedule(arriveMs: number, index: number): void {
    const corrupted = this.chance(this.shape.corruptProbability);
    const timer = this.clock.setTimer(arriveMs - this.clock.monotonicMs(), () => {
      this.scheduled.delete(timer);
      const data = this.source(index).slice();
      this.deliver(index, corrupted ? this.corrupt(data) : data, corrupted);
    });
    this.scheduled.set(timer, arriveMs);
  }

  private corrupt(data: Uint8Array): Uint8Array {
    if (this.random.nextUint32() % 2 === 0) return data.subarray(0, data.length - 1);
    data[this.random.nextUint32() % data.length]! ^= 1 + (this.random.nextUint32() % 255);
    return data;
  }

  private chance(probability: number): boolean {
    return probability > 0 && this.random.nextUint32() / 0x1_0000_0000 < probability;
  }
}
