/**
 * ManualClock: a Clock whose time moves only when advance() is called, so tests and the simulator
 * run timeouts and retries deterministically and instantly.
 */
import { FairwayError } from '../../errors.js';
import type { Clock, Timer } from '../../hal/clock.js';

export interface ManualClockOptions {
  /** Where monotonicMs starts. */
  monotonicStartMs?: number;
  /** Where wallMs starts; any fixed instant will do, since the SDK may not read the host's clock. */
  wallStartMs?: number;
}

interface PendingTimer {
  dueMs: number;
  fire: () => void;
}

/** 2025-01-01T00:00:00Z */
const DEFAULT_WALL_START_MS = 1_735_689_600_000;

export class ManualClock implements Clock {
  private nowMs: number;
  private wallOffsetMs: number;
  /** Sorted by due time; a timer due together with others goes after them, keeping set order. */
  private readonly pending: PendingTimer[] = [];

  constructor(options: ManualClockOptions = {}) {
    this.nowMs = options.monotonicStartMs ?? 0;
    this.wallOffsetMs = (options.wallStartMs ?? DEFAULT_WALL_START_MS) - this.nowMs;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  wallMs(): number {
    return this.nowMs + this.wallOffsetMs;
  }

  /** Sets the wall clock, as an NTP correction or a user would; monotonic time is unaffected. */
  setWallMs(wallMs: number): void {
    this.wallOffsetMs = wallMs - this.nowMs;
  }

  /** How many timers are waiting to fire. */
  get pendingTimerCount(): number {
    return this.pending.length;
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    checkDelay(delayMs, 'delayMs');
    const timer: PendingTimer = { dueMs: this.nowMs + delayMs, fire };
    this.pending.splice(this.insertionIndex(timer.dueMs), 0, timer);
    return {
      cancel: () => {
        const index = this.pending.indexOf(timer);
        if (index >= 0) this.pending.splice(index, 1);
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, with
   * monotonicMs() reading each timer's due time while it fires. Timers set by a firing timer
   * fire in the same call if they fall due within it. If a timer throws, the error propagates
   * and time stops at that timer; the rest stay pending.
   */
  advance(ms: number): void {
    checkDelay(ms, 'ms');
    const targetMs = this.nowMs + ms;
    for (let next = this.pending[0]; next && next.dueMs <= targetMs; next = this.pending[0]) {
      this.pending.shift();
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fire();
    }
    // A nested advance() from inside a timer may already have gone further.
    this.nowMs = Math.max(this.nowMs, targetMs);
  }

  private insertionIndex(dueMs: number): number {
    let low = 0;
    let high = this.pending.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.pending[middle]?.dueMs ?? Infinity) <= dueMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function checkDelay(value: number, what: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new FairwayError('invalid-argument', `${what} must be a finite, non-negative number of milliseconds, got ${value}`);
  }
}
