import { describe, expect, it } from 'vitest';
import { DEFAULT_START_WALL_MS, SimClock } from '../../../sim/hal/index.js';
import { describeClockConformance } from '../../../sdk/testing/index.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';

describeClockConformance(async () => {
  const clock = new SimClock();
  return { clock, advance: (ms) => clock.advance(ms) };
}, 'SimClock: Clock conformance');

/** A chain of `hops` setImmediate calls: work that takes no virtual time but several loop turns. */
function afterImmediates(hops: number, then: () => void): void {
  if (hops === 0) then();
  else setImmediate(() => afterImmediates(hops - 1, then));
}

describe('SimClock', () => {
  it('starts at 0 and reads the wall clock as the start instant plus virtual time', async () => {
    const clock = new SimClock({ startWallMs: 1_800_000_000_000 });
    expect(clock.monotonicMs()).toBe(0);
    expect(new SimClock().wallMs()).toBe(DEFAULT_START_WALL_MS);
    await clock.advance(1_234);
    expect(clock.wallMs()).toBe(1_800_000_001_234);
  });

  it('stands still while the program works, however long that takes in real time', async () => {
    const clock = new SimClock();
    let spun = 0;
    clock.setTimer(10, () => {
      for (let i = 0; i < 1_000_000; i++) spun += i % 2;
    });
    await clock.runUntil({ atMs: 10 });
    expect(spun).toBe(500_000);
    expect(clock.monotonicMs()).toBe(10);
  });

  it('jumps straight to the next timer, reading its due time while it fires', async () => {
    const clock = new SimClock();
    const seen: number[] = [];
    clock.setTimer(60_000, () => seen.push(clock.monotonicMs()));
    clock.setTimer(5, () => seen.push(clock.monotonicMs()));
    expect(await clock.runUntil({})).toBe('idle');
    expect(seen).toEqual([5, 60_000]);
    expect(clock.monotonicMs()).toBe(60_000);
  });

  it('lets a setImmediate chain finish before time moves on', async () => {
    const clock = new SimClock();
    const log: string[] = [];
    clock.setTimer(10, () => afterImmediates(5, () => log.push(`reply at ${clock.monotonicMs()}`)));
    clock.setTimer(20, () => log.push(`next timer at ${clock.monotonicMs()}`));
    await clock.runUntil({});
    expect(log).toEqual(['reply at 10', 'next timer at 20']);
  });

  it('plays out one timer before firing the next one due at the same instant', async () => {
    const clock = new SimClock();
    const log: string[] = [];
    clock.setTimer(10, () => {
      void Promise.resolve().then(() => afterImmediates(2, () => log.push('first, followed through')));
    });
    clock.setTimer(10, () => log.push('second'));
    await clock.runUntil({});
    expect(log).toEqual(['first, followed through', 'second']);
  });

  it('waits for tracked work before moving time, and returns the work itself', async () => {
    const clock = new SimClock();
    const log: string[] = [];
    const outside = new Promise<string>((resolve) => setTimeout(() => resolve('worker done'), 30));
    expect(clock.track(outside)).toBe(outside);
    void outside.then((value) => log.push(`${value} at ${clock.monotonicMs()}`));
    clock.setTimer(1, () => log.push(`timer at ${clock.monotonicMs()}`));
    expect(clock.trackedCount).toBe(1);
    await clock.runUntil({});
    expect(log).toEqual(['worker done at 0', 'timer at 1']);
    expect(clock.trackedCount).toBe(0);
  });

  it('counts tracked work that fails as finished', async () => {
    const clock = new SimClock();
    const failing = clock.track(Promise.reject(new Error('the worker crashed')));
    await expect(failing).rejects.toThrow('the worker crashed');
    await clock.settle();
    expect(clock.trackedCount).toBe(0);
  });

  it('does not move time while isBusy reports outside work', async () => {
    let busyRounds = 20;
    const clock = new SimClock({ isBusy: () => busyRounds-- > 0 });
    const seenBusy: number[] = [];
    clock.setTimer(5, () => seenBusy.push(busyRounds));
    await clock.runUntil({});
    expect(seenBusy[0]).toBeLessThanOrEqual(0);
  });

  it('stops at atMs with time exactly there, leaving later timers pending', async () => {
    const clock = new SimClock();
    let fired = 0;
    clock.setTimer(100, () => fired++);
    clock.setTimer(300, () => fired++);
    expect(await clock.runUntil({ atMs: 250 })).toBe('reached');
    expect(clock.monotonicMs()).toBe(250);
    expect(fired).toBe(1);
    expect(clock.pendingTimerCount).toBe(1);
    expect(clock.nextDueMs).toBe(300);
  });

  it('moves to atMs even when nothing is pending', async () => {
    const clock = new SimClock();
    expect(await clock.runUntil({ atMs: 5_000 })).toBe('reached');
    expect(clock.monotonicMs()).toBe(5_000);
  });

  it('stops as soon as the condition holds at a quiet moment', async () => {
    const clock = new SimClock();
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.setTimer(10, tick);
    };
    clock.setTimer(10, tick);
    expect(await clock.runUntil({ until: () => ticks === 7 })).toBe('condition');
    expect(clock.monotonicMs()).toBe(70);
  });

  it('returns idle when nothing is pending and nothing is tracked', async () => {
    expect(await new SimClock().runUntil({})).toBe('idle');
  });

  it('stops the run with the error of a timer that throws, time standing at that timer', async () => {
    const clock = new SimClock();
    clock.setTimer(40, () => {
      throw new Error('a bug in a timer');
    });
    clock.setTimer(50, () => undefined);
    await expect(clock.runUntil({})).rejects.toThrow('a bug in a timer');
    expect(clock.monotonicMs()).toBe(40);
    expect(clock.pendingTimerCount).toBe(1);
  });

  it('gives the same firing order and times on every run of the same program', async () => {
    const run = async (): Promise<string[]> => {
      const clock = new SimClock();
      const log: string[] = [];
      for (let i = 0; i < 20; i++) {
        clock.setTimer((i * 37) % 11, () => afterImmediates(i % 4, () => {
          log.push(`${i}@${clock.monotonicMs()}`);
          if (i % 3 === 0) clock.setTimer(i % 5, () => log.push(`${i}+@${clock.monotonicMs()}`));
        }));
      }
      await clock.runUntil({});
      return log;
    };
    expect(await run()).toEqual(await run());
  });

  it('refuses atMs in the past or not finite, and a second run at once, with invalid-argument', async () => {
    const clock = new SimClock();
    await clock.advance(100);
    await expectKind(() => clock.runUntil({ atMs: 99 }), 'invalid-argument');
    await expectKind(() => clock.runUntil({ atMs: Number.NaN }), 'invalid-argument');
    await expectKind(() => clock.runUntil({ atMs: Number.POSITIVE_INFINITY }), 'invalid-argument');
    await expectKind(() => clock.advance(-1), 'invalid-argument');
    const first = clock.runUntil({ atMs: 200 });
    await expectKind(() => clock.runUntil({}), 'invalid-argument');
    await first;
  });

  it('refuses a bad start instant or quiet-round count with invalid-argument', () => {
    expectKindSync(() => new SimClock({ startWallMs: -1 }), 'invalid-argument');
    expectKindSync(() => new SimClock({ startWallMs: 1.5 }), 'invalid-argument');
    expectKindSync(() => new SimClock({ quietRounds: 0 }), 'invalid-argument');
  });
});
