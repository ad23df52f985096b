/**
 * What terminal traffic costs the shared Redis, two ways:
 *
 * - **operations** (round trips): the commands clients sent, as a MONITOR connection sees
 *   them — a Lua script is one operation, whatever it runs inside. This is what a node waits
 *   for and what the network carries.
 * - **commands**, from `INFO commandstats`, as Redis counts its own work: a script is one
 *   `evalsha` plus every command it runs (Redis counts those too), a MULTI/EXEC of three is
 *   five.
 *
 * Both leave out `INFO` (the bench's own reads, and ioredis' ready checks of the nodes' clients
 * at their connect). Subscribed channels receive messages without commands; the emitter's
 * PUBLISHes are commands. MONITOR slows Redis down, which does not matter here: these are
 * counts, not rates.
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

/** What a MONITOR line says was sent: `source` is `lua` for a command a script ran. */
export function isClientOperation(command: string, source: string): boolean {
  const name = command.toLowerCase();
  return source !== 'lua' && name !== 'info' && name !== 'monitor';
}

export class RedisCallCounter {
  private readonly operationsByCommand = new Map<string, number>();

  private constructor(
    private readonly client: Redis,
    private readonly monitor: { disconnect(): void },
  ) {}

  static async connect(url: string): Promise<RedisCallCounter> {
    // No ready check and no client name: nothing but the INFO calls this class makes.
    const client = new Redis(url, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 1 });
    await client.connect();
    const monitor = await client.duplicate().monitor();
    const counter = new RedisCallCounter(client, monitor);
    monitor.on('monitor', (_time: string, args: string[], source: string) => counter.sawOperation(args[0] ?? '', source));
    return counter;
  }

  private sawOperation(command: string, source: string): void {
    if (!isClientOperation(command, source)) return;
    const name = command.toLowerCase();
    this.operationsByCommand.set(name, (this.operationsByCommand.get(name) ?? 0) + 1);
  }

  /**
   * Operations seen so far, per command. MONITOR reports asynchronously: take this after a
   * `stats()` call, whose INFO reply comes after every command Redis ran before it (one
   * server thread), and after a short pause for the monitor connection to catch up.
   */
  async operations(): Promise<Map<string, number>> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return new Map(this.operationsByCommand);
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
    this.monitor.disconnect();
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
