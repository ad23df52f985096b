/**
 * Reading a scenario: the file, the YAML, the schema, then the catalog folders resolved
 * against the scenario's own folder, so a scenario runs the same from any working directory.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Scenario } from './scenario.js';
import { ScenarioError } from './scenario-error.js';
import { scenarioSchema, ScenarioSchema, type ScenarioSchemaOptions } from './schema.js';
import { validateYaml } from './validate-yaml.js';

/** Scenario files are hand-written; anything larger is the wrong file. */
export const SCENARIO_FILE_BYTES_MAX = 1024 * 1024;

/** Reads and validates a scenario file; every refusal is a ScenarioError naming file, line and field. */
export async function loadScenario(path: string, options: ScenarioSchemaOptions = {}): Promise<Scenario> {
  return parseScenario(await readTextFile(path), path, options);
}

/** Validates scenario text; `path` names it in errors and anchors relative catalog folders. */
export function parseScenario(text: string, path: string, options: ScenarioSchemaOptions = {}): Scenario {
  const schema = options.presetNames ? scenarioSchema(options) : ScenarioSchema;
  const data: Scenario = validateYaml(schema, text, path).data;
  if (data.catalog !== 'demo') data.catalog = data.catalog.map((folder) => resolve(dirname(path), folder));
  return data;
}

/** A small text file, or a ScenarioError saying why it cannot be read. */
export async function readTextFile(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ScenarioError(path, [{ kind: 'invalid-argument', detail: 'is not a file' }]);
    if (info.size > SCENARIO_FILE_BYTES_MAX) throw new ScenarioError(path, [{ kind: 'too-large', detail: `${info.size} bytes; at most ${SCENARIO_FILE_BYTES_MAX}` }]);
    return await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScenarioError(path, [{ kind: code === 'ENOENT' ? 'not-found' : 'io', detail: `cannot read: ${code ?? (e as Error).message}` }]);
  }
}
