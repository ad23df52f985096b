/**
 * KeepAlive: the client half of MQTT keep-alive (§3.1.2.10). A PINGREQ goes out whenever
 * nothing else was sent for the keep-alive period [MQTT-3.1.2-23]; if nothing at all comes back
 * within 1.5 × that period after a ping, the broker (or the path to it) is taken for dead —
 * the same allowance the broker gives us [FW-2.3].
 *
 * One timer is armed at a time and re-armed lazily when it fires, so the thousands of sends of
 * a busy connection cost a clock read each, not a timer each.
 */
import type { Clock, Timer } from '../hal/clock.js';

export interface KeepAliveActions {
  /** Send a PINGREQ (which also counts as a send). */
  ping(): void;
  /** Nothing came back in time after a ping. */
  expire(): void;
}

export class KeepAlive {
  private lastSentMs: number;
  private idleTimer: Timer | undefined;
  private answerDeadline: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly actions: KeepAliveActions,
  ) {
    this.lastSentMs = clock.monotonicMs();
  }

  /** Starts watching; the period counts from the last send noted. */
  start(): void {
    if (this.stopped || this.idleTimer) return;
    this.armIdleTimer();
  }

  noteSent(): void {
    this.lastSentMs = this.clock.monotonicMs();
  }

  /** Any packet from the broker shows it is alive. */
  noteReceived(): void {
    this.answerDeadline?.cancel();
    this.answerDeadline = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.idleTimer?.cancel();
    this.answerDeadline?.cancel();
    this.idleTimer = undefined;
    this.answerDeadline = undefined;
  }

  private armIdleTimer(): void {
    const idleMs = this.clock.monotonicMs() - this.lastSentMs;
    this.idleTimer = this.clock.setTimer(Math.max(0, this.periodMs - idleMs), () => this.onIdleTimer());
  }

  private onIdleTimer(): void {
    this.idleTimer = undefined;
    if (this.stopped) return;
    if (this.clock.monotonicMs() - this.lastSentMs >= this.periodMs) {
      // A ping while an earlier one is unanswered keeps the earlier deadline: it is the older silence.
      this.answerDeadline ??= this.clock.setTimer(this.periodMs * 1.5, () => this.onAnswerOverdue());
      this.actions.ping();
      if (this.stopped) return;
      this.noteSent();
    }
    this.armIdleTimer();
  }

  private onAnswerOverdue(): void {
    this.answerDeadline = undefined;
    if (!this.stopped) this.actions.expire();
  }
}
