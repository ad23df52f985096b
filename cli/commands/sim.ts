/** `fairway sim run FILE [--seed N] [--json] [--report DIR]`: a QA scenario in virtual time. */
import type { Command } from 'commander';
import { loadScenario } from '../../sim/scenario/index.js';
import { UsageError } from '../usage-error.js';

export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new UsageError(`--seed must be a whole number 0…4294967295, not "${text}"`);
  return seed;
}

export function registerSim(program: Command): void {
  const sim = program.command('sim').description('Simulated fleets over a modelled radio (docs/qa.md)');
  sim
    .command('run')
    .description('Run a scenario file: a fleet of terminals against the embedded store, in virtual time')
    .argument('<file>', 'scenario YAML (see sim/scenarios/)')
    .option('--seed <n>', 'the seed (default: the scenario’s, else a fresh one, printed)')
    .option('--json', 'figures as JSON lines on stdout')
    .option('--report <dir>', 'write result.json, index.html and junit.xml there')
    .action(async (file: string, o: { seed?: string; json?: boolean; report?: string }) => {
      const scenario = await loadScenario(file);
      const seed = parseSeed(o.seed) ?? scenario.seed ?? (Date.now() ^ (process.pid << 8)) >>> 0;
      const reproduce = `npx fairway sim run ${file} --seed ${seed}`;
      const { runWithProgress } = await import('../sim/run-with-progress.js'); // the simulator loads only when a run starts
      const { passed } = await runWithProgress({ scenario, seed, json: o.json === true, reportDir: o.report ?? null, reproduce });
      if (!passed) process.exitCode = 1;
    });
}
