/**
 * Limits guessing (logins, prepaid card passwords) per key: after `maxFailures` failures within
 * `windowMs`, further attempts are refused until the window since the first failure passes.
 * A success clears the key. Time comes from the caller, so tests need no real clock.
 */
interface Record {
  failures: number;
  windowStartMs: number;
}

export class AttemptLimiter {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    /** Keys remembered at most: a guesser cycling through ids must not grow memory without bound. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds to wait before another attempt, or 0 when one is allowed now. */
  retryAfterMs(key: string, nowMs: number): number {
    const record = this.records.get(key);
    if (!record) return 0;
    if (nowMs - record.windowStartMs >= this.windowMs) {
      this.records.delete(key);
      return 0;
    }
    return record.failures >= this.maxFailures ? record.windowStartMs + this.windowMs - nowMs : 0;
  }

  failed(key: string, nowMs: number): void {
    const record = this.records.get(key);
    if (record && nowMs - record.windowStartMs < this.windowMs) {
      record.failures++;
      return;
    }
    // Re-inserted at the end, so the map stays ordered by window start and pruning stops early.
    this.records.delete(key);
    this.records.set(key, { failures: 1, windowStartMs: nowMs });
    for (const [oldKey, old] of this.records) {
      if (this.records.size <= this.maxKeys && nowMs - old.windowStartMs < this.windowMs) break;
      this.records.delete(oldKey);
    }
  }

  get size(): number {
    return this.records.size;
  }

  succeeded(key: string): void {
    this.records.delete(key);
  }

  /** Gives back one counted failure (an attempt that turned out to guess nothing). */
  refund(key: string): void {
    const record = this.records.get(key);
    if (!record) return;
    if (record.failures <= 1) this.records.delete(key);
    else record.failures--;
  }
}
