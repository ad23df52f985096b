/**
 * Shared state for a store that is one process: nonces, guess counts in memory. What the
 * store always did, behind the interface a cluster implements in Redis.
 */
import { AttemptLimiter } from '../service/attempt-limiter.js';
import { CARD_GUESSES, LOGIN_GUESSES, nonceKey, type GuessLimiter, type SharedState } from './shared-state.js';

class LocalGuessLimiter implements GuessLimiter {
  private readonly limiter: AttemptLimiter;

  constructor(limits: { maxFailures: number; windowMs: number }) {
    this.limiter = new AttemptLimiter(limits.maxFailures, limits.windowMs);
  }

  async tryGuess(keys: readonly string[], nowMs: number): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
    const wait = Math.max(0, ...keys.map((k) => this.limiter.retryAfterMs(k, nowMs)));
    if (wait > 0) return { allowed: false, retryAfterMs: wait };
    for (const k of keys) this.limiter.failed(k, nowMs);
    return { allowed: true };
  }

  async settle(keys: readonly string[], outcome: 'right' | 'wrong' | 'void'): Promise<void> {
    for (const k of keys) {
      if (outcome === 'right') this.limiter.succeeded(k);
      else if (outcome === 'void') this.limiter.refund(k);
    }
  }
}

/**
 * Nonces until their credential's window has passed. Entries arrive roughly in time order,
 * so pruning stops at the first live one: O(expired) per call.
 */
export class LocalNonces {
  private readonly forgetAt = new Map<string, number>();

  readonly claim = async (nonce: Uint8Array, forgetAtMs: number, nowMs: number): Promise<boolean> => {
    for (const [key, at] of this.forgetAt) {
      if (at >= nowMs) break;
      this.forgetAt.delete(key);
    }
    const key = nonceKey(nonce);
    if (this.forgetAt.has(key)) return false;
    this.forgetAt.set(key, forgetAtMs);
    return true;
  };
}

export class LocalSharedState implements SharedState {
  readonly kind = 'local';
  readonly loginLimiter: GuessLimiter = new LocalGuessLimiter(LOGIN_GUESSES);
  readonly cardLimiter: GuessLimiter = new LocalGuessLimiter(CARD_GUESSES);
  private readonly nonces = new LocalNonces();

  claimNonce(nonce: Uint8Array, forgetAtMs: number, nowMs: number): Promise<boolean> {
    return this.nonces.claim(nonce, forgetAtMs, nowMs);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
