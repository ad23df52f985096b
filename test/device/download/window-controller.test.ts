import { describe, expect, it } from 'vitest';
import { resolveDownloadConfig } from '../../../device/download/download-config.js';
import { WindowController } from '../../../device/download/window-controller.js';
import { Xoshiro128StarStar } from '../../../sdk/testing/mocks/index.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';

const LIMITS = { chunkBytes: 1024, windowMax: 256 };

/** Feeds one request's arrivals, `gapMs` apart from `firstMs`, then its completion. */
function deliverRequest(c: WindowController, sentAtMs: number, firstMs: number, gapMs: number, chunks: number): number {
  let previous: { atMs: number; position: number } | undefined;
  for (let position = 0; position < chunks; position++) {
    const atMs = firstMs + position * gapMs;
    c.onArrival(atMs, { sentAtMs, position, firstOfRequest: position === 0, ...(previous ? { previous } : {}) });
    previous = { atMs, position };
  }
  const doneMs = firstMs + (chunks - 1) * gapMs;
  c.onWindowDelivered(sentAtMs, chunks, doneMs);
  return doneMs;
}

describe('window controller: size', () => {
  it('starts at the initial window and asks for all of it when nothing is in flight', () => {
    const c = new WindowController(LIMITS);
    expect(c.windowChunks()).toBe(8);
    expect(c.nextRequestChunks(0, 0, 1000)).toBe(8);
    expect(c.nextRequestChunks(0, 0, 3)).toBe(3);
    expect(c.nextRequestChunks(0, 0, 0)).toBe(0);
    expect(c.stats().slowStart).toBe(true);
  });

  it('doubles per delivered window in slow start, then grows by one chunk per window after a timeout', () => {
    const c = new WindowController(LIMITS);
    c.onWindowDelivered(0, 8, 10);
    expect(c.windowChunks()).toBe(16);
    c.onWindowDelivered(10, 16, 20);
    expect(c.windowChunks()).toBe(32);
    c.onWindowTimedOut(30, 2_040);
    expect(c.windowChunks()).toBe(16);
    expect(c.stats().slowStart).toBe(false);
    c.onWindowDelivered(50, 16, 60);
    c.onWindowDelivered(60, 17, 70);
    expect(c.windowChunks()).toBe(18);
  });

  it('halves the window on a timeout, but only once for requests sent before that decrease', () => {
    const c = new WindowController(LIMITS);
    c.onWindowDelivered(0, 8, 10);
    c.onWindowDelivered(10, 16, 20);
    c.onWindowTimedOut(100, 2_200);
    expect(c.windowChunks()).toBe(16);
    c.onWindowTimedOut(150, 2_250);
    expect(c.windowChunks()).toBe(16);
    c.onWindowTimedOut(2_300, 6_000);
    expect(c.windowChunks()).toBe(8);
  });

  it('grows, not shrinks, when a request ended with gaps but the link kept delivering', () => {
    const c = new WindowController(LIMITS);
    c.onWindowTimedOut(0, 2_000);
    expect(c.windowChunks()).toBe(4);
    c.onWindowDelivered(2_000, 3, 2_300);
    expect(c.windowChunks()).toBe(5);
  });

  it('never shrinks below minWindowChunks', () => {
    for (const minWindowChunks of [1, 3]) {
      const c = new WindowController(LIMITS, { minWindowChunks });
      for (let t = 1; t < 20; t++) c.onWindowTimedOut(t * 10, t * 10 + 5);
      expect(c.windowChunks()).toBe(minWindowChunks);
    }
  });

  it("respects the offer's windowMax per request and keeps at most maxWindowsInFlight requests", () => {
    const c = new WindowController({ chunkBytes: 1024, windowMax: 4 });
    for (let i = 0; i < 10; i++) c.onWindowDelivered(i, 4, i + 1);
    expect(c.windowChunks()).toBe(8);
    expect(c.nextRequestChunks(0, 0, 100)).toBe(4);
    expect(c.nextRequestChunks(4, 1, 100)).toBe(4);
    expect(c.nextRequestChunks(8, 2, 100)).toBe(0);
    expect(c.nextRequestChunks(0, 2, 100)).toBe(0);
  });

  it('keeps the bytes in flight within maxWindowBytes', () => {
    const c = new WindowController({ chunkBytes: 65_536, windowMax: 256 }, { maxWindowBytes: 262_144 });
    expect(c.windowChunks()).toBe(4);
    for (let i = 0; i < 10; i++) c.onWindowDelivered(i, 4, i + 1);
    expect(c.windowChunks()).toBe(4);
    expect(c.nextRequestChunks(0, 0, 100) * 65_536).toBeLessThanOrEqual(262_144);
  });

  it('keeps the window within maxWindowChunks', () => {
    const c = new WindowController(LIMITS, { maxWindowChunks: 20 });
    for (let i = 0; i < 10; i++) c.onWindowDelivered(i, 20, i + 1);
    expect(c.windowChunks()).toBe(20);
  });

  it('waits until half the window has drained before the next request, unless that is all there is to ask for', () => {
    const c = new WindowController(LIMITS);
    expect(c.nextRequestChunks(8, 1, 100)).toBe(0);
    expect(c.nextRequestChunks(5, 1, 100)).toBe(0);
    expect(c.nextRequestChunks(4, 1, 100)).toBe(4);
    expect(c.nextRequestChunks(6, 1, 2)).toBe(2);
  });

  it('restarts from the initial window after a link drop, with the old window as the slow-start threshold', () => {
    const c = new WindowController(LIMITS);
    c.onWindowDelivered(0, 8, 1);
    c.onWindowDelivered(1, 16, 2);
    c.onWindowDelivered(2, 32, 3);
    c.onWindowTimedOut(4, 2_100);
    expect(c.stats().timeoutDoublings).toBe(1);
    c.onLinkDrop(2_200);
    expect(c.windowChunks()).toBe(8);
    expect(c.stats().timeoutDoublings).toBe(0);
    c.onWindowDelivered(2_300, 8, 2_400);
    c.onWindowDelivered(2_400, 16, 2_500);
    expect(c.windowChunks()).toBe(32);
    c.onWindowDelivered(2_500, 32, 2_600);
    expect(c.windowChunks()).toBe(33);
  });
});

describe('window controller: timeouts', () => {
  it('doubles the timeout after each timed-out window and resets it after a delivered one', () => {
    const c = new WindowController(LIMITS, { initialRateBytesPerS: 1024 * 1000 });
    expect(c.timeoutMs(8)).toBe(2_008);
    c.onWindowTimedOut(0, 2_000);
    expect(c.timeoutMs(8)).toBe(4_016);
    c.onWindowTimedOut(2_000, 6_000);
    expect(c.timeoutMs(8)).toBe(8_032);
    c.onWindowDelivered(6_100, 2, 6_200);
    expect(c.timeoutMs(8)).toBe(2_008);
  });

  it('times a window at initialRateBytesPerS until a rate is measured, so a slow radio\'s first window is not given up on the air', () => {
    // 16 KiB chunks on a 64 kbit/s radio take 2 s each: 2 s of base timeout would expire a first window of 8.
    const c = new WindowController({ chunkBytes: 16 * 1024, windowMax: 256 });
    expect(c.timeoutMs(8)).toBe(2_000 + Math.ceil((8 * 16 * 1024 * 1000) / 4_000));
    expect(c.timeoutMs(8, 4)).toBe(2_000 + Math.ceil((12 * 16 * 1024 * 1000) / 4_000));
    expect(c.timeoutMs(8, 8)).toBe(60_000); // maxTimeoutMs still caps it
    const fast = new WindowController({ chunkBytes: 16 * 1024, windowMax: 256 }, { initialRateBytesPerS: 1_000_000 });
    expect(fast.timeoutMs(8)).toBe(2_000 + Math.ceil((8 * 16 * 1024 * 1000) / 1_000_000));
    // Once spacing is measured the measured rate replaces the floor.
    fast.onArrival(100, { sentAtMs: 0, position: 0, firstOfRequest: true });
    fast.onArrival(110, { sentAtMs: 0, position: 1, firstOfRequest: false, previous: { atMs: 100, position: 0 } });
    expect(fast.timeoutMs(8)).toBe(2_000 + 100 + 4 * 50 + 8 * 10);
  });

  it('never lets the timeout pass maxTimeoutMs', () => {
    const c = new WindowController(LIMITS, { maxTimeoutMs: 30_000 });
    for (let i = 0; i < 30; i++) c.onWindowTimedOut(i, i + 1);
    expect(c.timeoutMs(8)).toBe(30_000);
    expect(c.stats().timeoutMs).toBe(30_000);
  });

  it('adds the RTT, four RTT variances and the delivery time of its chunks and those queued ahead', () => {
    const c = new WindowController(LIMITS);
    c.onArrival(100, { sentAtMs: 0, position: 0, firstOfRequest: true });
    c.onArrival(102, { sentAtMs: 0, position: 1, firstOfRequest: false, previous: { atMs: 100, position: 0 } });
    expect(c.stats()).toMatchObject({ rttMs: 100, rttVarMs: 50, rateChunksPerS: 500 });
    expect(c.timeoutMs(10, 5)).toBe(2_000 + 100 + 4 * 50 + 15 * 2);
  });

  it('gives chunks passed over by a request\'s last chunk at least minReorderGraceMs, more when the RTT varies', () => {
    const c = new WindowController(LIMITS, { minReorderGraceMs: 30 });
    expect(c.reorderGraceMs()).toBe(30);
    c.onArrival(400, { sentAtMs: 0, position: 0, firstOfRequest: true });
    expect(c.reorderGraceMs()).toBe(400);
  });
});

describe('window controller: estimates', () => {
  it('takes an RTT sample only when the link was idle before a request\'s first chunk', () => {
    const c = new WindowController(LIMITS);
    const doneMs = deliverRequest(c, 0, 100, 2, 8);
    expect(c.stats().rttMs).toBe(100);
    // Sent while the first request drained: its first chunk comes right behind the last one.
    c.onArrival(doneMs + 2, { sentAtMs: 20, position: 0, firstOfRequest: true });
    expect(c.stats().rttMs).toBe(100);
    // After an idle link, a slower round trip is a real sample.
    c.onArrival(1_200, { sentAtMs: 1_000, position: 0, firstOfRequest: true });
    expect(c.stats().rttMs).toBeCloseTo(0.875 * 100 + 0.125 * 200, 6);
  });

  it("subtracts the chunk slots lost before a request's first arrival from its RTT sample", () => {
    const c = new WindowController(LIMITS);
    deliverRequest(c, 0, 100, 2, 2);
    c.onArrival(1_110, { sentAtMs: 1_000, position: 5, firstOfRequest: true });
    expect(c.stats().rttMs).toBe(100);
  });

  it('counts a lost chunk between two arrivals as a place when measuring the delivery rate', () => {
    const c = new WindowController(LIMITS);
    c.onArrival(100, { sentAtMs: 0, position: 0, firstOfRequest: true });
    c.onArrival(106, { sentAtMs: 0, position: 3, firstOfRequest: false, previous: { atMs: 100, position: 0 } });
    expect(c.stats().rateChunksPerS).toBe(500);
  });

  it('clips a delivery-rate sample far above the estimate, so one reordered chunk does not collapse it', () => {
    const c = new WindowController(LIMITS);
    deliverRequest(c, 0, 100, 5, 8);
    c.onArrival(900, { sentAtMs: 800, position: 0, firstOfRequest: true });
    c.onArrival(1_300, { sentAtMs: 800, position: 1, firstOfRequest: false, previous: { atMs: 900, position: 0 } });
    expect(1000 / c.stats().rateChunksPerS!).toBeCloseTo((7 / 8) * 5 + (1 / 8) * (4 * 5 + 1), 6);
    // A real slowdown still shows within a few samples.
    let atMs = 1_300;
    for (let position = 2; position < 30; position++) {
      c.onArrival(atMs + 50, { sentAtMs: 800, position, firstOfRequest: false, previous: { atMs, position: position - 1 } });
      atMs += 50;
    }
    expect(1000 / c.stats().rateChunksPerS!).toBeGreaterThan(45);
  });

  it('takes no sample from chunks asked for more than once', () => {
    const c = new WindowController(LIMITS);
    c.onArrival(50, null);
    c.onArrival(60, null);
    expect(c.stats()).toMatchObject({ rttMs: null, rttVarMs: null, rateChunksPerS: null });
  });

  it('converges on the RTT and rate of a steady link with jitter, and settles at twice its bandwidth-delay product', () => {
    const random = new Xoshiro128StarStar(seed);
    const jitter = (spread: number): number => (random.nextUint32() / 0x1_0000_0000 - 0.5) * 2 * spread;
    const rttMs = 120;
    const msPerChunk = 3;
    const c = new WindowController(LIMITS);
    let nowMs = 0;
    for (let round = 0; round < 200; round++) {
      const chunks = c.nextRequestChunks(0, 0, 1_000_000);
      const firstMs = nowMs + rttMs + jitter(0.1 * rttMs);
      let previous: { atMs: number; position: number } | undefined;
      let atMs = firstMs;
      for (let position = 0; position < chunks; position++) {
        c.onArrival(atMs, { sentAtMs: nowMs, position, firstOfRequest: position === 0, ...(previous ? { previous } : {}) });
        previous = { atMs, position };
        atMs += msPerChunk + jitter(0.3);
      }
      c.onWindowDelivered(nowMs, chunks, atMs);
      nowMs = atMs + 50;
    }
    const stats = c.stats();
    expect(stats.rttMs!, `seed ${seed}`).toBeGreaterThan(rttMs * 0.9);
    expect(stats.rttMs!, `seed ${seed}`).toBeLessThan(rttMs * 1.1);
    expect(stats.rateChunksPerS!, `seed ${seed}`).toBeGreaterThan((1000 / msPerChunk) * 0.9);
    expect(stats.rateChunksPerS!, `seed ${seed}`).toBeLessThan((1000 / msPerChunk) * 1.1);
    const target = (2 * rttMs) / msPerChunk;
    expect(stats.windowChunks, `seed ${seed}`).toBeGreaterThan(target * 0.85);
    expect(stats.windowChunks, `seed ${seed}`).toBeLessThan(target * 1.15);
  });
});

describe('window controller: settings', () => {
  it('refuses a chunk size or windowMax outside the protocol ranges', () => {
    for (const chunkBytes of [1023, 65_537, 2048.5]) expectKindSync(() => new WindowController({ chunkBytes, windowMax: 8 }), 'out-of-range');
    for (const windowMax of [0, 1025, 2.5, Number.NaN]) expectKindSync(() => new WindowController({ chunkBytes: 1024, windowMax }), 'out-of-range');
  });

  it('refuses tunables that are unknown, out of range, not integers or inconsistent', () => {
    expectKindSync(() => resolveDownloadConfig({ windowChunks: 3 } as never), 'unknown-field');
    expectKindSync(() => resolveDownloadConfig({ initialWindowChunks: 0 }), 'out-of-range');
    expectKindSync(() => resolveDownloadConfig({ maxWindowBytes: 65_535 }), 'out-of-range');
    expectKindSync(() => resolveDownloadConfig({ baseTimeoutMs: 1.5 }), 'out-of-range');
    expectKindSync(() => resolveDownloadConfig({ minWindowChunks: 10, maxWindowChunks: 9 }), 'out-of-range');
    expectKindSync(() => resolveDownloadConfig({ baseTimeoutMs: 5_000, maxTimeoutMs: 4_000 }), 'out-of-range');
    expectKindSync(() => new WindowController(LIMITS, { persistEveryChunks: 0 }), 'out-of-range');
  });

  it('fills in defaults for tunables not given', () => {
    expect(resolveDownloadConfig({ baseTimeoutMs: 3_000 })).toMatchObject({ baseTimeoutMs: 3_000, initialWindowChunks: 8, maxWindowsInFlight: 2 });
  });
});
