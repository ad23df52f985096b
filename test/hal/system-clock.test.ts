import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../device/ports/node/index.js';
import { describeClockConformance } from '../../sdk/testing/index.js';

/** Slack after the requested time, so timers that fell due get their turn before the test looks. */
const SETTLE_MS = 5;

describeClockConformance(async () => ({
  clock: new SystemClock(),
  advance: async (ms) => {
    // node timers may wake a fraction of a millisecond early, so wait on the clock itself.
    const until = performance.now() + ms;
    while (performance.now() < until) await sleep(Math.max(1, Math.ceil(until - performance.now())));
    await sleep(SETTLE_MS);
  },
}));

describe('SystemClock', () => {
  it('reads wall time from the host', () => {
    const before = Date.now();
    const wall = new SystemClock().wallMs();
    expect(wall).toBeGreaterThanOrEqual(before);
    expect(wall).toBeLessThanOrEqual(Date.now());
  });

  it('fires a short timer within a reasonable time', async () => {
    const clock = new SystemClock();
    const started = performance.now();
    const firedAt = await new Promise<number>((resolve) => clock.setTimer(5, () => resolve(performance.now())));
    expect(firedAt - started).toBeGreaterThanOrEqual(5);
    expect(firedAt - started).toBeLessThan(1000);
  });
});
