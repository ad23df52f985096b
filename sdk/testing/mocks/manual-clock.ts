/**
 * ManualClock: a Clock whose time moves only when advance() is called, so tests and the simulator
 * run timeouts and retries deterministically and instantly.
 */
import type { Clock, Timer } from '../../hal/clock.js';
import { checkDelayMs, TimerQueue } from '../../hal/timer-queue.js';

export interface ManualClockOptions {
  /** Where monotonicMs starts. */
  monotonicStartMs?: number;
  /** Where wallMs starts; any fixed instant will do, since the SDK may not read the host's clock. */
  wallStartMs?: number;
}

/** 2025-01-01T00:00:00Z */
const DEFAULT_WALL_START_MS = 1_735_689_600_000;

export class ManualClock implements Clock {
  private nowMs: number;
  private wallOffsetMs: number;
  private readonly pending = new TimerQueue();

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
    return this.pending.size;
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    checkDelayMs(delayMs, 'delayMs');
    const timer = this.pending.add(this.nowMs + delayMs, fire);
    return { cancel: () => void this.pending.remove(timer) };
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, with
   * monotonicMs() reading each timer's due time while it fires. Timers set by a firing timer
   * fire in the same call if they fall due within it. If a timer throws, the error propagates
   * and time stops at that timer; the rest stay pending.
   */
  advance(ms: number): void {
    checkDelayMs(ms, 'ms');
    const targetMs = this.nowMs + ms;
    for (let next = this.pending.takeDue(targetMs); next; next = this.pending.takeDue(targetMs)) {
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fire();
    }
    // A nested advance() from inside a timer may already have gone further.
    this.nowMs = Math.max(this.nowMs, targetMs);
  }
}
