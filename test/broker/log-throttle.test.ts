import { expect, it } from 'vitest';
import { LogThrottle } from '../../broker/log-throttle.js';

it('lets one line a second through a flood, each saying how many events it held back', () => {
  let nowMs = 0;
  const lines: number[] = [];
  const throttle = new LogThrottle(() => nowMs);
  for (let i = 0; i < 25; i++) {
    throttle.event((heldBack) => lines.push(heldBack));
    nowMs += 100; // ten events a second
  }
  // Events at 0 ms, 1,000 ms and 2,000 ms get through; the 9 between each pair are counted.
  expect(lines).toEqual([0, 9, 9]);
});
