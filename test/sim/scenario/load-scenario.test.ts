import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RADIO_PRESETS } from '../../../sim/hal/presets.js';
import { radioOverridesSchema } from '../../../sim/hal/radio-profile.js';
import { loadScenario, parseScenario, SCENARIO_FILE_BYTES_MAX } from '../../../sim/scenario/load.js';
import { RADIO_PRESET_NAMES } from '../../../sim/scenario/preset-names.js';
import { RADIO_KNOB_NAMES } from '../../../sim/scenario/radio-knobs.js';
import { REPO_ROOT } from '../../../sim/scenario/regressions.js';
import { ScenarioError } from '../../../sim/scenario/scenario-error.js';
import { SCENARIO_DEFAULTS } from '../../../sim/scenario/schema.js';

const EXAMPLES = join(REPO_ROOT, 'sim', 'scenarios');
const root = await mkdtemp(join(tmpdir(), 'fairway-scenario-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));

async function refusal(path: string): Promise<ScenarioError> {
  try {
    await loadScenario(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('the example scenarios', () => {
  it('include smoke, evening-rush, chaos and weak-radio', () => {
    expect(files).toEqual(expect.arrayContaining(['smoke.yaml', 'evening-rush.yaml', 'chaos.yaml', 'weak-radio.yaml']));
  });

  it.each(files)('%s loads, and its name is its file name', async (file) => {
    const scenario = await loadScenario(join(EXAMPLES, file));
    expect(`${scenario.name}.yaml`).toBe(file);
    expect(scenario.fleet.length).toBeGreaterThan(0);
  });

  it('smoke runs five 4G terminals for five virtual minutes', async () => {
    const smoke = await loadScenario(join(EXAMPLES, 'smoke.yaml'));
    expect(smoke.fleet.map((g) => [g.count, g.preset])).toEqual([[5, '4g']]);
    expect(smoke.durationMs).toBe(300_000);
    expect(smoke.catalog).toBe('demo');
  });

  it('evening-rush has fifty terminals over a mix of presets', async () => {
    const rush = await loadScenario(join(EXAMPLES, 'evening-rush.yaml'));
    expect(rush.fleet.reduce((n, g) => n + g.count, 0)).toBe(50);
    expect(new Set(rush.fleet.map((g) => g.preset)).size).toBeGreaterThan(2);
  });

  it('chaos schedules every kind of fault', async () => {
    const chaos = await loadScenario(join(EXAMPLES, 'chaos.yaml'));
    expect(new Set(chaos.faults.map((f) => f.kind))).toEqual(new Set(['broker-restart', 'power-loss', 'blackout', 'freeze']));
  });
});

describe('loading a scenario', () => {
  it('fills in every default a QA lead may leave out', () => {
    const scenario = parseScenario('name: minimal\nfleet:\n  - count: 3\n', 'minimal.yaml');
    expect(scenario).toEqual({
      name: 'minimal',
      seed: null,
      durationMs: SCENARIO_DEFAULTS.durationMs,
      timelineStepMs: SCENARIO_DEFAULTS.timelineStepMs,
      fleet: [
        {
          count: 3,
          preset: '4g',
          radio: {},
          flashBytes: SCENARIO_DEFAULTS.flashBytes,
          user: {
            buyNextProbability: SCENARIO_DEFAULTS.buyNextProbability,
            topUpWhenShort: true,
            startDelayMsMax: SCENARIO_DEFAULTS.startDelayMsMax,
            titles: null,
            maxTitles: SCENARIO_DEFAULTS.maxTitles,
            thinkMsMean: SCENARIO_DEFAULTS.thinkMsMean,
          },
          credit: SCENARIO_DEFAULTS.credit,
          cards: SCENARIO_DEFAULTS.cards,
          cardValue: SCENARIO_DEFAULTS.cardValue,
        },
      ],
      catalog: 'demo',
      faults: [],
      hostSessions: [],
      expect: {},
    });
  });

  it('fills in the defaults of each fault kind', () => {
    const text = `name: faults
fleet: [{ count: 4 }]
faults:
  - { kind: broker-restart, atMs: 1000 }
  - { kind: power-loss, ratePerHour: 1 }
  - { kind: blackout, atMs: 2000, durationMs: 500 }
  - { kind: freeze, atMs: 3000 }
`;
    expect(parseScenario(text, 'faults.yaml').faults).toEqual([
      { kind: 'broker-restart', atMs: 1000, durationMs: 0 },
      { kind: 'power-loss', ratePerHour: 1, fromMs: 0, untilMs: null, offMs: SCENARIO_DEFAULTS.powerOffMs },
      { kind: 'blackout', atMs: 2000, durationMs: 500, fraction: 1 },
      { kind: 'freeze', atMs: 3000, count: 1, durationMs: null },
    ]);
  });

  it('keeps only the radio knobs the scenario overrides, for the preset to fill in the rest', () => {
    const scenario = parseScenario('name: r\nfleet:\n  - { count: 1, preset: edge, radio: { latencyMsMean: 300, maxBufferedBytes: 8192 } }\n', 'r.yaml');
    expect(scenario.fleet[0]!.radio).toEqual({ latencyMsMean: 300, maxBufferedBytes: 8192 });
  });

  it('resolves catalog folders against the folder the scenario file is in', async () => {
    const dir = join(root, 'qa', 'nightly');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'folders.yaml'), 'name: folders\nfleet: [{ count: 1 }]\ncatalog: [../titles/golf, /srv/titles/novel]\n');
    const scenario = await loadScenario(join(dir, 'folders.yaml'));
    expect(scenario.catalog).toEqual([join(root, 'qa', 'titles', 'golf'), '/srv/titles/novel']);
  });

  it('accepts any title id when the catalog is a list of folders (the demo check does not apply)', () => {
    const scenario = parseScenario('name: t\nfleet: [{ count: 1, user: { titles: [my-novel] } }]\ncatalog: [titles/novel]\n', '/qa/t.yaml');
    expect(scenario.fleet[0]!.user.titles).toEqual(['my-novel']);
  });

  it('refuses a file that does not exist as not-found, naming it', async () => {
    const error = await refusal(join(root, 'missing.yaml'));
    expect(error.kind).toBe('not-found');
    expect(error.message).toContain('missing.yaml: cannot read: ENOENT');
  });

  it('refuses a folder given as the scenario file', async () => {
    const error = await refusal(root);
    expect(error.kind).toBe('invalid-argument');
    expect(error.detail).toBe('is not a file');
  });

  it('refuses a file larger than any hand-written scenario without parsing it', async () => {
    const path = join(root, 'huge.yaml');
    await writeFile(path, `name: huge\n${'#'.repeat(SCENARIO_FILE_BYTES_MAX)}\n`);
    const error = await refusal(path);
    expect(error.kind).toBe('too-large');
  });
});

describe('the lists scenarios are checked against', () => {
  it('name exactly the presets the radio model defines', () => {
    expect([...RADIO_PRESET_NAMES].sort()).toEqual(Object.keys(RADIO_PRESETS).sort());
  });

  it('name only knobs the radio model accepts as overrides', () => {
    const accepted = Object.keys(radioOverridesSchema.shape);
    for (const knob of RADIO_KNOB_NAMES) expect(accepted).toContain(knob);
  });
});
