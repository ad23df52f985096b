/**
 * The simulator's promise to QA: a seed replays a run exactly, and the seeds that once failed
 * (sim/regressions.json) keep passing. Each run is the real store and real terminal runtimes
 * over the radio model, in virtual time, with every fault kind (broker restart, power loss,
 * blackouts, a frozen terminal) — the short chaos run CI does on every change.
 */
import { describe, expect, it } from 'vitest';
import { runFleet } from '../../../sim/fleet/run-fleet.js';
import { loadRegressions, loadScenario } from '../../../sim/scenario/index.js';

const CHAOS = 'sim/scenarios/chaos-short.yaml';

describe('a fleet run', () => {
  it('gives the same trace for the same seed and another for another seed, invariants held', async () => {
    const scenario = await loadScenario(CHAOS);
    const first = await runFleet({ scenario, seed: 7, reproduce: `npx fairway sim run ${CHAOS} --seed 7` });
    const again = await runFleet({ scenario, seed: 7, reproduce: '' });
    const other = await runFleet({ scenario, seed: 8, reproduce: '' });
    expect(again.traceHash).toBe(first.traceHash);
    expect(other.traceHash).not.toBe(first.traceHash);
    for (const run of [first, again, other]) expect(run.invariants.filter((i) => !i.held)).toEqual([]);
    expect(first.terminals.reduce((n, t) => n + t.partsBought, 0)).toBeGreaterThan(0);
    // Every fault kind of the scenario played its part in the run that replayed exactly.
    expect(first.terminals.reduce((n, t) => n + t.powerLosses, 0)).toBeGreaterThan(0);
    expect(first.terminals.reduce((n, t) => n + t.drops, 0)).toBeGreaterThan(0);
  }, 180_000);
});

describe('the regression seeds (sim/regressions.json): the short chaos run', async () => {
  const seeds = await loadRegressions();
  it.each(seeds.map((s) => [`${s.scenario} --seed ${s.seed}`, s] as const))('%s holds every invariant', async (_name, entry) => {
    const scenario = await loadScenario(entry.scenarioPath);
    const result = await runFleet({ scenario, seed: entry.seed, reproduce: `npx fairway sim run ${entry.scenario} --seed ${entry.seed}` });
    expect(result.invariants.filter((i) => !i.held), `reproduce: ${result.reproduce}`).toEqual([]);
    // Every fault kind really happened.
    expect(result.terminals.reduce((n, t) => n + t.powerLosses, 0)).toBeGreaterThan(0);
    expect(result.terminals.reduce((n, t) => n + t.drops, 0)).toBeGreaterThan(0);
  }, 180_000);
});
