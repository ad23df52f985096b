/**
 * The ordering rule of Clock.setTimer, shared by every Clock implementation: timers fire by
 * due time, and timers due together fire in the order they were set [FW-11.4]. A port wraps
 * one of these around its single hardware (or host) timer.
 */
import { FairwayError } from '../errors.js';

export interface QueuedTimer {
  readonly dueMs: number;
  readonly fire: () => void;
}

export class TimerQueue {
  /** Sorted by due time; a timer due together with others goes after them, keeping set order. */
  private readonly pending: QueuedTimer[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(dueMs: number, fire: () => void): QueuedTimer {
    const timer: QueuedTimer = { dueMs, fire };
    this.pending.splice(this.insertionIndex(dueMs), 0, timer);
    return timer;
  }

  /** False when the timer already fired or was removed. */
  remove(timer: QueuedTimer): boolean {
    const index = this.pending.indexOf(timer);
    if (index < 0) return false;
    this.pending.splice(index, 1);
    return true;
  }

  /** The earliest timer, left in place. */
  peek(): QueuedTimer | undefined {
    return this.pending[0];
  }

  /** Takes the earliest timer if it is due at `nowMs`. */
  takeDue(nowMs: number): QueuedTimer | undefined {
    const next = this.pending[0];
    if (!next || next.dueMs > nowMs) return undefined;
    this.pending.shift();
    return next;
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

/** Delays are finite, non-negative milliseconds; anything else is invalid-argument. */
export function checkDelayMs(value: number, what: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new FairwayError('invalid-argument', `${what} must be a finite, non-negative number of milliseconds, got ${value}`);
  }
}
