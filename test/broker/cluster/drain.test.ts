/**
 * The drain sequence on a stand-in broker: not ready first, serving through the delay, then
 * no new connections, in-flight requests answered before their connection closes, and the
 * connections closed in batches at the interval — or cut short by a second signal.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { batchSize, drain, parseDrainBatch, type DrainTarget } from '../../../broker/cluster/drain.js';

const log = pino({ level: 'silent' });

function fakeBroker(connections: number) {
  const events: { at: number; what: string; n?: number }[] = [];
  const t0 = performance.now();
  let connected = connections;
  let inFlight: Promise<void> = Promise.resolve();
  const mark = (what: string, n?: number): void => void events.push({ at: performance.now() - t0, what, ...(n !== undefined ? { n } : {}) });
  const target: DrainTarget = {
    markDraining: () => mark('draining'),
    stopAccepting: () => mark('stop-accepting'),
    settled: () => inFlight.then(() => mark('settled')),
    connectedCount: () => connected,
    disconnectSome(n) {
      const closed = Math.min(n, connected);
      connected -= closed;
      mark('disconnect', closed);
      return closed;
    },
  };
  return { target, events, hold: (p: Promise<void>) => (inFlight = p) };
}

describe('drain', () => {
  it('says it is draining at once, waits the delay, stops accepting, then closes connections in batches', async () => {
    const { target, events } = fakeBroker(25);
    const result = await drain(target, { delayMs: 150, batch: { count: 10 }, intervalMs: 60, log });
    expect(result).toEqual({ batches: 3, disconnected: 25, aborted: false });
    expect(events[0]).toMatchObject({ what: 'draining' });
    expect(events[0]!.at).toBeLessThan(20);
    const stop = events.find((e) => e.what === 'stop-accepting')!;
    expect(stop.at).toBeGreaterThanOrEqual(145);
    const batches = events.filter((e) => e.what === 'disconnect');
    expect(batches.map((b) => b.n)).toEqual([10, 10, 5]);
    expect(batches[0]!.at).toBeGreaterThanOrEqual(stop.at);
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(55);
  });

  it('lets the requests in flight finish before it closes a batch', async () => {
    const { target, events, hold } = fakeBroker(2);
    let finish!: () => void;
    hold(new Promise<void>((resolve) => (finish = resolve)));
    const draining = drain(target, { delayMs: 0, batch: { count: 1 }, intervalMs: 10, log });
    await new Promise((r) => setTimeout(r, 100));
    expect(events.some((e) => e.what === 'disconnect')).toBe(false);
    finish();
    await draining;
    const settledAt = events.findIndex((e) => e.what === 'settled');
    const firstClose = events.findIndex((e) => e.what === 'disconnect');
    expect(settledAt).toBeGreaterThanOrEqual(0);
    expect(settledAt).toBeLessThan(firstClose);
  });

  it('does not wait for a request stuck forever longer than the settle timeout', async () => {
    const { target, hold } = fakeBroker(1);
    hold(new Promise<void>(() => {}));
    const started = performance.now();
    expect((await drain(target, { delayMs: 0, batch: { count: 5 }, settleTimeoutMs: 100, log })).disconnected).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops where it is when a second signal aborts it', async () => {
    const { target, events } = fakeBroker(100);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const result = await drain(target, { delayMs: 10_000, batch: { count: 1 }, log, signal: abort.signal });
    expect(result.aborted).toBe(true);
    expect(events.map((e) => e.what)).toEqual(['draining']);
  });

  it('sizes batches by count or by share of those connected', () => {
    expect(parseDrainBatch('50')).toEqual({ count: 50 });
    expect(parseDrainBatch('10%')).toEqual({ percent: 10 });
    for (const bad of ['0', '0%', '101%', '-5', '1.5', 'ten', '']) expect(parseDrainBatch(bad)).toBeUndefined();
    expect(batchSize({ percent: 10 }, 1000)).toBe(100);
    expect(batchSize({ percent: 10 }, 3)).toBe(1);
    expect(batchSize({ count: 50 }, 3)).toBe(50);
  });
});
