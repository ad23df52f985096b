/**
 * `fairway start` — what `npm start` runs: the main job. An embedded broker and store in a
 * data folder, the demo catalog imported, users with terminals, credit and prepaid cards, and a
 * fleet of simulated handhelds over a mix of radio presets, in virtual time, with progress and a
 * closing summary (time to first play against whole-title download, goodput against link rate,
 * parts bought, charges, top-ups, invariants). Beside the fleet, two host sessions (seed 000):
 * a handheld serving Super Golf (billed per reception) to six nearby handhelds on four seats,
 * and one serving Pocket Puzzle (billed up front) to three on four; the summary reports seats
 * used and refused, seat charges by billing mode and whether every peer deleted the part.
 * `npm start -- --help` lists the knobs.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { FleetGroup, HostSessionSpec, Scenario } from '../../sim/scenario/index.js';
import { SCENARIO_DEFAULTS } from '../../sim/scenario/index.js';
import { UsageError } from '../usage-error.js';
import { parseSeed } from './sim.js';

/** The radio mix of the main job: mostly mobile broadband, a share on weak links. */
const PRESET_MIX: [preset: string, share: number][] = [
  ['4g', 0.3],
  ['3g', 0.3],
  ['edge', 0.2],
  ['weak-radio', 0.2],
];

export interface MainJobOptions {
  terminals: number;
  minutes: number;
  seed: number;
}

/**
 * The main job's two host sessions, one per billing mode, placed inside the run whatever its
 * length: licensed at 20 % / 25 % of it, ended 40 % / 30 % of it later.
 */
export function mainHostSessions(durationMs: number): HostSessionSpec[] {
  const session = (title: string, at: number, length: number, seats: number, peers: number, extra: Partial<HostSessionSpec>): HostSessionSpec => {
    const sessionMs = Math.max(2, Math.round(durationMs * length));
    return {
      atMs: Math.round(durationMs * at),
      title,
      seats,
      peers,
      sessionMs,
      joinSpreadMs: Math.min(60_000, Math.floor(sessionMs / 4)),
      leaveProbability: 0,
      peersOffline: 0,
      storePreset: '3g',
      localPreset: 'local-wireless',
      localRadio: {},
      flashBytes: 6 * 1024 * 1024,
      credit: 5_000,
      ...extra,
    };
  };
  return [
    // Per reception: six friends, four seats (two refused); half without a store link, some walk off.
    session('super-golf', 0.2, 0.4, 4, 6, { leaveProbability: 0.2, peersOffline: 0.5, localRadio: { dropIntervalMsMean: 30_000 } }),
    // Up front: a party pack of four seats, three friends come.
    session('pocket-puzzle', 0.25, 0.3, 4, 3, { storePreset: '4g' }),
  ];
}

export function mainScenario(o: MainJobOptions): Scenario {
  const fleet: FleetGroup[] = [];
  let assigned = 0;
  PRESET_MIX.forEach(([preset, share], i) => {
    const count = i === PRESET_MIX.length - 1 ? o.terminals - assigned : Math.round(o.terminals * share);
    assigned += count;
    if (count <= 0) return;
    fleet.push({
      count,
      preset,
      radio: {},
      flashBytes: 6 * 1024 * 1024,
      user: { buyNextProbability: 0.85, topUpWhenShort: true, startDelayMsMax: 120_000, titles: null, maxTitles: 2, thinkMsMean: 20_000 },
      credit: 800,
      cards: 2,
      cardValue: 1_000,
    });
  });
  const durationMs = o.minutes * 60_000;
  return {
    name: 'main-job',
    seed: o.seed,
    durationMs,
    timelineStepMs: Math.max(SCENARIO_DEFAULTS.timelineStepMs, Math.round(durationMs / 180)),
    fleet,
    catalog: 'demo',
    faults: [
      { kind: 'blackout', atMs: Math.round(durationMs * 0.4), durationMs: 60_000, fraction: 0.2 },
      { kind: 'power-loss', ratePerHour: 0.5, fromMs: 0, untilMs: null, offMs: 10_000 },
    ],
    hostSessions: mainHostSessions(durationMs),
    expect: {},
  };
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('The main job (npm start): embedded store + demo catalog + a fleet of simulated handhelds, with a summary')
    .option('--terminals <n>', 'simulated handhelds', '50')
    .option('--minutes <n>', 'virtual minutes to simulate', '15')
    .option('--seed <n>', 'the seed (the same seed gives the same run)', '20261202')
    .option('--data <dir>', 'data folder for the store and the report', 'data/main')
    .option('--json', 'figures as JSON lines on stdout')
    .action(async (o: { terminals: string; minutes: string; seed: string; data: string; json?: boolean }) => {
      const terminals = Number(o.terminals);
      if (!Number.isSafeInteger(terminals) || terminals < 1 || terminals > 5_000) throw new UsageError(`--terminals must be 1…5000, not "${o.terminals}"`);
      const minutes = Number(o.minutes);
      if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) throw new UsageError(`--minutes must be in (0, 1440], not "${o.minutes}"`);
      const seed = parseSeed(o.seed) as number;
      const data = resolve(o.data);
      // Each run starts a fresh world; the previous run's report is replaced.
      await rm(join(data, 'run'), { recursive: true, force: true });
      const scenario = mainScenario({ terminals, minutes, seed });
      const reproduce = `npm start -- --terminals ${terminals} --minutes ${minutes} --seed ${seed}`;
      const { runWithProgress } = await import('../sim/run-with-progress.js'); // the simulator loads only when a run starts
      const { passed } = await runWithProgress({ scenario, seed, json: o.json === true, reportDir: join(data, 'report'), dataDir: join(data, 'run'), reproduce });
      if (!passed) process.exitCode = 1;
    });
}
