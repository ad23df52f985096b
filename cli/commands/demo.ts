/**
 * `fairway demo` (what `npm start` runs until the simulator lands): one terminal buys and
 * streams a three-part title from an in-process store over the real wire codec, with a
 * corrupted chunk on the way, then signs the receipt the store verifies before charging.
 */
import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the SDK end to end: sign manifests, offer, stream verified chunks, sign and verify a receipt')
    .option('--data <dir>', 'folder for the terminal’s flash', 'data/demo')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { data: string; json?: boolean }) => {
      const summary = await runDemo(options.data, options.json ? () => {} : (line) => process.stdout.write(`${line}\n`));
      if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
