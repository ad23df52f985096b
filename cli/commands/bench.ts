/** `fairway bench NAME [--json] [--seconds S]`: benchmarks that print figures, never assert them. */
import type { Command } from 'commander';
import { printFigures, type Figure } from '../bench/format.js';
import { UsageError } from '../usage-error.js';

/**
 * Each bench takes the time budget per measurement in milliseconds. Loaded when run, not when
 * the command line starts: together they pull in the broker, the simulator and the cluster
 * harness, a second of start-up every other `fairway` command would pay.
 */
export const BENCHES: Record<string, { about: string; run: (durationMs: number) => Promise<Figure[]> }> = {
  codec: { about: 'chunk encode/decode MB/s at 4, 16, 64 KiB; COSE receipt sign/verify per second', run: async (durationMs) => (await import('../bench/codec.js')).benchCodec(durationMs) },
  'terminal-memory': { about: 'terminal heap growth streaming 16 and 64 MiB parts from a store process, against the largest window it used', run: async () => (await import('../bench/terminal-memory.js')).benchTerminalMemory() },
  fleet: { about: 'terminals connected (goal 10,000) and streaming (goal 1,000) at one broker process, its memory per terminal, loopback goodput against raw aedes', run: async (durationMs) => (await import('../bench/fleet.js')).benchFleet(durationMs) },
  link: { about: 'terminal goodput ÷ link rate on a clean 1 Mbit/s link, speedup over 4 KiB stop-and-wait at 100 and 600 ms RTT, goodput ÷ up-time capacity under weak-radio (virtual time)', run: async (durationMs) => (await import('../bench/link.js')).benchLink(durationMs) },
  ttfp: { about: 'time to first play of the 18-hole Super Golf title ÷ the link limit and ÷ the whole-title download, on 3g (virtual time)', run: async (durationMs) => (await import('../bench/ttfp.js')).benchTtfp(durationMs) },
  cluster: { about: 'broker CPU per MB streamed on a cluster node against a single node, Redis round trips per connect and per charge, resume after a node is killed -9 mid-stream (a durable throw-away PostgreSQL, or FAIRWAY_BENCH_PG_URL)', run: async (durationMs) => (await import('../bench/cluster.js')).benchCluster(durationMs) },
  charges: { about: 'verified receipts turned into durable charges per second on SQLite and on a durable PostgreSQL (a throw-away server, or FAIRWAY_BENCH_PG_URL), and how long a group holds the provider row', run: async (durationMs) => (await import('../bench/charges.js')).benchCharges(durationMs) },
};

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(`Run a benchmark and print its figures (${Object.keys(BENCHES).join(', ')})`)
    .argument('<name>', 'which benchmark')
    .option('--json', 'one JSON line per figure: {"bench","metric","value","unit"}')
    .option('--seconds <s>', 'time per measurement in seconds', '1')
    .action(async (name: string, options: { json?: boolean; seconds: string }) => {
      const bench = BENCHES[name];
      if (!bench) throw new UsageError(`unknown benchmark "${name}"; choose one of: ${Object.keys(BENCHES).join(', ')}`);
      const seconds = Number(options.seconds);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60) throw new UsageError(`--seconds must be a number in (0, 60], not "${options.seconds}"`);
      printFigures(name, await bench.run(seconds * 1000), options.json === true);
    });
}
