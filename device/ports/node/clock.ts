/**
 * SystemClock: the Clock on the host's clocks (performance.now for monotonic time, Date.now for
 * wall time). Timers are kept in one queue ordered by due time behind a single node timer, because
 * node's own timers round to whole milliseconds of loop time: they can fire a fraction of a
 * millisecond early and do not promise the due-then-set order the contract asks for.
 */
import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from '../../../sdk/hal/clock.js';
import { checkDelayMs, TimerQueue } from '../../../sdk/hal/timer-queue.js';

export class SystemClock implements Clock {
  private readonly pending = new TimerQueue();
  private wakeUp: NodeJS.Timeout | undefined;
  private wakeUpAtMs = Number.POSITIVE_INFINITY;

  monotonicMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    checkDelayMs(delayMs, 'delayMs');
    const timer = this.pending.add(performance.now() + delayMs, fire);
    this.scheduleWakeUp();
    return {
      cancel: () => {
        if (this.pending.remove(timer)) this.scheduleWakeUp();
      },
    };
  }

  /** Keeps exactly one node timer armed, for the earliest pending timer. */
  private scheduleWakeUp(): void {
    const next = this.pending.peek();
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
      for (let next = this.pending.takeDue(performance.now()); next; next = this.pending.takeDue(performance.now())) next.fire();
    } finally {
      this.scheduleWakeUp();
    }
  }
}
