/**
 * The Clock conformance suite [FW-11.4]: monotonic and wall time, and timers. One test per
 * behaviour. The delays are a few tens of milliseconds so a real clock runs the suite quickly.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../hal/clock.js';
import { expectThrow } from './expect-error.js';

export interface ClockFixture {
  clock: Clock;
  /**
   * Lets `ms` milliseconds pass and resolves once every timer due by then has fired. A manual
   * clock advances; a real clock waits (a few milliseconds longer, so due timers get to run).
   */
  advance(ms: number): Promise<void>;
  cleanup?: () => Promise<void>;
}

export type ClockFactory = () => Promise<ClockFixture>;

const TIMEOUT_MS = 20_000;
/** 2020-01-01T00:00:00Z and 2100-01-01T00:00:00Z: a wall clock outside is in the wrong unit or unset. */
const WALL_EARLIEST_MS = Date.UTC(2020, 0, 1);
const WALL_LATEST_MS = Date.UTC(2100, 0, 1);

export function describeClockConformance(make: ClockFactory, suiteName = 'Clock conformance'): void {
  const withClock = (body: (fixture: ClockFixture) => Promise<void>) => async () => {
    const fixture = await make();
    try {
      await body(fixture);
    } finally {
      await fixture.cleanup?.();
    }
  };

  describe(suiteName, { timeout: TIMEOUT_MS }, () => {
    it('never moves monotonicMs backwards', withClock(async ({ clock, advance }) => {
      let previous = clock.monotonicMs();
      for (let round = 0; round < 5; round++) {
        for (let sample = 0; sample < 1000; sample++) {
          const now = clock.monotonicMs();
          expect(now).toBeGreaterThanOrEqual(previous);
          previous = now;
        }
        await advance(1);
      }
    }));

    it('moves monotonicMs forward by at least the time that passed', withClock(async ({ clock, advance }) => {
      const before = clock.monotonicMs();
      await advance(20);
      expect(clock.monotonicMs() - before).toBeGreaterThanOrEqual(20);
    }));

    it('reports wallMs as milliseconds since the Unix epoch, in a plausible range', withClock(async ({ clock }) => {
      const wall = clock.wallMs();
      expect(wall).toBeGreaterThan(WALL_EARLIEST_MS);
      expect(wall).toBeLessThan(WALL_LATEST_MS);
    }));

    it('fires a timer once, and no sooner than its delay', withClock(async ({ clock, advance }) => {
      const setAt = clock.monotonicMs();
      const firedAt: number[] = [];
      clock.setTimer(30, () => firedAt.push(clock.monotonicMs()));
      await advance(5);
      expect(firedAt).toEqual([]);
      await advance(60);
      expect(firedAt).toHaveLength(1);
      expect((firedAt[0] ?? Number.NaN) - setAt).toBeGreaterThanOrEqual(30);
    }));

    it('fires timers in due order, and timers due together in the order they were set', withClock(async ({ clock, advance }) => {
      const fired: string[] = [];
      clock.setTimer(30, () => fired.push('30'));
      clock.setTimer(10, () => fired.push('10 first'));
      clock.setTimer(20, () => fired.push('20'));
      clock.setTimer(10, () => fired.push('10 second'));
      await advance(50);
      expect(fired).toEqual(['10 first', '10 second', '20', '30']);
    }));

    it('never fires a timer inside setTimer, even with no delay', withClock(async ({ clock, advance }) => {
      let fired = false;
      clock.setTimer(0, () => {
        fired = true;
      });
      expect(fired).toBe(false);
      await advance(0);
      expect(fired).toBe(true);
    }));

    it('measures a timer set by a firing timer from the moment it was set', withClock(async ({ clock, advance }) => {
      const firedAt: number[] = [];
      clock.setTimer(10, () => {
        firedAt.push(clock.monotonicMs());
        clock.setTimer(40, () => firedAt.push(clock.monotonicMs()));
      });
      await advance(20);
      expect(firedAt).toHaveLength(1);
      await advance(50);
      expect(firedAt).toHaveLength(2);
      expect((firedAt[1] ?? Number.NaN) - (firedAt[0] ?? Number.NaN)).toBeGreaterThanOrEqual(40);
    }));

    it('does not fire a cancelled timer, and still fires the others', withClock(async ({ clock, advance }) => {
      const fired: string[] = [];
      const cancelled = clock.setTimer(5, () => fired.push('cancelled'));
      clock.setTimer(5, () => fired.push('kept'));
      cancelled.cancel();
      await advance(20);
      expect(fired).toEqual(['kept']);
    }));

    it('does not fire a timer cancelled by an earlier timer due at the same time', withClock(async ({ clock, advance }) => {
      const fired: string[] = [];
      clock.setTimer(10, () => {
        fired.push('first');
        second.cancel();
      });
      const second = clock.setTimer(10, () => fired.push('second'));
      await advance(30);
      expect(fired).toEqual(['first']);
    }));

    it('ignores cancel() after the timer fired, and repeated cancel()', withClock(async ({ clock, advance }) => {
      let count = 0;
      const timer = clock.setTimer(5, () => count++);
      await advance(20);
      // A stale cancel must not take a pending timer with it.
      clock.setTimer(5, () => count++);
      timer.cancel();
      timer.cancel();
      await advance(20);
      expect(count).toBe(2);
    }));

    it('rejects a negative or NaN delay with invalid-argument', withClock(async ({ clock }) => {
      expectThrow(() => clock.setTimer(-1, () => undefined), 'invalid-argument');
      expectThrow(() => clock.setTimer(Number.NaN, () => undefined), 'invalid-argument');
    }));
  });
}
