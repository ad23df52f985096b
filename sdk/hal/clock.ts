/**
 * Clock: time and timers [FW-11.4].
 *
 * Deadlines and measured durations use the monotonic clock; only wire timestamps (credential
 * time, receipt time, hold expiry) use the wall clock, which may jump.
 */
export interface Timer {
  /** Idempotent; cancelling a timer that has fired does nothing. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  monotonicMs(): number;
  /** Milliseconds since the Unix epoch, as well as the device knows it. */
  wallMs(): number;
  /**
   * Calls `fire` once, no sooner than `delayMs` from now. Timers due at the same time fire in
   * the order they were set. A negative delay → invalid-argument.
   */
  setTimer(delayMs: number, fire: () => void): Timer;
}
