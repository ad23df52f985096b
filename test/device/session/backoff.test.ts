/**
 * Reconnect back-off is exponential with full jitter, so a fleet that lost one cell tower
 * spreads its reconnects over the whole interval instead of arriving in waves; request
 * resends follow FW-7.4.1 (10 s doubling to 60 s, ±20 %).
 */
import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, DEFAULT_RECONNECT_BACKOFF, DEFAULT_RESEND, fullJitterDelayMs, resendDelayMs, uniform01 } from '../../../device/session/backoff.js';
import type { Crypto } from '../../../sdk/hal/crypto.js';
import { seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import { seed } from '../../support/seed.js';

const random = { randomBytes: seededRandomSource(seed) } as unknown as Crypto;

describe(`reconnect back-off (seed ${seed})`, () => {
  it('has a ceiling that doubles from the base up to the cap', () => {
    const policy = { baseMs: 500, capMs: 60_000 };
    expect([0, 1, 2, 3, 6, 7, 20, 1000].map((n) => backoffCeilingMs(policy, n))).toEqual([500, 1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('draws each delay uniformly from zero to the ceiling (full jitter)', () => {
    const draws = Array.from({ length: 4000 }, () => fullJitterDelayMs(DEFAULT_RECONNECT_BACKOFF, 3, random));
    const ceiling = backoffCeilingMs(DEFAULT_RECONNECT_BACKOFF, 3);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(ceiling);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(ceiling * 0.45);
    expect(mean).toBeLessThan(ceiling * 0.55);
    // Every tenth of the interval gets its share: no synchronised waves.
    const deciles = new Array<number>(10).fill(0);
    for (const d of draws) deciles[Math.floor((d / ceiling) * 10)]!++;
    for (const count of deciles) expect(count).toBeGreaterThan(draws.length / 10 / 1.5);
  });

  it('makes uniform draws in [0, 1) from the HAL random bytes', () => {
    for (let i = 0; i < 1000; i++) {
      const u = uniform01(random);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });
});

describe('request resends', () => {
  it('start near 10 s, double, stop at 60 s, and stay within ±20 %', () => {
    for (const [attempt, nominal] of [[0, 10_000], [1, 20_000], [2, 40_000], [3, 60_000], [9, 60_000]] as const) {
      for (let i = 0; i < 200; i++) {
        const d = resendDelayMs(DEFAULT_RESEND, attempt, random);
        expect(d).toBeGreaterThanOrEqual(nominal * 0.8);
        expect(d).toBeLessThanOrEqual(nominal * 1.2);
      }
    }
  });
});
