/**
 * Runs a fleet with a progress bar on stderr, then prints the summary (a table, or JSON lines
 * with --json) and writes the report folder. Shared by `fairway sim run` and `fairway start`.
 * A run whose invariants or expectations fail exits non-zero and prints the command that
 * reproduces it.
 */
import cliProgress from 'cli-progress';
import { formatSummaryTable, judgeRun, toJsonLines, writeReport } from '../../sim/report/index.js';
import { runFleet, type FleetProgress } from '../../sim/fleet/run-fleet.js';
import type { RunResult } from '../../sim/report/run-result.js';
import type { Scenario } from '../../sim/scenario/index.js';

export interface SimRunOptions {
  scenario: Scenario;
  seed: number;
  json: boolean;
  reportDir: string | null;
  dataDir?: string;
  reproduce: string;
  write?: (text: string) => void;
}

export async function runWithProgress(options: SimRunOptions): Promise<{ result: RunResult; passed: boolean }> {
  const write = options.write ?? ((t: string) => process.stdout.write(t));
  const showBar = process.stderr.isTTY === true || process.env.FAIRWAY_PROGRESS === '1';
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | virtual {virtual} | {connected}/{terminals} online, {downloading} downloading, {playing} playing | {charges} charges, {titles} titles',
      hideCursor: true,
      noTTYOutput: showBar,
      notTTYSchedule: 2_000,
    },
    cliProgress.Presets.shades_classic,
  );
  const durationMs = options.scenario.durationMs;
  process.stderr.write(`fairway sim: ${options.scenario.name}, seed ${options.seed}, ${options.scenario.fleet.reduce((n, g) => n + g.count, 0)} terminals, ${Math.round(durationMs / 60_000)} virtual minutes\n`);
  bar.start(durationMs, 0, { virtual: '0:00', connected: 0, terminals: 0, downloading: 0, playing: 0, charges: 0, titles: 0 });
  const onProgress = (p: FleetProgress) =>
    bar.update(p.virtualMs, {
      virtual: `${Math.floor(p.virtualMs / 60_000)}:${String(Math.floor((p.virtualMs % 60_000) / 1000)).padStart(2, '0')}`,
      connected: p.connected,
      terminals: p.terminals,
      downloading: p.downloading,
      playing: p.playing,
      charges: p.charges,
      titles: p.titlesFinished,
    });
  let result: RunResult;
  try {
    result = await runFleet({ scenario: options.scenario, seed: options.seed, reproduce: options.reproduce, onProgress, ...(options.dataDir && { dataDir: options.dataDir }) });
    bar.update(durationMs);
  } finally {
    bar.stop();
  }
  const verdict = judgeRun(result, options.scenario.expect);
  const expect = { expect: options.scenario.expect };
  if (options.reportDir) await writeReport(options.reportDir, result, expect);
  write(options.json ? toJsonLines(result, expect) : formatSummaryTable(result, expect));
  if (options.reportDir && !options.json) write(`report: ${options.reportDir}/index.html (result.json, junit.xml beside it)\n`);
  if (!verdict.passed) {
    process.stderr.write(`fairway sim: the run FAILED (invariants or expectations). Reproduce it with:\n  ${result.reproduce}\n`);
  }
  return { result, passed: verdict.passed };
}
