/**
 * What store nodes must agree on while terminals hop between them [issue 11 §3]. A single
 * node keeps all of it in process (local-state.ts); a cluster keeps it in Redis
 * (redis-state.ts), so a captured credential, a guessed password or a resent request gets
 * the same answer whichever node the balancer picks.
 *
 * Every method may reject when the shared store is unreachable: callers turn that into
 * "decided nothing, try again" (CONNACK 3, error `unavailable`), never into a yes.
 */

/** Counts guesses (logins, prepaid card passwords) per key within a window. */
export interface GuessLimiter {
  /**
   * Reserves one guess under every key, atomically across the cluster. Refused, with how long
   * to wait, once any key has used its guesses in the window. A reserved guess counts as a
   * failure until `settle` says otherwise, so guesses racing on several nodes cannot exceed
   * the limit together.
   */
  tryGuess(keys: readonly string[], nowMs: number): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
  /**
   * What the reserved guess turned out to be: `right` clears the keys (a success), `wrong`
   * keeps it counted, `void` gives it back (the attempt guessed nothing, e.g. a card that
   * exists and was already used).
   */
  settle(keys: readonly string[], outcome: 'right' | 'wrong' | 'void', nowMs: number): Promise<void>;
}

/** A second level under each node's reply cache: answers by (device, rid), for a while. */
export interface SharedReplies {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keeps `value` for `ttlMs` unless a value is already kept under `key` (the first answer wins). */
  putIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<void>;
}

export interface SharedState {
  /** `local` (one process) or `redis` (a cluster). */
  readonly kind: 'local' | 'redis';
  /**
   * Claims a credential nonce until `forgetAtMs` (the credential's time plus the replay
   * window): true the first time anywhere, false for a replay. Called only after the
   * credential's signature verified, so nobody without the device key can use up nonces.
   */
  claimNonce(nonce: Uint8Array, forgetAtMs: number, nowMs: number): Promise<boolean>;
  readonly loginLimiter: GuessLimiter;
  readonly cardLimiter: GuessLimiter;
  /** Absent on a single node: its own reply cache already sees every resend. */
  readonly replies?: SharedReplies;
  /** Throws when the shared store cannot be reached (readiness, start-up checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The limits the store applies, the same on every node. */
export const LOGIN_GUESSES = { maxFailures: 5, windowMs: 5 * 60_000 } as const;
export const CARD_GUESSES = { maxFailures: 5, windowMs: 15 * 60_000 } as const;

export function nonceKey(nonce: Uint8Array): string {
  let hex = '';
  for (const b of nonce) hex += b.toString(16).padStart(2, '0');
  return hex;
}
