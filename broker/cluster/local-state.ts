/**
 * Shared state for a store that is one process: nonces, guess counts in memory. What the
 * store always did, behind the interface a cluster implements in Redis.
 */
import { FairwayError } from '../../sdk/errors.js';
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
 * Live nonces one node keeps: one per accepted CONNECT for the credential window (5 min), ~100
 * bytes each, so 500,000 is ~50 MB and 1,666 connects a second sustained [issue 12 §5].
 */
export const DEFAULT_MAX_LOCAL_NONCES = 500_000;

/**
 * Nonces until their credential's window has passed. Entries arrive roughly in time order,
 * so pruning stops at the first live one: O(expired) per call. At `maxNonces` live ones a
 * claim fails as unavailable instead of forgetting one early — forgetting would let that
 * credential be replayed — so the CONNECT hears CONNACK 3 and its terminal comes back once
 * older credentials have aged out.
 */
export class LocalNonces {
  private readonly forgetAt = new Map<string, number>();

  constructor(private readonly maxNonces = DEFAULT_MAX_LOCAL_NONCES) {}

  get size(): number {
    return this.forgetAt.size;
  }

  readonly claim = async (nonce: Uint8Array, forgetAtMs: number, nowMs: number): Promise<boolean> => {
    for (const [key, at] of this.forgetAt) {
      if (at >= nowMs) break;
      this.forgetAt.delete(key);
    }
    const key = nonceKey(nonce);
    if (this.forgetAt.has(key)) return false;
    if (this.forgetAt.size >= this.maxNonces) throw new FairwayError('capacity-exceeded', `${this.maxNonces} credential nonces are live; new connections wait until older ones age out`);
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
