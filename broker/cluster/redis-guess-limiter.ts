/**
 * Guess limits counted in Redis, so a guesser spreading logins or card passwords over every
 * node gets `maxFailures` in all [issue 11 §3]. Each key is a counter whose expiry is the
 * window (set on the first guess: the window runs from the first failure, as on one node).
 *
 * Checking and reserving are one Lua script: Redis runs it without interleaving anything, so
 * twenty guesses racing on three nodes cannot all read "4 used" and all go ahead. The window
 * is measured by Redis' clock (PEXPIRE/PTTL), not the nodes', so clock skew between nodes
 * does not stretch or shorten it; `nowMs` is not needed here.
 */
import type { Redis } from 'ioredis';
import type { GuessLimiter } from './shared-state.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * KEYS: the guess counters; ARGV[1]: maxFailures; ARGV[2]: windowMs.
 * Returns 0 when the guess is reserved under every key, else the ms to wait (≥ 1).
 */
const TRY_GUESS = `
local max = tonumber(ARGV[1])
local wait = 0
for _, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= max then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      -- A counter without expiry would lock the key for ever: give it a window now.
      redis.call('PEXPIRE', key, ARGV[2])
      ttl = tonumber(ARGV[2])
    end
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 0
`;

/** KEYS: the guess counters. Gives one guess back under each; a counter at 0 is deleted. */
const REFUND_GUESS = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    if redis.call('DECR', key) <= 0 then redis.call('DEL', key) end
  end
end
return 0
`;

type ScriptedRedis = Redis & {
  fairwayTryGuess(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  fairwayRefundGuess(numberOfKeys: number, ...keys: string[]): Promise<number>;
};

/** Defines the scripts once per client (ioredis sends EVALSHA, falling back to EVAL once per socket). */
function scripted(client: Redis): ScriptedRedis {
  const s = client as ScriptedRedis;
  if (typeof s.fairwayTryGuess !== 'function') {
    client.defineCommand('fairwayTryGuess', { lua: TRY_GUESS });
    client.defineCommand('fairwayRefundGuess', { lua: REFUND_GUESS });
  }
  return s;
}

export class RedisGuessLimiter implements GuessLimiter {
  constructor(
    private readonly connection: RedisConnection,
    /** Key prefix, e.g. `fairway:guess:`. */
    private readonly prefix: string,
    private readonly limits: { maxFailures: number; windowMs: number },
  ) {
    scripted(connection.client);
  }

  async tryGuess(keys: readonly string[]): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
    const full = keys.map((k) => this.prefix + k);
    const wait = await this.connection.run(1, (c) => scripted(c).fairwayTryGuess(full.length, ...full, this.limits.maxFailures, this.limits.windowMs));
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
  }

  async settle(keys: readonly string[], outcome: 'right' | 'wrong' | 'void'): Promise<void> {
    if (keys.length === 0 || outcome === 'wrong') return; // a wrong guess stays counted: nothing to send
    const full = keys.map((k) => this.prefix + k);
    if (outcome === 'right') await this.connection.run(1, (c) => c.del(...full));
    else await this.connection.run(1, (c) => scripted(c).fairwayRefundGuess(full.length, ...full));
  }
}
