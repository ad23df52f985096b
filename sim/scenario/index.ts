/** Scenario files: the format QA leads write, its validation, and the regression seeds CI replays. */
export { loadScenario, parseScenario, readTextFile, SCENARIO_FILE_BYTES_MAX } from './load.js';
export { scenarioSchema, ScenarioSchema, SCENARIO_DEFAULTS, DEMO_TITLE_IDS, FLEET_TERMINALS_MAX, DURATION_MS_MAX, type ScenarioSchemaOptions } from './schema.js';
export { ScenarioError, describeProblem, type ScenarioProblem } from './scenario-error.js';
export { RADIO_PRESET_NAMES, DEFAULT_RADIO_PRESET, type RadioPresetName } from './preset-names.js';
export { RADIO_KNOBS, RADIO_KNOB_NAMES, type RadioKnobName, type RadioKnobUnit, type RadioOverrides } from './radio-knobs.js';
export { loadRegressions, RegressionsFile, REGRESSIONS_PATH, REPO_ROOT, type RegressionSeed } from './regressions.js';
export { FAULT_KINDS } from './scenario.js';
export type { Scenario, HostSessionSpec, FleetGroup, UserModel, Fault, FaultKind, BrokerRestartFault, PowerLossFault, BlackoutFault, FreezeFault, Expectations, ExpectationName } from './scenario.js';
