import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../sim/scenario/load.js';
import { loadRegressions } from '../../../sim/scenario/regressions.js';
import { ScenarioError } from '../../../sim/scenario/scenario-error.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-regressions-'));
afterAll(() => rm(root, { recursive: true, force: true }));
await mkdir(join(root, 'sim', 'scenarios'), { recursive: true });
await writeFile(join(root, 'sim', 'scenarios', 'chaos.yaml'), 'name: chaos\nfleet: [{ count: 1 }]\n');

let written = 0;
async function regressionsFile(json: string): Promise<string> {
  const path = join(root, `regressions-${++written}.json`);
  await writeFile(path, json);
  return path;
}


async function refusal(json: string): Promise<ScenarioError> {
  try {
    await loadRegressions(await regressionsFile(json), { root });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('regression seeds', () => {
  it('the repository’s sim/regressions.json loads, and every scenario it names loads', async () => {
    const seeds = await loadRegressions();
    expect(seeds.length).toBeGreaterThan(0);
    for (const s of seeds) {
      const scenario = await loadScenario(s.scenarioPath);
      expect(scenario.name).toBeTruthy();
      expect(s.note.length).toBeGreaterThan(0);
    }
  });

  it('resolve scenario paths against the repository root', async () => {
    const seeds = await loadRegressions(await regressionsFile('{ "seeds": [ { "scenario": "sim/scenarios/chaos.yaml", "seed": 7, "note": "double charge after a broker restart" } ] }'), { root });
    expect(seeds).toEqual([{ scenario: 'sim/scenarios/chaos.yaml', scenarioPath: join(root, 'sim', 'scenarios', 'chaos.yaml'), seed: 7, note: 'double charge after a broker restart' }]);
  });

  it('refuse a scenario file that does not exist, naming the entry’s line', async () => {
    const error = await refusal('{\n  "seeds": [\n    { "scenario": "sim/scenarios/chaos.yaml", "seed": 1, "note": "a" },\n    { "scenario": "sim/scenarios/gone.yaml", "seed": 1, "note": "b" }\n  ]\n}\n');
    expect([error.kind, error.line, error.field]).toEqual(['not-found', 4, 'seeds.1.scenario']);
  });

  it('refuse the same scenario and seed listed twice', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "sim/scenarios/chaos.yaml", "seed": 3, "note": "a" },\n { "scenario": "sim/scenarios/chaos.yaml", "seed": 3, "note": "b" }\n] }');
    expect([error.line, error.field]).toEqual([3, 'seeds.1.seed']);
    expect(error.detail).toContain('listed twice');
  });

  it('refuse a seed that is not a 32-bit whole number', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "sim/scenarios/chaos.yaml", "seed": 1.5, "note": "a" }\n] }');
    expect([error.kind, error.line, error.field]).toEqual(['wrong-type', 2, 'seeds.0.seed']);
  });

  it('refuse an entry without a note saying why the seed is there', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "sim/scenarios/chaos.yaml", "seed": 1 }\n] }');
    expect([error.kind, error.line, error.field]).toEqual(['missing-field', 2, 'seeds.0.note']);
  });

  it('refuse an unknown field', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "sim/scenarios/chaos.yaml", "seed": 1, "note": "a", "why": "b" }\n] }');
    expect([error.kind, error.line, error.field]).toEqual(['unknown-field', 2, 'seeds.0.why']);
  });

  it('refuse a path outside the repository', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "../elsewhere/chaos.yaml", "seed": 1, "note": "a" }\n] }');
    expect([error.line, error.field]).toEqual([2, 'seeds.0.scenario']);
  });

  it('refuse a file that is not a scenario', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "sim/scenarios/chaos.json", "seed": 1, "note": "a" }\n] }');
    expect(error.detail).toBe('must be a scenario file (.yaml or .yml)');
  });

  it('refuse JSON with a syntax error, naming its line', async () => {
    const error = await refusal('{ "seeds": [\n { "scenario": "sim/scenarios/chaos.yaml", "seed": 1, "note": "a" }\n ');
    expect(error.kind).toBe('malformed');
    expect(error.line).toBeGreaterThanOrEqual(2);
  });
});
