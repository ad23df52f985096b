/**
 * sim/regressions.json: seeds that once made a scenario fail, replayed in CI so a fixed bug
 * stays fixed (TigerBeetle's habit). Scenario paths are relative to the repository root; the
 * loader checks each one exists, so a renamed scenario fails CI instead of silently dropping
 * its regression.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ScenarioError } from './scenario-error.js';
import { readTextFile } from './load.js';
import { validateYaml } from './validate-yaml.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REGRESSIONS_PATH = join(REPO_ROOT, 'sim', 'regressions.json');

const entry = z.strictObject(
  {
    scenario: z
      .string()
      .regex(/\.ya?ml$/, { error: 'must be a scenario file (.yaml or .yml)' })
      .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), { error: 'must be a path inside the repository, relative to its root' }),
    seed: z.number().int().min(0).max(0xffff_ffff),
    /** What failed with this seed and what fixed it, so the next reader knows why it is here. */
    note: z.string().min(1).max(1_000),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'known fields: scenario, seed, note' : undefined) },
);

export const RegressionsFile = z
  .strictObject({ seeds: z.array(entry) }, { error: (issue) => (issue.code === 'unrecognized_keys' ? 'known fields: seeds' : undefined) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.seeds.forEach((s, i) => {
      const key = `${s.scenario} ${s.seed}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['seeds', i, 'seed'], message: `${s.scenario} with seed ${s.seed} is listed twice` });
      seen.add(key);
    });
  });

export interface RegressionSeed {
  /** As written in the file (repository-relative). */
  scenario: string;
  /** Absolute path of the scenario file. */
  scenarioPath: string;
  seed: number;
  note: string;
}

/** Reads and validates a regressions file; `root` anchors the scenario paths (default: this repository). */
export async function loadRegressions(path: string = REGRESSIONS_PATH, options: { root?: string } = {}): Promise<RegressionSeed[]> {
  const { data, lineOf } = validateYaml(RegressionsFile, await readTextFile(path), path);
  const root = options.root ?? REPO_ROOT;
  const seeds = data.seeds.map((s) => ({ ...s, scenarioPath: resolve(root, s.scenario) }));
  for (const [i, s] of seeds.entries()) {
    const isFile = await stat(s.scenarioPath).then((info) => info.isFile(), () => false);
    if (!isFile) throw new ScenarioError(path, [{ kind: 'not-found', field: `seeds.${i}.scenario`, line: lineOf(['seeds', i, 'scenario']), detail: `no scenario file at ${s.scenario}` }]);
  }
  return seeds;
}
