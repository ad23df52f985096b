/**
 * The `fairway` command line. Each subcommand lives in its own file under cli/commands; this
 * file only wires them into one commander program so `fairway --help` lists them all.
 */
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerStore } from './commands/store/index.js';
import { CliInputError } from './commands/store/shared.js';
import { registerVectors } from './commands/vectors.js';
import { registerSim } from './commands/sim.js';
import { registerStart } from './commands/start.js';
import { operatorErrorMessage } from './operator-errors.js';
import { UsageError } from './usage-error.js';
import { ScenarioError } from '../sim/scenario/index.js';

export function buildProgram(): Command {
  const program = new Command('fairway')
    .description('Fairway: stream game titles in parts to handheld terminals over weak radio links.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStart(program);
  registerSim(program);
  registerDemo(program);
  registerBench(program);
  registerVectors(program);
  registerStore(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message; help and version are not failures.
      process.exitCode = e.exitCode;
      return;
    }
    if (e instanceof UsageError || e instanceof CliInputError || e instanceof ScenarioError) {
      process.stderr.write(`fairway: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    const known = operatorErrorMessage(e);
    if (known) {
      process.stderr.write(`fairway: ${known}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
