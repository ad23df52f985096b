/**
 * Reconnect back-off: exponential with full jitter (delay drawn uniformly from
 * [0, min(cap, base · 2^attempt)]). Full jitter spreads a fleet that lost the same cell
 * tower across the whole interval instead of having it reconnect in synchronised waves,
 * which a fixed reconnect period (mqtt.js's) would do.
 */
import type { Crypto } from '../../sdk/hal/crypto.js';

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 60_000 };

/** A uniform draw in [0, 1) from the HAL's random bytes (53 bits, like Math.random). */
export function uniform01(crypto: Crypto): number {
  const b = crypto.randomBytes(7);
  let n = 0;
  for (const byte of b) n = n * 256 + byte;
  return (n % 2 ** 53) / 2 ** 53;
}

/** The ceiling for attempt n (0-based) before jitter. */
export function backoffCeilingMs(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
}

export function fullJitterDelayMs(policy: BackoffPolicy, attempt: number, crypto: Crypto): number {
  return Math.floor(uniform01(crypto) * backoffCeilingMs(policy, attempt));
}

/**
 * Request resend timing [FW-7.4.1]: 10 s doubling to 60 s, ±20 % jitter, so a lost reply is
 * asked for again without a fleet resending in step.
 */
export interface ResendPolicy {
  firstMs: number;
  capMs: number;
  jitter: number;
}

export const DEFAULT_RESEND: ResendPolicy = { firstMs: 10_000, capMs: 60_000, jitter: 0.2 };

export function resendDelayMs(policy: ResendPolicy, attempt: number, crypto: Crypto): number {
  const ceiling = Math.min(policy.capMs, policy.firstMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (1 - policy.jitter + 2 * policy.jitter * uniform01(crypto)));
}
