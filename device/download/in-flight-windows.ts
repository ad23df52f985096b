/**
 * The window requests a download has sent and not yet settled: which chunks each still waits
 * for, and when it gives up on them. A chunk index is in at most one live window, so an
 * arriving chunk finds its window without the request id (chunks are kept whatever their `r`
 * [FW-7.4.3]). Arrivals and expiries feed the WindowController, whose header explains the gap
 * and grace rules applied here; sizes and timeouts are its business.
 *
 * Memory: a few words per chunk in flight, bounded by the window (never by the part's size).
 */
import type { WindowController } from './window-controller.js';

/** What a window's deadline stands for: its timeout, or the grace after later chunks came. */
export type DeadlineCause = 'timeout' | 'gap';

export interface LiveWindow {
  readonly id: number;
  /** Ascending chunk indexes the request named. */
  readonly indexes: readonly number[];
  readonly sentAtMs: number;
  deadlineMs: number;
  cause: DeadlineCause;
  /** Chunks not arrived yet. */
  readonly pending: Set<number>;
  /** Chunks asked for before this request too: their arrival times are no sample. */
  readonly askedBefore: ReadonlySet<number>;
  arrivals: number;
  /** The latest arrival at the highest place so far, among chunks asked for once. */
  previous?: { atMs: number; position: number };
  /** Place of the highest pending chunk (−1: none). */
  highestPending: number;
}

export class InFlightWindows {
  private readonly windows = new Map<number, LiveWindow>();
  /** Pending chunk index → its window. */
  private readonly owners = new Map<number, LiveWindow>();
  private nextId = 1;

  constructor(private readonly controller: WindowController) {}

  /** Chunks asked for and not arrived, across live windows. */
  get chunkCount(): number {
    return this.owners.size;
  }

  get windowCount(): number {
    return this.windows.size;
  }

  has(index: number): boolean {
    return this.owners.has(index);
  }

  /** Records a request just sent for these ascending indexes (none of them in flight). */
  open(indexes: readonly number[], askedBefore: ReadonlySet<number>, nowMs: number): LiveWindow {
    const window: LiveWindow = {
      id: this.nextId++,
      indexes,
      sentAtMs: nowMs,
      deadlineMs: nowMs + this.controller.timeoutMs(indexes.length, this.owners.size),
      cause: 'timeout',
      pending: new Set(indexes),
      askedBefore,
      arrivals: 0,
      highestPending: indexes.length - 1,
    };
    this.windows.set(window.id, window);
    for (const index of indexes) this.owners.set(index, window);
    return window;
  }

  /**
   * A copy of chunk `index` arrived (good or not: the link delivered it). Completes its
   * window, or starts the reorder grace for chunks it shows were passed over.
   */
  arrived(index: number, nowMs: number): void {
    const window = this.owners.get(index);
    if (!window) {
      this.controller.onArrival(nowMs, null);
      return;
    }
    this.owners.delete(index);
    window.pending.delete(index);
    const position = positionOf(window.indexes, index);
    const clean = !window.askedBefore.has(index);
    this.controller.onArrival(
      nowMs,
      clean ? { sentAtMs: window.sentAtMs, position, firstOfRequest: window.arrivals === 0, ...(window.previous ? { previous: window.previous } : {}) } : null,
    );
    window.arrivals++;
    if (clean && (!window.previous || position > window.previous.position)) window.previous = { atMs: nowMs, position };
    // A device's requests are served in order: a fresh chunk of this one passes over earlier ones.
    if (clean) for (const earlier of this.windows.values()) if (earlier.id < window.id) this.startGrace(earlier, nowMs);
    if (window.pending.size === 0) {
      this.windows.delete(window.id);
      this.controller.onWindowDelivered(window.sentAtMs, window.arrivals, nowMs);
      return;
    }
    // The link is delivering this window: it does not time out while its chunks keep coming. On
    // a slow link before anything was measured, the first timeout (2 s) is shorter than one
    // window's air time, and expiring it would ask again for chunks already on their way.
    if (window.cause === 'timeout') window.deadlineMs = Math.max(window.deadlineMs, nowMs + this.controller.timeoutMs(window.pending.size, 0));
    while (window.highestPending >= 0 && !window.pending.has(window.indexes[window.highestPending]!)) window.highestPending--;
    // The store sends in ascending order [FW-4.6.3]: everything still pending was passed over.
    if (position > window.highestPending) this.startGrace(window, nowMs);
  }

  /** Ends every window whose deadline has come; their pending chunks may be asked for again. */
  expire(nowMs: number): number {
    let expired = 0;
    for (const window of [...this.windows.values()]) {
      if (window.deadlineMs > nowMs) continue;
      this.forget(window);
      // A gap means the link kept delivering around a lost chunk; only a timeout is a stall.
      if (window.cause === 'gap') this.controller.onWindowDelivered(window.sentAtMs, window.arrivals, nowMs);
      else this.controller.onWindowTimedOut(window.sentAtMs, nowMs);
      expired++;
    }
    return expired;
  }

  /** Forgets one window (the store refused it, say) without counting a loss. */
  cancel(id: number): boolean {
    const window = this.windows.get(id);
    if (!window) return false;
    this.forget(window);
    return true;
  }

  /** Forgets every window: the link dropped and the store dropped them too. */
  clear(): void {
    this.windows.clear();
    this.owners.clear();
  }

  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const window of this.windows.values()) if (next === null || window.deadlineMs < next) next = window.deadlineMs;
    return next;
  }

  /** Gives a window's pending chunks the reorder grace, unless its deadline is sooner anyway. */
  private startGrace(window: LiveWindow, nowMs: number): void {
    if (window.cause === 'gap') return;
    const graceDeadlineMs = nowMs + this.controller.reorderGraceMs();
    if (graceDeadlineMs < window.deadlineMs) {
      window.deadlineMs = graceDeadlineMs;
      window.cause = 'gap';
    }
  }

  private forget(window: LiveWindow): void {
    this.windows.delete(window.id);
    for (const index of window.pending) this.owners.delete(index);
  }
}

/** The place of `index` in ascending `indexes` (it is there). */
function positionOf(indexes: readonly number[], index: number): number {
  let low = 0;
  let high = indexes.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (indexes[mid]! < index) low = mid + 1;
    else high = mid;
  }
  return low;
}
