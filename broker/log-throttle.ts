/**
 * One log line a second for a flood, not one per event: a connect storm or a connection flood
 * would otherwise bury the log (and cost the store the writing). The line that gets through
 * says how many events were held back since the last one.
 */
export class LogThrottle {
  private lastLoggedMs = Number.NEGATIVE_INFINITY;
  private heldBack = 0;

  constructor(
    private readonly nowMs: () => number,
    private readonly intervalMs = 1_000,
  ) {}

  /** Calls `log` with the number of events held back since the last line, or holds this one back. */
  event(log: (heldBack: number) => void): void {
    const now = this.nowMs();
    if (now - this.lastLoggedMs < this.intervalMs) {
      this.heldBack++;
      return;
    }
    this.lastLoggedMs = now;
    const heldBack = this.heldBack;
    this.heldBack = 0;
    log(heldBack);
  }
}
