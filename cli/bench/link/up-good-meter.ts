/**
 * Measures the time a radio link could have carried data: a connection open (up) and the
 * Gilbert–Elliott channel in its good state, over a span of virtual time. RadioLink.stats()
 * only gives running totals (up time, bad time), and their intersection is what counts, so the
 * meter samples them at every channel step boundary: the channel's state is constant within a
 * step, so in each sampled interval either all of the up time was good or none of it was.
 */
import type { Timer } from '../../../sdk/hal/clock.js';
import type { RadioLink, SimClock } from '../../../sim/hal/index.js';

export class UpGoodMeter {
  private lastUpMs = 0;
  private lastBadMs = 0;
  private lastAtMs = 0;
  private upMs = 0;
  private goodUpMs = 0;
  private timer: Timer | null = null;
  private running = false;

  constructor(
    private readonly link: RadioLink,
    private readonly time: SimClock,
    /** When the link's channel started: its steps are counted from here. */
    private readonly originMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.take();
    this.armNext();
  }

  stop(): void {
    if (!this.running) return;
    this.sample();
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  /** Up time while the meter ran. */
  get upTimeMs(): number {
    return this.upMs;
  }

  /** Up time with the channel good while the meter ran: the link's usable time. */
  get goodUpTimeMs(): number {
    return this.goodUpMs;
  }

  private armNext(): void {
    const stepMs = this.link.profile.stepMs;
    const nowMs = this.time.monotonicMs();
    const nextBoundaryMs = this.originMs + (Math.floor((nowMs - this.originMs) / stepMs) + 1) * stepMs;
    this.timer = this.time.setTimer(nextBoundaryMs - nowMs, () => {
      if (!this.running) return;
      this.sample();
      this.armNext();
    });
  }

  private sample(): void {
    const before = { upMs: this.lastUpMs, badMs: this.lastBadMs, atMs: this.lastAtMs };
    this.take();
    const spanMs = this.lastAtMs - before.atMs;
    const upMs = this.lastUpMs - before.upMs;
    const badMs = this.lastBadMs - before.badMs;
    this.upMs += upMs;
    // Within one step the channel was bad throughout (badMs ≈ spanMs) or good throughout (0).
    if (spanMs > 0 && badMs < spanMs / 2) this.goodUpMs += upMs;
  }

  private take(): void {
    const stats = this.link.stats();
    this.lastUpMs = stats.upTimeMs;
    this.lastBadMs = stats.badStateMs;
    this.lastAtMs = this.time.monotonicMs();
  }
}
