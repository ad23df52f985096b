/**
 * The radio model's behaviour, measured in virtual time: bandwidth, latency and jitter, stalls at
 * the Gilbert–Elliott rate, drops at their mean interval, blackouts, half-open connections — and
 * that bytes are never lost or reordered and the same seed replays the same timeline.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEGMENT_BYTES, type BrokerEnd, type RadioProfileInput } from '../../../sim/hal/index.js';
import { isFairwayError } from '../../../sdk/errors.js';
import type { LinkConnection } from '../../../sdk/hal/link.js';
import { firstDifference, patternBytes } from '../../../sdk/testing/bytes.js';
import { expectKind } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { runUntilSettled } from './support/drive.js';
import { joined, radioHarness, type RadioHarness } from './support/radio-harness.js';

const CLEAN_1_MBIT: RadioProfileInput = { downlinkBitsPerS: 1_000_000, uplinkBitsPerS: 1_000_000, latencyMsMean: 50, connectDelayMs: 150 };

async function connect(harness: RadioHarness): Promise<{ terminal: LinkConnection; broker: BrokerEnd }> {
  const terminal = await runUntilSettled(harness.time, harness.link.connect());
  return { terminal, broker: harness.brokerEnds.at(-1) as BrokerEnd };
}

/** Reads until `length` bytes have come, noting the virtual time of each read. */
async function readTimed(harness: RadioHarness, terminal: LinkConnection, length: number): Promise<{ bytes: Uint8Array; atMs: number[] }> {
  const parts: Uint8Array[] = [];
  const atMs: number[] = [];
  let received = 0;
  while (received < length) {
    const part = await terminal.read();
    if (part === null) break;
    parts.push(part);
    atMs.push(harness.time.monotonicMs());
    received += part.length;
  }
  return { bytes: joined(parts.map((bytes, i) => ({ bytes, atMs: atMs[i] ?? 0 }))), atMs };
}

/** Reads `count` bytes, noting the virtual time each byte was read at (bytes that arrive together share it). */
async function readEachByte(harness: RadioHarness, terminal: LinkConnection, count: number): Promise<number[]> {
  const atMs: number[] = [];
  while (atMs.length < count) {
    const part = await terminal.read();
    if (part === null) break;
    for (let i = 0; i < part.length; i++) atMs.push(harness.time.monotonicMs());
  }
  return atMs;
}

/** The error `work` rejects with, caught at once so it never counts as unhandled while time runs. */
function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => new Error('expected a rejection; it resolved'),
    (error: unknown) => error,
  );
}

function meanOf(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function sdOf(values: readonly number[]): number {
  const mean = meanOf(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

/** Sends one byte from the broker every `everyMs`, `count` times, starting one period from now. */
function probeFromBroker(harness: RadioHarness, broker: BrokerEnd, count: number, everyMs: number): number[] {
  const sentAtMs: number[] = [];
  const send = (i: number): void => {
    if (i === count) return;
    harness.time.setTimer(everyMs, () => {
      sentAtMs.push(harness.time.monotonicMs());
      broker.write(Uint8Array.of(i & 0xff));
      send(i + 1);
    });
  };
  send(0);
  return sentAtMs;
}

describe(`the radio model (FAIRWAY_SEED=${seed})`, () => {
  it('carries 1 MiB down a clean 1 Mbit/s, 100 ms RTT link at the bandwidth', async () => {
    const harness = radioHarness(CLEAN_1_MBIT, seed);
    const { terminal, broker } = await connect(harness);
    const data = patternBytes(1 << 20, 1);
    const startMs = harness.time.monotonicMs();
    broker.write(data);
    const { bytes, atMs } = await runUntilSettled(harness.time, readTimed(harness, terminal, data.length));
    expect(firstDifference(bytes, data)).toBe(-1);
    const elapsedMs = (atMs.at(-1) ?? 0) - startMs;
    // 8 388 608 bits at 1 Mbit/s is 8 388.6 ms; the one-way latency adds 50 ms once.
    expect(elapsedMs).toBeCloseTo(8_388.608 + 50, 0);
    const bitsPerS = (data.length * 8 * 1000) / elapsedMs;
    expect(Math.abs(bitsPerS - 1_000_000) / 1_000_000).toBeLessThan(0.01);
  });

  it('carries 1 MiB up at the uplink bandwidth, with the writer waiting on the buffer', async () => {
    const harness = radioHarness({ ...CLEAN_1_MBIT, uplinkBitsPerS: 500_000 }, seed);
    const { terminal } = await connect(harness);
    const data = patternBytes(1 << 20, 2);
    const startMs = harness.time.monotonicMs();
    let writeDoneMs = 0;
    await runUntilSettled(harness.time, terminal.write(data).then(() => (writeDoneMs = harness.time.monotonicMs())));
    await harness.time.runUntil({});
    const log = harness.arrivals[0] ?? [];
    expect(firstDifference(joined(log), data)).toBe(-1);
    const elapsedMs = (log.at(-1)?.atMs ?? 0) - startMs;
    expect(Math.abs((data.length * 8 * 1000) / elapsedMs - 500_000) / 500_000).toBeLessThan(0.01);
    // The write resolved once the last bytes fit into the 64 KiB buffer, well before they all arrived.
    expect(writeDoneMs - startMs).toBeGreaterThan(elapsedMs * 0.8);
    expect(writeDoneMs).toBeLessThan(log.at(-1)?.atMs ?? 0);
  });

  it('delays each byte by the latency, with the configured jitter', async () => {
    const harness = radioHarness({ downlinkBitsPerS: 0, uplinkBitsPerS: 0, latencyMsMean: 200, latencyMsJitter: 30 }, seed);
    const { terminal, broker } = await connect(harness);
    const count = 2_000;
    const sentAtMs = probeFromBroker(harness, broker, count, 1_000);
    const atMs = await runUntilSettled(harness.time, readEachByte(harness, terminal, count));
    expect(atMs).toHaveLength(count);
    const delays = atMs.map((at, i) => at - (sentAtMs[i] ?? 0));
    expect(Math.abs(meanOf(delays) - 200)).toBeLessThan(2.5);
    expect(Math.abs(sdOf(delays) - 30)).toBeLessThan(2.5);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
  });

  it('stalls for the Gilbert–Elliott stationary share of the time, enter / (enter + exit)', async () => {
    const enter = 0.05;
    const exit = 0.2;
    const harness = radioHarness(
      { downlinkBitsPerS: 0, uplinkBitsPerS: 0, latencyMsMean: 0, stepMs: 100, badStateEnterProbability: enter, badStateExitProbability: exit, connectDelayMs: 0 },
      seed,
    );
    const { terminal, broker } = await connect(harness);
    // Probes in the middle of each step: delayed exactly when the radio is bad at that moment.
    harness.time.setTimer(50, () => undefined);
    await harness.time.runUntil({ atMs: 50 });
    const count = 10_000;
    const sentAtMs = probeFromBroker(harness, broker, count, 100);
    const atMs = await runUntilSettled(harness.time, readEachByte(harness, terminal, count));
    const delayed = atMs.filter((at, i) => at > (sentAtMs[i] ?? 0)).length / count;
    const stationary = enter / (enter + exit);
    expect(Math.abs(delayed - stationary)).toBeLessThan(0.04);
    // The counters agree with what the bytes saw, and over a much longer run converge closer still.
    const stats = harness.link.stats();
    expect(Math.abs(stats.badStateMs / harness.time.monotonicMs() - delayed)).toBeLessThan(0.01);
    await harness.time.runUntil({ atMs: 10_000_000 });
    const long = harness.link.stats();
    expect(Math.abs(long.badStateMs / 10_000_000 - stationary)).toBeLessThan(0.015);
    // A stall lasts stepMs / exit on average.
    expect(Math.abs(long.badStateMs / long.stalls - 100 / exit) / (100 / exit)).toBeLessThan(0.05);
  });

  it('drops connections at the configured mean interval of connected time', async () => {
    const meanMs = 10_000;
    const harness = radioHarness({ downlinkBitsPerS: 0, uplinkBitsPerS: 0, latencyMsMean: 0, connectDelayMs: 100, dropIntervalMsMean: meanMs }, seed);
    const lifetimes: number[] = [];
    let running = true;
    const reconnectForever = (async () => {
      while (running) {
        const terminal = await harness.link.connect();
        const openedMs = harness.time.monotonicMs();
        const ended = await terminal.read().then(
          () => 'closed',
          (error: unknown) => (isFairwayError(error, 'link-reset') ? 'reset' : 'other'),
        );
        if (ended === 'reset') lifetimes.push(harness.time.monotonicMs() - openedMs);
      }
    })();
    await harness.time.runUntil({ atMs: 8_000_000 });
    running = false;
    const stats = harness.link.stats();
    expect(stats.drops).toBe(lifetimes.length);
    expect(lifetimes.length).toBeGreaterThan(600);
    // The mean of n exponential draws has a relative standard error of 1/√n (≈ 3.5 % here).
    expect(Math.abs(meanOf(lifetimes) - meanMs) / meanMs).toBeLessThan(0.15);
    expect(Math.abs(stats.upTimeMs / stats.drops - meanMs) / meanMs).toBeLessThan(0.15);
    harness.link.dropNow();
    await harness.time.runUntil({});
    await reconnectForever;
  });

  it('resets the open connection at a blackout, refuses connect() inside it, and connects after it', async () => {
    const harness = radioHarness({ ...CLEAN_1_MBIT, connectDelayMs: 300, blackouts: [{ atMs: 1_000, durationMs: 5_000 }] }, seed);
    const { terminal } = await connect(harness);
    const pending = failureOf(terminal.read());
    await harness.time.runUntil({ atMs: 1_000 });
    await expectKind(() => pending.then((error) => Promise.reject(error)), 'link-reset');
    expect(harness.brokerEnds[0]?.destroyed).toBe(true);
    await harness.time.runUntil({ atMs: 3_000 });
    const refused = await expectKind(() => harness.link.connect(), 'link-reset');
    expect(refused.message).toContain('no radio');
    await harness.time.runUntil({ atMs: 6_000 });
    const after = await connect(harness);
    await after.terminal.write(Uint8Array.of(1, 2, 3));
    await harness.time.runUntil({});
    expect(joined(harness.arrivals[1] ?? [])).toEqual(Uint8Array.of(1, 2, 3));
    expect(harness.link.stats()).toMatchObject({ connects: 2, connectFailures: 1, blackoutResets: 1 });
  });

  it('refuses a connect() that a blackout interrupts', async () => {
    const harness = radioHarness({ ...CLEAN_1_MBIT, connectDelayMs: 300, blackouts: [{ atMs: 1_000, durationMs: 50 }] }, seed);
    await harness.time.runUntil({ atMs: 900 });
    await expectKind(() => runUntilSettled(harness.time, harness.link.connect()), 'link-reset');
    expect(harness.brokerEnds).toHaveLength(0);
  });

  it('leaves bytes undelivered once half-open, and makes the broker wait on a full buffer', async () => {
    const maxBufferedBytes = 8 * 1024;
    const harness = radioHarness({ ...CLEAN_1_MBIT, maxBufferedBytes, halfOpenAtMs: 1_000, blackouts: [{ atMs: 5_000, durationMs: 1_000 }] }, seed);
    const { terminal, broker } = await connect(harness);
    let delivered = 0;
    const reading = terminal.read().then((bytes) => (delivered += bytes?.length ?? 0));
    await harness.time.runUntil({ atMs: 1_000 });
    let writeDone = false;
    const accepted = broker.write(patternBytes(64 * 1024, 3), () => (writeDone = true));
    await terminal.write(Uint8Array.of(9));
    harness.link.dropNow();
    await harness.time.runUntil({ atMs: 60_000 });
    expect(delivered).toBe(0);
    expect(harness.arrivals[0]).toEqual([]);
    expect(accepted).toBe(false);
    expect(writeDone).toBe(false);
    expect(broker.writableLength).toBeGreaterThan(0);
    // Neither side was told — not by a drop, not by the blackout — and the broker's stream is still open.
    expect(broker.destroyed).toBe(false);
    expect(harness.link.stats()).toMatchObject({ halfOpens: 1, drops: 0, blackoutResets: 0 });
    // The terminal gives up by itself; its next connection is healthy.
    await terminal.close();
    expect(await reading).toBe(0);
    const next = await connect(harness);
    next.broker.write(Uint8Array.of(7));
    expect(await runUntilSettled(harness.time, next.terminal.read())).toEqual(Uint8Array.of(7));
  });

  it('freezes the open connection on demand, as a scenario freeze does', async () => {
    const harness = radioHarness(CLEAN_1_MBIT, seed);
    const { terminal, broker } = await connect(harness);
    harness.link.freezeNow();
    broker.write(Uint8Array.of(1));
    let delivered = false;
    void terminal.read().then(() => (delivered = true));
    await harness.time.runUntil({ atMs: 30_000 });
    expect(delivered).toBe(false);
    expect(harness.link.stats().halfOpens).toBe(1);
  });

  it('never loses or reorders bytes inside a connection, whatever the writes and the radio', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 * SEGMENT_BYTES }), fc.integer({ min: 0, max: 500 })), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        async (writes, radioSeed) => {
          const harness = radioHarness({ preset: 'atc-edge-lossy', latencyMsJitter: 150, maxBufferedBytes: 4_096 }, radioSeed);
          const { terminal, broker } = await connect(harness);
          const sentUp: Uint8Array[] = [];
          const sentDown: Uint8Array[] = [];
          let pending: Promise<unknown> = Promise.resolve();
          writes.forEach(([up, size, gapMs], i) => {
            harness.time.setTimer(gapMs * (i + 1), () => {
              const bytes = patternBytes(size, i);
              if (up) {
                sentUp.push(bytes);
                pending = Promise.all([pending, terminal.write(bytes)]);
              } else {
                sentDown.push(bytes);
                broker.write(bytes);
              }
            });
          });
          const downTotal = writes.filter(([up]) => !up).reduce((sum, [, size]) => sum + size, 0);
          const down = runUntilSettled(harness.time, readTimed(harness, terminal, downTotal));
          const { bytes } = await down;
          await harness.time.runUntil({});
          await pending;
          expect(firstDifference(bytes, joined(sentDown.map((b) => ({ bytes: b, atMs: 0 }))))).toBe(-1);
          expect(firstDifference(joined(harness.arrivals[0] ?? []), joined(sentUp.map((b) => ({ bytes: b, atMs: 0 }))))).toBe(-1);
        },
      ),
      { seed, numRuns: Math.min(fuzzRuns, 40) },
    );
  });

  it('replays a byte-identical timeline for the same seed, and another for another seed', async () => {
    const timeline = async (runSeed: number): Promise<string> => {
      const harness = radioHarness({ preset: 'weak-radio', dropIntervalMsMean: 20_000, blackouts: [{ atMs: 60_000, durationMs: 10_000 }] }, runSeed);
      const hash = createHash('sha256');
      const note = (line: string): void => void hash.update(`${harness.time.monotonicMs()} ${line}\n`);
      let running = true;
      const session = async (n: number): Promise<void> => {
        const terminal = await harness.link.connect();
        const broker = harness.brokerEnds[n] as BrokerEnd;
        broker.on('data', (chunk: Buffer) => note(`${n} up ${chunk.length}`));
        broker.write(patternBytes(3_000 + n * 100, n));
        void terminal.write(patternBytes(1_000 + n * 10, n)).catch(() => undefined);
        for (;;) {
          const bytes = await terminal.read();
          if (bytes === null) return;
          note(`${n} down ${bytes.length}`);
        }
      };
      const sessions = (async () => {
        for (let n = 0; running; n++) {
          await session(n).catch((error: unknown) => note(`${n} ended ${isFairwayError(error) ? error.kind : 'other'}`));
          // Back off before the next attempt, as a terminal does.
          await new Promise<void>((resolve) => harness.time.setTimer(1_000, resolve));
        }
      })();
      await harness.time.runUntil({ atMs: 180_000 });
      running = false;
      const stats = harness.link.stats();
      note(JSON.stringify(stats));
      harness.link.dropNow();
      await harness.time.runUntil({});
      await sessions;
      expect(stats.drops + stats.blackoutResets).toBeGreaterThan(2);
      return hash.digest('hex');
    };
    const first = await timeline(seed);
    expect(await timeline(seed)).toBe(first);
    expect(await timeline(seed + 1)).not.toBe(first);
  });
});
