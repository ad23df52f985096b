/**
 * SimClock: virtual time for a simulation, and the driver that moves it.
 *
 * Time stands still while the program works and jumps from one timer to the next when the program
 * has nothing left to do, so a fleet of terminals spends minutes of radio time in milliseconds of
 * CPU, and no real timer ever decides an outcome. `runUntil` alternates two steps:
 *
 * 1. settle(): let the event loop run (microtasks, process.nextTick, setImmediate chains — aedes
 *    and Node streams hop through those) until it is quiet: no tracked outside work pending, and
 *    QUIET_ROUNDS consecutive setImmediate rounds in which no timer was set or cancelled, no link
 *    moved a byte (`noteActivity`) and no tracked work started or ended.
 * 2. jump to the earliest timer's due time and fire that one timer (ties in set order, by
 *    TimerQueue), then settle again — so a timer's consequences have played out before the next
 *    timer fires, even one due at the same instant.
 *
 * Why a fixed number of quiet rounds is deterministic: with no real I/O in the loop (the broker's
 * TCP port idle, no file or thread-pool work — or that work tracked), the same program runs the
 * same callbacks in the same order, so the round at which settle() gives up is the same on every
 * run, whatever the machine's speed. K only decides how faithful the model is (whether a reply that
 * takes more than K hops of setImmediate without touching a timer or a link is still computed "at
 * once"); it never makes two runs differ. Measured against the real broker: its CONNECT → CONNACK
 * chain needs K ≥ 2 (with K = 1 time jumps to the client's 10 s CONNACK timeout first), and every
 * K from 2 to 64 gives the same virtual timestamps; 8 leaves a wide margin for longer chains
 * (a store handler's awaits) and costs a few microseconds per round. Work that leaves the thread
 * (worker threads, the thread pool) is not covered by any K: `track` it or report it via `isBusy`.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Clock, Timer } from '../../sdk/hal/clock.js';
import { checkDelayMs, TimerQueue } from '../../sdk/hal/timer-queue.js';

/** K: consecutive setImmediate rounds without activity after which the loop counts as quiet. */
export const QUIET_ROUNDS = 8;

/** 2025-01-01T00:00:00Z: a fixed instant, since a simulation may not read the host's clock. */
export const DEFAULT_START_WALL_MS = 1_735_689_600_000;

export interface SimClockOptions {
  /** wallMs() at virtual time 0. Default DEFAULT_START_WALL_MS. */
  startWallMs?: number;
  /** K, for experiments; default QUIET_ROUNDS. */
  quietRounds?: number;
  /**
   * Outside work the clock cannot hold as a promise (requests on libuv's thread pool, counted by
   * async hooks): while it returns true the loop is not quiet and time does not move.
   */
  isBusy?: () => boolean;
}

/** Where runUntil stopped: at `atMs`, because `until()` held, or with nothing left to happen. */
export type RunStop = 'reached' | 'condition' | 'idle';

export interface RunUntilOptions {
  /** Stop when the next timer is due after this virtual time; time is then exactly atMs. */
  atMs?: number;
  /** Checked each time the loop is quiet; true stops the run. */
  until?: () => boolean;
}

export class SimClock implements Clock {
  private nowMs = 0;
  private readonly startWallMs: number;
  private readonly quietRounds: number;
  private readonly isBusy: (() => boolean) | undefined;
  private readonly pending = new TimerQueue();
  private readonly tracked = new Set<Promise<void>>();
  /** Bumped by everything that counts as the program still working. */
  private activity = 0;
  private running = false;

  constructor(options: SimClockOptions = {}) {
    this.startWallMs = options.startWallMs ?? DEFAULT_START_WALL_MS;
    if (!Number.isSafeInteger(this.startWallMs) || this.startWallMs < 0) {
      throw new FairwayError('invalid-argument', `startWallMs must be a whole number of ms since the epoch, got ${this.startWallMs}`);
    }
    this.quietRounds = options.quietRounds ?? QUIET_ROUNDS;
    if (!Number.isSafeInteger(this.quietRounds) || this.quietRounds < 1) {
      throw new FairwayError('invalid-argument', `quietRounds must be a whole number ≥ 1, got ${this.quietRounds}`);
    }
    this.isBusy = options.isBusy;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  wallMs(): number {
    // Wire timestamps are whole milliseconds; the radio model's times are not.
    return Math.floor(this.startWallMs + this.nowMs);
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    checkDelayMs(delayMs, 'delayMs');
    // Due times are whole milliseconds, as on a real clock: the radio model's fractional delays
    // would otherwise let code that compares elapsed times (now − then ≥ period) see a float a
    // hair short of the period and re-arm a zero-length timer forever.
    const timer = this.pending.add(Math.ceil(this.nowMs + delayMs), fire);
    this.activity++;
    return {
      cancel: () => {
        if (this.pending.remove(timer)) this.activity++;
      },
    };
  }

  /** Timers waiting to fire. */
  get pendingTimerCount(): number {
    return this.pending.size;
  }

  /** The due time of the earliest pending timer, if any. */
  get nextDueMs(): number | undefined {
    return this.pending.peek()?.dueMs;
  }

  /** Tracked outside work not yet finished. */
  get trackedCount(): number {
    return this.tracked.size;
  }

  /** Tells the driver the program is still working (a link moved bytes): the quiet count restarts. */
  noteActivity(): void {
    this.activity++;
  }

  /**
   * Registers outside work (a worker thread playing a cartridge, a file read) that must finish
   * before time may move. Returns `work` itself; its outcome is the caller's to handle.
   */
  track<T>(work: Promise<T>): Promise<T> {
    const entry: Promise<void> = work.then(
      () => this.untrack(entry),
      () => this.untrack(entry),
    );
    this.tracked.add(entry);
    this.activity++;
    return work;
  }

  /** Lets the event loop run until it is quiet (see the header). Does not move time. */
  async settle(): Promise<void> {
    let quiet = 0;
    let seen = this.activity;
    for (;;) {
      if (this.tracked.size > 0) {
        // Outside work lands when real time says so; wait for it rather than spin.
        await Promise.race(this.tracked);
        quiet = 0;
        seen = this.activity;
        continue;
      }
      await nextRound();
      if (this.activity !== seen || this.tracked.size > 0 || this.isBusy?.() === true) {
        seen = this.activity;
        quiet = 0;
        continue;
      }
      if (++quiet >= this.quietRounds) return;
    }
  }

  /**
   * Runs the simulation: settle, check the stop conditions, fire the next timer, repeat. With
   * neither `atMs` nor `until` it runs until nothing is left to happen. A timer that throws stops
   * the run with its error, time standing at that timer. One run at a time.
   */
  async runUntil(stop: RunUntilOptions = {}): Promise<RunStop> {
    const { atMs, until } = stop;
    if (atMs !== undefined && (!Number.isFinite(atMs) || atMs < this.nowMs)) {
      throw new FairwayError('invalid-argument', `atMs must be a finite time not before now (${this.nowMs}), got ${atMs}`);
    }
    if (this.running) throw new FairwayError('invalid-argument', 'the clock is already running');
    this.running = true;
    try {
      for (;;) {
        await this.settle();
        if (until?.() === true) return 'condition';
        const next = this.pending.peek();
        if (!next || (atMs !== undefined && next.dueMs > atMs)) {
          if (atMs === undefined) return 'idle';
          this.nowMs = atMs;
          return 'reached';
        }
        this.nowMs = Math.max(this.nowMs, next.dueMs);
        this.pending.takeDue(this.nowMs)?.fire();
      }
    } finally {
      this.running = false;
    }
  }

  /** Lets `ms` of virtual time pass, firing what falls due (the conformance kit's `advance`). */
  async advance(ms: number): Promise<void> {
    checkDelayMs(ms, 'ms');
    await this.runUntil({ atMs: this.nowMs + ms });
  }

  private untrack(entry: Promise<void>): void {
    this.tracked.delete(entry);
    this.activity++;
  }
}

function nextRound(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
