import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../broker/service/attempt-limiter.js';

describe('attempt limiter', () => {
  it('refuses attempts after too many failures until the window has passed', () => {
    const limiter = new AttemptLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs('u', 1000 + i)).toBe(0);
      limiter.failed('u', 1000 + i);
    }
    expect(limiter.retryAfterMs('u', 2000)).toBe(59_000);
    expect(limiter.retryAfterMs('other', 2000)).toBe(0);
    expect(limiter.retryAfterMs('u', 61_000)).toBe(0);
  });

  it('clears a key on success', () => {
    const limiter = new AttemptLimiter(2, 60_000);
    limiter.failed('u', 0);
    limiter.succeeded('u');
    limiter.failed('u', 1);
    expect(limiter.retryAfterMs('u', 2)).toBe(0);
  });

  it('forgets keys whose window has passed and never keeps more than its bound', () => {
    const limiter = new AttemptLimiter(3, 1_000, 50);
    for (let i = 0; i < 40; i++) limiter.failed(`old-${i}`, 0);
    limiter.failed('new', 5_000);
    expect(limiter.size).toBe(1);
    for (let i = 0; i < 200; i++) limiter.failed(`k-${i}`, 6_000);
    expect(limiter.size).toBe(50);
  });
});
