import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../sdk/testing/mocks/index.js';
import { describeClockConformance } from '../../sdk/testing/index.js';
import { expectThrow } from '../../sdk/testing/expect-error.js';

describeClockConformance(async () => {
  const clock = new ManualClock();
  return { clock, advance: async (ms) => clock.advance(ms) };
});

describe('ManualClock', () => {
  it('does not move until advanced', () => {
    const clock = new ManualClock({ monotonicStartMs: 100 });
    expect(clock.monotonicMs()).toBe(100);
    expect(clock.monotonicMs()).toBe(100);
    clock.advance(5);
    expect(clock.monotonicMs()).toBe(105);
  });

  it('reads each timer due time while that timer fires', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimer(30, () => seen.push(clock.monotonicMs()));
    clock.setTimer(10, () => seen.push(clock.monotonicMs()));
    clock.advance(100);
    expect(seen).toEqual([10, 30]);
    expect(clock.monotonicMs()).toBe(100);
  });

  it('fires a timer set by a firing timer in the same advance when it falls due within it', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimer(10, () => clock.setTimer(10, () => seen.push(clock.monotonicMs())));
    clock.advance(25);
    expect(seen).toEqual([20]);
  });

  it('jumps the wall clock without moving monotonic time', () => {
    const clock = new ManualClock({ wallStartMs: 1_000_000 });
    clock.advance(10);
    clock.setWallMs(5_000_000);
    expect(clock.wallMs()).toBe(5_000_000);
    expect(clock.monotonicMs()).toBe(10);
    clock.advance(1);
    expect(clock.wallMs()).toBe(5_000_001);
  });

  it('counts pending timers, and a cancelled one is no longer pending', () => {
    const clock = new ManualClock();
    const timer = clock.setTimer(5, () => undefined);
    clock.setTimer(5, () => undefined);
    expect(clock.pendingTimerCount).toBe(2);
    timer.cancel();
    expect(clock.pendingTimerCount).toBe(1);
  });

  it('refuses to advance by a negative amount', () => {
    expectThrow(() => new ManualClock().advance(-1), 'invalid-argument');
  });
});
