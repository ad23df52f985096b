/**
 * WindowController: how many chunks a terminal keeps asked-for-and-not-yet-arrived ("in
 * flight"), and when a window request counts as lost. The wire leaves this to the terminal
 * [FW-7.3, FW-7.4.2]; this is the reference algorithm. It is pure: no clock, every event
 * carries its `nowMs`.
 *
 * The window is a flight size, as in TCP: W chunks may be in flight across all outstanding
 * `chunks.get` requests (at most `maxWindowsInFlight`, default 2). A new request names the room
 * left (W − in flight, at most the offer's windowMax), and goes out once at least a
 * 1/maxWindowsInFlight share of W has drained (or nothing is in flight, or it names every chunk
 * still askable). With two requests that means: send the next half while the last half drains.
 *
 * Measurements (RFC 6298 smoothing, α = 1/8, β = 1/4):
 * - RTT = time from sending a request to its first chunk, less the chunk slots lost before it.
 *   The reference store serves a device's requests one after another, so a request sent while
 *   another drains sees its first chunk right behind the other's last: that time is queueing,
 *   not RTT. A sample is taken only when the link was idle before the first chunk (gap since
 *   the previous arrival > 4 chunk times): Karn's rule for pipelined windows. Without it the
 *   RTT would grow with the window and the target below would chase itself upwards.
 * - Delivery rate = chunks per ms while a request is being delivered: the gap between two
 *   arrivals of the same request divided by the places between them (a lost chunk in between
 *   counts as a place), smoothed as ms per chunk. Chunks asked for more than once give no
 *   sample (which copy arrived is unknown). A sample over 4 × the estimate + 1 ms (a clock
 *   tick) is clipped there: a chunk held back by reordering behind the rest of its request would
 *   otherwise read as a link a hundred times slower and shrink the window for many rounds; a
 *   real slowdown still shows, as each clipped sample raises the estimate by up to 37 %.
 *
 * Window size:
 * - target = ceil(2 × rate × sRTT) = twice the bandwidth-delay product. The next request goes
 *   out when half the window is left in flight; it reaches its first chunk one RTT later, in
 *   which time the link delivers rate × RTT chunks: the pipe stays full iff W/2 ≥ BDP. Growing
 *   past the target only adds queueing delay, memory and chunks re-asked after a drop.
 * - W = clamp(cwnd, minWindowChunks, min(target, maxWindowChunks, windowMax × maxWindowsInFlight,
 *   ⌊maxWindowBytes / chunkBytes⌋)); the byte bound is the memory bound and always wins.
 * - cwnd starts at initialWindowChunks. A request that ended grows it: by the chunks that
 *   arrived in slow start (doubling per round), by 1 after the first timeout (additive increase).
 * - Only a timeout shrinks it, by half (multiplicative decrease), at most once per round: only a
 *   request sent after the last decrease may decrease it again (two requests hit by one fade are
 *   one stall, as in TCP's one-reduction-per-window rule). A gap — a chunk missing while later
 *   ones arrived — is not a congestion signal on a radio link: the link kept delivering, only a
 *   frame was lost. Halving on it would starve the pipe on every random loss (measured: 5 % loss
 *   took 3 × the ideal time at 300 ms RTT); the window is already bounded by the measured BDP,
 *   which is what keeps it from outgrowing the link.
 * - Gaps are found without waiting for the timeout. The store sends a request's chunks in
 *   ascending order [FW-4.6.3], and the reference store serves a device's requests in the order
 *   they came (broker/service/chunk-pump.ts). So once a request's highest chunk, or any chunk of a
 *   later request, has arrived, a chunk still pending was lost or is reordered; it is given a
 *   grace of max(minReorderGraceMs, 2 × RTT variance) and then asked again. A store that
 *   interleaved requests would only cost duplicate chunks here, never a wrong byte.
 * - A link drop restarts: cwnd back to at most initialWindowChunks with ssthresh at the old
 *   window (a quick slow start back), timeouts un-doubled, the next first chunk an RTT sample.
 *
 * Timeout of a request naming n chunks with `ahead` chunks already in flight before it:
 *   (baseTimeoutMs + sRTT + 4 × RTT variance + (n + ahead) × ms per chunk) × 2^doublings,
 *   at most maxTimeoutMs: [FW-7.4.2]'s "2 s + the window's bytes at the measured throughput",
 *   plus TCP's RTO margin, plus the chunks queued ahead of it at the store. Until a rate is
 *   measured, ms per chunk is taken at initialRateBytesPerS (a floor, 32 kbit/s by default). Each timed-out
 *   request doubles it; a request that ended with the link delivering (in full or around gaps)
 *   resets it.
 *
 * Measured on the synthetic link of test/device/download (300 ms RTT, 10 ms a chunk, 500
 * chunks), as a multiple of the ideal time (RTT + chunks sent × chunk time): clean 1.10,
 * 1 % loss 1.19, 5 % loss 1.21, 20 % loss 1.86; only lost chunks are asked for again.
 */
import { TUNABLES } from '../../sdk/config.js';
import { FairwayError } from '../../sdk/errors.js';
import { resolveDownloadConfig, type DownloadConfig } from './download-config.js';

const ALPHA = 1 / 8;
const BETA = 1 / 4;
/** A first chunk arriving within this many chunk times of the previous arrival was queued, not idle. */
const BUSY_GAP_CHUNKS = 4;
/** A spacing sample is clipped at this many times the estimate, plus one clock tick. */
const SPACING_OUTLIER_FACTOR = 4;
const CLOCK_TICK_MS = 1;
/** 2^10 × the base timeout is far past any maxTimeoutMs. */
const MAX_DOUBLINGS = 10;

export interface WindowLimits {
  /** The manifest's chunk length [FW-6.1]. */
  chunkBytes: number;
  /** The offer's windowMax: the most chunks one request may name [FW-7.3]. */
  windowMax: number;
}

/** Timing of one arriving chunk, for a chunk that was asked for exactly once. */
export interface ArrivalTiming {
  /** When its request was sent. */
  sentAtMs: number;
  /** Its place in the request's ascending index list. */
  position: number;
  /** True when no other chunk of the request has arrived before it. */
  firstOfRequest: boolean;
  /** The request's latest earlier arrival (at an earlier place), if any. */
  previous?: { atMs: number; position: number };
}

export interface WindowStats {
  /** Chunks allowed in flight now. */
  windowChunks: number;
  /** Smoothed RTT, or null before the first sample. */
  rttMs: number | null;
  rttVarMs: number | null;
  /** Smoothed delivery rate, or null before the first sample (or while chunks arrive faster than the clock ticks). */
  rateChunksPerS: number | null;
  /** The timeout a full window sent now would get. */
  timeoutMs: number;
  /** Still doubling (no timeout since the start, or growing back after a drop). */
  slowStart: boolean;
  /** How many times the timeout is currently doubled. */
  timeoutDoublings: number;
}

/**
 * Every event takes the time it happened, also where this policy does not use it, so that a
 * port can swap the policy or trace it without changing callers.
 */
export class WindowController {
  private readonly config: DownloadConfig;
  private readonly windowMax: number;
  private readonly chunkBytes: number;
  /** Every bound on W that does not depend on measurements. */
  private readonly hardCap: number;
  private cwnd: number;
  private ssthresh = Infinity;
  private srttMs: number | null = null;
  private rttVarMs = 0;
  private msPerChunk: number | null = null;
  private doublings = 0;
  private lastDecreaseMs = -Infinity;
  private lastArrivalMs: number | null = null;

  constructor(limits: WindowLimits, config: Partial<DownloadConfig> = {}) {
    const { chunkBytes, windowMax } = limits;
    if (!Number.isInteger(chunkBytes) || chunkBytes < TUNABLES.chunkBytes.min || chunkBytes > TUNABLES.chunkBytes.max) {
      throw new FairwayError('out-of-range', `chunkBytes must be an integer in ${TUNABLES.chunkBytes.min}..${TUNABLES.chunkBytes.max}`, 'chunkBytes');
    }
    if (!Number.isInteger(windowMax) || windowMax < TUNABLES.maxWindowChunks.min || windowMax > TUNABLES.maxWindowChunks.max) {
      throw new FairwayError('out-of-range', `windowMax must be an integer in ${TUNABLES.maxWindowChunks.min}..${TUNABLES.maxWindowChunks.max}`, 'windowMax');
    }
    this.config = resolveDownloadConfig(config);
    this.windowMax = windowMax;
    this.chunkBytes = chunkBytes;
    this.hardCap = Math.min(
      this.config.maxWindowChunks,
      windowMax * this.config.maxWindowsInFlight,
      Math.floor(this.config.maxWindowBytes / chunkBytes),
    );
    this.cwnd = this.config.initialWindowChunks;
  }

  /** Chunks allowed in flight now, across all outstanding requests. */
  windowChunks(): number {
    return this.clamp(this.cwnd);
  }

  /**
   * How many chunks the next request should name, or 0 to wait: given the chunks and requests
   * in flight and how many chunks could be asked for (missing, not in flight).
   */
  nextRequestChunks(inFlightChunks: number, windowsInFlight: number, askableChunks: number): number {
    if (windowsInFlight >= this.config.maxWindowsInFlight || askableChunks <= 0) return 0;
    const window = this.windowChunks();
    const n = Math.min(window - inFlightChunks, this.windowMax, askableChunks);
    if (n <= 0) return 0;
    const share = Math.min(Math.ceil(window / this.config.maxWindowsInFlight), this.windowMax);
    return inFlightChunks === 0 || n === askableChunks || n >= share ? n : 0;
  }

  /** How long a request naming `chunks`, sent behind `aheadChunks` still in flight, may take. */
  timeoutMs(chunks: number, aheadChunks = 0): number {
    const rttMs = this.srttMs === null ? 0 : this.srttMs + 4 * this.rttVarMs;
    // Before a rate is measured the chunks' air time is taken at a floor rate: a first window on a
    // 64 kbit/s radio needs 2 s per 16 KiB chunk, and expiring it early only asks again for
    // chunks already on their way (whose copies then give no samples either).
    const msPerChunk = this.msPerChunk ?? (this.chunkBytes * 1000) / this.config.initialRateBytesPerS;
    const deliveryMs = (chunks + aheadChunks) * msPerChunk;
    const timeoutMs = (this.config.baseTimeoutMs + rttMs + deliveryMs) * 2 ** this.doublings;
    return Math.min(this.config.maxTimeoutMs, Math.ceil(timeoutMs));
  }

  /** How long chunks passed over by a later arrival may still turn up before they are asked again. */
  reorderGraceMs(): number {
    return Math.max(this.config.minReorderGraceMs, Math.ceil(2 * this.rttVarMs));
  }

  /**
   * A chunk arrived. `timing` is null when its request is unknown (a late copy of an expired
   * request) or it was asked for more than once: it then only marks the link busy.
   */
  onArrival(nowMs: number, timing: ArrivalTiming | null): void {
    if (timing) {
      const { previous } = timing;
      if (previous && timing.position > previous.position) {
        this.sampleSpacing((nowMs - previous.atMs) / (timing.position - previous.position));
      } else if (timing.firstOfRequest && this.linkWasIdle(nowMs)) {
        this.sampleRtt(nowMs - timing.sentAtMs - timing.position * (this.msPerChunk ?? 0));
      }
    }
    this.lastArrivalMs = this.lastArrivalMs === null ? nowMs : Math.max(this.lastArrivalMs, nowMs);
  }

  /**
   * A request ended with the link delivering: every chunk arrived, or all but some passed over
   * (gaps). Grows the window and un-doubles the timeout.
   */
  onWindowDelivered(sentAtMs: number, arrivedChunks: number, nowMs: number): void {
    this.doublings = 0;
    this.cwnd += this.cwnd < this.ssthresh ? arrivedChunks : 1;
    this.cwnd = this.clamp(this.cwnd);
  }

  /** A request timed out (the link stalled): halve the window, once per round, and double the timeout. */
  onWindowTimedOut(sentAtMs: number, nowMs: number): void {
    this.doublings = Math.min(this.doublings + 1, MAX_DOUBLINGS);
    if (sentAtMs > this.lastDecreaseMs) {
      this.ssthresh = Math.max(this.config.minWindowChunks, Math.floor(this.windowChunks() / 2));
      this.cwnd = this.ssthresh;
      this.lastDecreaseMs = nowMs;
    }
  }

  /** The link dropped: what was in flight is gone and the next connection starts afresh. */
  onLinkDrop(nowMs: number): void {
    this.ssthresh = Math.max(this.config.minWindowChunks, this.windowChunks());
    this.cwnd = Math.min(this.cwnd, this.config.initialWindowChunks);
    this.doublings = 0;
    this.lastArrivalMs = null;
    this.lastDecreaseMs = -Infinity;
  }

  stats(): WindowStats {
    const windowChunks = this.windowChunks();
    return {
      windowChunks,
      rttMs: this.srttMs,
      rttVarMs: this.srttMs === null ? null : this.rttVarMs,
      rateChunksPerS: this.msPerChunk !== null && this.msPerChunk > 0 ? 1000 / this.msPerChunk : null,
      timeoutMs: this.timeoutMs(windowChunks),
      slowStart: this.cwnd < this.ssthresh,
      timeoutDoublings: this.doublings,
    };
  }

  /** Twice the bandwidth-delay product in chunks, or Infinity until both are measured. */
  private targetChunks(): number {
    if (this.srttMs === null || this.msPerChunk === null || this.msPerChunk <= 0) return Infinity;
    return Math.ceil((2 * this.srttMs) / this.msPerChunk);
  }

  private clamp(chunks: number): number {
    const upper = Math.min(this.hardCap, this.targetChunks());
    return Math.min(this.hardCap, Math.max(this.config.minWindowChunks, Math.floor(Math.min(chunks, upper))));
  }

  private linkWasIdle(nowMs: number): boolean {
    if (this.lastArrivalMs === null) return true;
    return nowMs - this.lastArrivalMs > BUSY_GAP_CHUNKS * (this.msPerChunk ?? 0);
  }

  private sampleRtt(sampleMs: number): void {
    const rttMs = Math.max(0, sampleMs);
    if (this.srttMs === null) {
      this.srttMs = rttMs;
      this.rttVarMs = rttMs / 2;
      return;
    }
    this.rttVarMs = (1 - BETA) * this.rttVarMs + BETA * Math.abs(this.srttMs - rttMs);
    this.srttMs = (1 - ALPHA) * this.srttMs + ALPHA * rttMs;
  }

  private sampleSpacing(msPerChunk: number): void {
    if (this.msPerChunk === null) {
      this.msPerChunk = Math.max(0, msPerChunk);
      return;
    }
    const sample = Math.min(Math.max(0, msPerChunk), SPACING_OUTLIER_FACTOR * this.msPerChunk + CLOCK_TICK_MS);
    this.msPerChunk = (1 - ALPHA) * this.msPerChunk + ALPHA * sample;
  }
}
