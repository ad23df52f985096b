/**
 * SystemClock: the Clock on the host's clocks (performance.now for monotonic time, Date.now for
 * wall time). Timers are kept in one queue ordered by due time behind a single node timer, because
 * node's own timers round to whole milliseconds of loop time: they can fire a fraction of a
 * millisecond early and do not promise the due-then-set order the contract asks for.
 */
import { performance } from 'node:perf_hooks';
import { FairwayError } from '../../../sdk/errors.js';
import type { Clock, Timer } from '../../../sdk/hal/clock.js';

interface PendingTimer {
  dueMs: number;
  fire: () => void;
}

export class SystemClock implements Clock {
  /** Sorted by due time; a timer due together with others goes after them, keeping set order. */
  private readonly pending: PendingTimer[] = [];
  private wakeUp: NodeJS.Timeout | undefined;
  private wakeUpAtMs = Number.POSITIVE_INFINITY;

  monotonicMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new FairwayError('invalid-argument', `delayMs must be a finite, non-negative number, got ${delayMs}`);
    }
    const timer: PendingTimer = { dueMs: performance.now() + delayMs, fire };
    this.pending.splice(this.insertionIndex(timer.dueMs), 0, timer);
    this.scheduleWakeUp();
    return {
      cancel: () => {
        const index = this.pending.indexOf(timer);
        if (index < 0) return;
        this.pending.splice(index, 1);
        this.scheduleWakeUp();
      },
    };
  }

  /** Keeps exactly one node timer armed, for the earliest pending timer. */
  private scheduleWakeUp(): void {
    const next = this.pending[0];
    if (next && this.wakeUp && this.wakeUpAtMs === next.dueMs) return;
    clearTimeout(this.wakeUp);
    this.wakeUp = undefined;
    this.wakeUpAtMs = Number.POSITIVE_INFINITY;
    if (!next) return;
    this.wakeUpAtMs = next.dueMs;
    this.wakeUp = setTimeout(() => this.fireDue(), Math.max(0, Math.ceil(next.dueMs - performance.now())));
  }

  private fireDue(): void {
    this.wakeUp = undefined;
    try {
      // Due is judged by performance.now, so a node timer that woke early fires nothing yet.
      for (let next = this.pending[0]; next && next.dueMs <= performance.now(); next = this.pending[0]) {
        this.pending.shift();
        next.fire();
      }
    } finally {
      this.scheduleWakeUp();
    }
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
