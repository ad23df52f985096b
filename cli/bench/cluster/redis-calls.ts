/**
 * Commands a Redis server has executed, from `INFO commandstats`: the cluster bench's count of
 * what terminal traffic costs the shared Redis. One dedicated connection reads the counters,
 * and every `INFO` is left out of the sum — the bench's own reads (and ioredis' ready checks
 * of the nodes' clients at their connect) are not the store's work.
 *
 * Counted as Redis counts them: a MULTI/EXEC of three commands is five calls, a pipeline of
 * three is three, a Lua script is one `evalsha` plus the commands it runs. Subscribed
 * channels receive messages without calls; the emitter's PUBLISHes are calls.
 */
import { Redis } from 'ioredis';

/** `cmdstat_get:calls=12,usec=…` lines → command → calls. */
export function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

/** Calls of every command but INFO. */
export function storeCalls(stats: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [command, calls] of stats) if (command !== 'info') total += calls;
  return total;
}

export class RedisCallCounter {
  private constructor(private readonly client: Redis) {}

  static async connect(url: string): Promise<RedisCallCounter> {
    // No ready check and no client name: nothing but the INFO calls this class makes.
    const client = new Redis(url, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 1 });
    await client.connect();
    return new RedisCallCounter(client);
  }

  /** Every command's calls so far. */
  async stats(): Promise<Map<string, number>> {
    return parseCommandStats(await this.client.info('commandstats'));
  }

  /** Calls so far, INFO left out. */
  async calls(): Promise<number> {
    return storeCalls(await this.stats());
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** What changed between two `stats()` readings, per command (for the bench's log line). */
export function callsDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [command, calls] of after) {
    const gained = calls - (before.get(command) ?? 0);
    if (gained > 0 && command !== 'info') delta.set(command, gained);
  }
  return delta;
}
