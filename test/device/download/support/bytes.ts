/**
 * Byte-array equality that stays fast on whole parts (vitest's deep equality walks typed arrays
 * element by element) and still says where two arrays first differ.
 */
import { expect } from 'vitest';

export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) expect.fail(`${what} differ first at offset ${i}: ${actual[i]} instead of ${expected[i]}`);
  }
}
