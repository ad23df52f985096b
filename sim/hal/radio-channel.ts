/**
 * The radio channel's good/bad state over time: a Gilbert–Elliott two-state Markov chain with one
 * transition per `stepMs`. In the good state the radio carries bytes; in the bad state it carries
 * nothing (a stall — TCP over a radio turns loss into retransmission delay, never into missing
 * bytes). From good the chain enters bad with `enterProbability` per step, from bad it leaves with
 * `exitProbability`; over a long run it is bad a share enter / (enter + exit) of the time, and a
 * stall lasts stepMs / exit on average.
 *
 * The chain is drawn lazily, step by step in order, from its own random stream and only as far as
 * a question needs. It is a fixed function of the stream, however and whenever it is asked, so
 * deliveries scheduled into the future (a byte's arrival time is worked out when it is written)
 * stay deterministic — and an idle radio costs neither timers nor draws.
 */
import type { SimRandom } from './random.js';

/** Completed spans kept before the ones already in the past are folded into the totals. */
const SPANS_KEPT = 64;

interface BadSpan {
  startMs: number;
  endMs: number;
}

export interface ChannelStats {
  /** Bad spans begun by `untilMs`. */
  stalls: number;
  /** Time spent bad by `untilMs`. */
  badStateMs: number;
}

export class GilbertElliottChannel {
  /** Steps [0, drawnSteps) have a state. */
  private drawnSteps = 0;
  private lastBad = false;
  /** Completed bad spans not yet folded into the totals, in time order. */
  private readonly spans: BadSpan[] = [];
  /** Start of the bad span still running at the end of what has been drawn. */
  private openSpanStartMs: number | undefined;
  private foldedStalls = 0;
  private foldedBadMs = 0;
  private foldedUntilMs: number;

  constructor(
    /** The present: nothing is ever asked about times before it, so spans that ended by then can be folded. */
    private readonly now: () => number,
    private readonly originMs: number,
    private readonly stepMs: number,
    private readonly enterProbability: number,
    private readonly exitProbability: number,
    private readonly random: SimRandom,
  ) {
    this.foldedUntilMs = originMs;
  }

  /** True when the chain can never be bad: every question then has a trivial answer and draws nothing. */
  private get alwaysGood(): boolean {
    return this.enterProbability === 0;
  }

  isBad(atMs: number): boolean {
    if (this.alwaysGood) return false;
    return this.stateOfStep(this.stepIndex(atMs));
  }

  /** `atMs` itself when the channel is good then, otherwise the end of the stall it falls in. */
  firstGoodAtOrAfter(atMs: number): number {
    if (this.alwaysGood) return atMs;
    let step = this.stepIndex(atMs);
    if (!this.stateOfStep(step)) return atMs;
    while (this.stateOfStep(step)) step++;
    return this.stepStartMs(step);
  }

  /**
   * When `goodMs` of good time, counted from `startMs`, will have passed: the moment a transmission
   * that needs that much radio time ends, pausing through stalls.
   */
  goodTimeEnd(startMs: number, goodMs: number): number {
    if (this.alwaysGood) return startMs + goodMs;
    let at = this.firstGoodAtOrAfter(startMs);
    let remainingMs = goodMs;
    for (;;) {
      const stepEndMs = this.stepStartMs(this.stepIndex(at) + 1);
      if (at + remainingMs <= stepEndMs) return at + remainingMs;
      remainingMs -= stepEndMs - at;
      at = this.firstGoodAtOrAfter(stepEndMs);
    }
  }

  /** Stalls begun and time spent bad from the origin until `untilMs` (not before earlier queries). */
  stats(untilMs: number): ChannelStats {
    if (this.alwaysGood) return { stalls: 0, badStateMs: 0 };
    this.stateOfStep(this.stepIndex(untilMs));
    this.fold(untilMs);
    let stalls = this.foldedStalls;
    let badStateMs = this.foldedBadMs;
    const running = [...this.spans];
    if (this.openSpanStartMs !== undefined) running.push({ startMs: this.openSpanStartMs, endMs: Number.POSITIVE_INFINITY });
    for (const span of running) {
      if (span.startMs >= untilMs) break;
      stalls++;
      badStateMs += Math.min(span.endMs, untilMs) - span.startMs;
    }
    return { stalls, badStateMs };
  }

  /**
   * Adds spans that ended by `untilMs` to the totals and forgets them, so a long run keeps only the
   * spans still ahead. Questions are never asked about the past, so nothing needs them again.
   */
  private fold(untilMs: number): void {
    if (untilMs <= this.foldedUntilMs) return;
    while (this.spans.length > 0 && (this.spans[0] as BadSpan).endMs <= untilMs) {
      const span = this.spans.shift() as BadSpan;
      this.foldedStalls++;
      this.foldedBadMs += span.endMs - span.startMs;
    }
    this.foldedUntilMs = untilMs;
  }

  private stepIndex(atMs: number): number {
    return Math.max(0, Math.floor((atMs - this.originMs) / this.stepMs));
  }

  private stepStartMs(step: number): number {
    return this.originMs + step * this.stepMs;
  }

  /** The state of `step`, drawing the chain up to it if need be. */
  private stateOfStep(step: number): boolean {
    while (this.drawnSteps <= step) this.drawStep();
    // Steps already drawn: bad exactly when inside a span (or the open one).
    const atMs = this.stepStartMs(step);
    if (this.openSpanStartMs !== undefined && atMs >= this.openSpanStartMs) return true;
    for (let i = this.spans.length - 1; i >= 0; i--) {
      const span = this.spans[i] as BadSpan;
      if (atMs >= span.endMs) return false;
      if (atMs >= span.startMs) return true;
    }
    return false;
  }

  private drawStep(): void {
    const bad = this.lastBad ? !this.random.chance(this.exitProbability) : this.random.chance(this.enterProbability);
    const atMs = this.stepStartMs(this.drawnSteps);
    if (bad && !this.lastBad) this.openSpanStartMs = atMs;
    if (!bad && this.lastBad && this.openSpanStartMs !== undefined) {
      this.spans.push({ startMs: this.openSpanStartMs, endMs: atMs });
      this.openSpanStartMs = undefined;
      if (this.spans.length > SPANS_KEPT) this.fold(this.now());
    }
    this.lastBad = bad;
    this.drawnSteps++;
  }
}
