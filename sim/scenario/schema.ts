/**
 * The scenario file format (YAML), as a zod schema: field names, units, ranges and the
 * defaults a QA lead may leave out. Objects are strict, so a misspelt field is an error that
 * lists the known ones instead of a setting silently ignored. Cross-field rules (a fault
 * scheduled after the run ends, more frozen terminals than the fleet has, a title the demo
 * catalog lacks) are checked here too, so every refusal comes with its line.
 */
import { z } from 'zod';
import { KART_DEMO_ID, NOVEL_ID, POCKET_PUZZLE_ID, SUPER_GOLF_ID } from '../catalog/index.js';
import { DEFAULT_RADIO_PRESET, RADIO_PRESET_NAMES } from './preset-names.js';
import { RADIO_KNOBS, type RadioKnobName, type RadioKnobUnit } from './radio-knobs.js';

/** Terminals in one run, over all fleet groups. */
export const FLEET_TERMINALS_MAX = 100_000;
/** A week of virtual time: longer runs are a mistake in the units. */
export const DURATION_MS_MAX = 7 * 24 * 3_600_000;
/** The titles of `catalog: demo` a player can buy (sim/catalog; adverts are shown, never bought). */
export const DEMO_TITLE_IDS: readonly string[] = [SUPER_GOLF_ID, NOVEL_ID, KART_DEMO_ID, POCKET_PUZZLE_ID];

export const SCENARIO_DEFAULTS = {
  durationMs: 1_800_000,
  timelineStepMs: 10_000,
  flashBytes: 4 * 1024 * 1024,
  credit: 1_000,
  cards: 2,
  cardValue: 2_000,
  buyNextProbability: 0.8,
  topUpWhenShort: true,
  startDelayMsMax: 60_000,
  maxTitles: 1,
  thinkMsMean: 5_000,
  brokerDownMs: 0,
  powerOffMs: 5_000,
  blackoutFraction: 1,
  freezeCount: 1,
  hostSeats: 4,
  hostPeers: 4,
  hostSessionMs: 600_000,
  hostJoinSpreadMs: 60_000,
  hostLeaveProbability: 0,
  hostPeersOffline: 0,
  hostStorePreset: '4g',
  hostLocalPreset: 'local-wireless',
} as const;

/** A strict object whose unknown-field error lists the fields it does know. */
function fields<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `known fields: ${known}` : undefined) });
}

const count = z.number().int().min(0);
const ms = z.number().int().min(0).max(DURATION_MS_MAX);
const positiveMs = z.number().int().min(1).max(DURATION_MS_MAX);
const probability = z.number().min(0).max(1);
const money = z.number().int().min(0).max(1_000_000_000_000);
const seed = z.number().int().min(0).max(0xffff_ffff);

const KNOB_SCHEMA: Record<RadioKnobUnit, z.ZodNumber> = {
  rate: z.number().min(0),
  duration: z.number().min(0),
  probability,
  bytes: z.number().int().min(1).max(2 ** 31),
  step: z.number().gt(0),
};

const radioOverrides = fields(
  Object.fromEntries(Object.entries(RADIO_KNOBS).map(([name, unit]) => [name, KNOB_SCHEMA[unit].optional()])) as Record<RadioKnobName, z.ZodOptional<z.ZodNumber>>,
).superRefine((radio, ctx) => {
  // The preset may have stalls; an exit probability of 0 would make its first stall endless.
  if (radio.badStateExitProbability === 0 && radio.badStateEnterProbability !== 0) {
    ctx.addIssue({ code: 'custom', path: ['badStateExitProbability'], message: 'must be > 0 unless badStateEnterProbability is 0: the first stall would never end (use a blackout fault for that)' });
  }
});

const userModel = fields({
  buyNextProbability: probability.default(SCENARIO_DEFAULTS.buyNextProbability),
  topUpWhenShort: z.boolean().default(SCENARIO_DEFAULTS.topUpWhenShort),
  startDelayMsMax: ms.default(SCENARIO_DEFAULTS.startDelayMsMax),
  titles: z.array(z.string().min(1).max(128)).min(1).nullable().default(null),
  maxTitles: z.number().int().min(1).max(1_000).default(SCENARIO_DEFAULTS.maxTitles),
  thinkMsMean: ms.default(SCENARIO_DEFAULTS.thinkMsMean),
});

const faultSchema = z.discriminatedUnion('kind', [
  fields({ kind: z.literal('broker-restart'), atMs: ms, durationMs: ms.default(SCENARIO_DEFAULTS.brokerDownMs) }),
  fields({
    kind: z.literal('power-loss'),
    ratePerHour: z.number().gt(0).max(3_600),
    fromMs: ms.default(0),
    untilMs: positiveMs.nullable().default(null),
    offMs: ms.default(SCENARIO_DEFAULTS.powerOffMs),
  }),
  fields({ kind: z.literal('blackout'), atMs: ms, durationMs: positiveMs, fraction: z.number().gt(0).max(1).default(SCENARIO_DEFAULTS.blackoutFraction) }),
  fields({ kind: z.literal('freeze'), atMs: ms, count: z.number().int().min(1).default(SCENARIO_DEFAULTS.freezeCount), durationMs: positiveMs.nullable().default(null) }),
]);

const expectations = fields({
  minPartsBought: count.optional(),
  minTitlesFinished: count.optional(),
  minCharges: count.optional(),
  ttfpMsP50Max: ms.optional(),
  ttfpMsP95Max: ms.optional(),
  wholeTitleMsP95Max: ms.optional(),
  minGoodputRatio: probability.optional(),
});

/** The most peers one host session may have try to join (the licence's own cap is 64 seats). */
export const HOST_PEERS_MAX = 64;

export interface ScenarioSchemaOptions {
  /** The preset names `preset:` may take; default RADIO_PRESET_NAMES. */
  presetNames?: readonly string[];
}

/** The scenario schema, checking preset names against `presetNames`. */
export function scenarioSchema(options: ScenarioSchemaOptions = {}) {
  const presetNames = options.presetNames ?? RADIO_PRESET_NAMES;
  const [firstPreset, ...otherPresets] = presetNames;
  if (firstPreset === undefined) throw new TypeError('scenarioSchema: presetNames is empty');
  const defaultPreset = presetNames.includes(DEFAULT_RADIO_PRESET) ? DEFAULT_RADIO_PRESET : firstPreset;

  const fleetGroup = fields({
    count: z.number().int().min(1).max(FLEET_TERMINALS_MAX),
    preset: z.enum([firstPreset, ...otherPresets]).default(defaultPreset),
    radio: radioOverrides.prefault({}),
    flashBytes: z.number().int().min(1).max(2 ** 40).default(SCENARIO_DEFAULTS.flashBytes),
    user: userModel.prefault({}),
    credit: money.default(SCENARIO_DEFAULTS.credit),
    cards: z.number().int().min(0).max(1_000).default(SCENARIO_DEFAULTS.cards),
    cardValue: money.min(1).default(SCENARIO_DEFAULTS.cardValue),
  });

  const presetEnum = z.enum([firstPreset, ...otherPresets]);
  /** One host terminal serving a part to nearby peers under a seat licence [FW-13, FW-14]. */
  const hostSession = fields({
    atMs: ms,
    title: z.string().min(1).max(128),
    seats: z.number().int().min(1).max(64).default(SCENARIO_DEFAULTS.hostSeats),
    peers: z.number().int().min(1).max(HOST_PEERS_MAX).default(SCENARIO_DEFAULTS.hostPeers),
    sessionMs: positiveMs.default(SCENARIO_DEFAULTS.hostSessionMs),
    joinSpreadMs: ms.default(SCENARIO_DEFAULTS.hostJoinSpreadMs),
    leaveProbability: probability.default(SCENARIO_DEFAULTS.hostLeaveProbability),
    peersOffline: probability.default(SCENARIO_DEFAULTS.hostPeersOffline),
    storePreset: presetEnum.default(presetNames.includes(SCENARIO_DEFAULTS.hostStorePreset) ? SCENARIO_DEFAULTS.hostStorePreset : firstPreset),
    localPreset: presetEnum.default(presetNames.includes(SCENARIO_DEFAULTS.hostLocalPreset) ? SCENARIO_DEFAULTS.hostLocalPreset : firstPreset),
    localRadio: radioOverrides.prefault({}),
    flashBytes: z.number().int().min(1).max(2 ** 40).default(SCENARIO_DEFAULTS.flashBytes),
    credit: money.default(10_000),
  });

  return fields({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'must be letters, digits, ".", "-" or "_" (it names the run in reports and in CI)' }),
    seed: seed.nullable().default(null),
    durationMs: positiveMs.default(SCENARIO_DEFAULTS.durationMs),
    timelineStepMs: positiveMs.default(SCENARIO_DEFAULTS.timelineStepMs),
    fleet: z.array(fleetGroup).min(1).max(1_000),
    catalog: z.union([z.literal('demo'), z.array(z.string().min(1)).min(1)], { error: 'must be "demo" or a list of title folders' }).default('demo'),
    faults: z.array(faultSchema).max(1_000).default([]),
    hostSessions: z.array(hostSession).max(100).default([]),
    expect: expectations.prefault({}),
  }).superRefine((s, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const terminals = s.fleet.reduce((sum, g) => sum + g.count, 0);
    if (terminals > FLEET_TERMINALS_MAX) problem(['fleet'], `${terminals} terminals in all; at most ${FLEET_TERMINALS_MAX}`);
    if (s.timelineStepMs > s.durationMs) problem(['timelineStepMs'], `must not exceed durationMs (${s.durationMs})`);
    s.faults.forEach((f, i) => {
      if ('atMs' in f && f.atMs >= s.durationMs) problem(['faults', i, 'atMs'], `must be before durationMs (${s.durationMs}), or the fault never happens`);
      if (f.kind === 'power-loss') {
        if (f.fromMs >= s.durationMs) problem(['faults', i, 'fromMs'], `must be before durationMs (${s.durationMs}), or the fault never happens`);
        if (f.untilMs !== null && f.untilMs <= f.fromMs) problem(['faults', i, 'untilMs'], `must be after fromMs (${f.fromMs})`);
      }
      if (f.kind === 'freeze' && f.count > terminals) problem(['faults', i, 'count'], `${f.count} terminals to freeze; the fleet has ${terminals}`);
    });
    s.hostSessions.forEach((h, i) => {
      if (h.atMs >= s.durationMs) problem(['hostSessions', i, 'atMs'], `must be before durationMs (${s.durationMs}), or the session never happens`);
      else if (h.atMs + h.sessionMs >= s.durationMs) problem(['hostSessions', i, 'sessionMs'], `the session must end before durationMs (${s.durationMs}): atMs + sessionMs is ${h.atMs + h.sessionMs}, and deletion is checked after the end`);
      if (h.joinSpreadMs >= h.sessionMs) problem(['hostSessions', i, 'joinSpreadMs'], `must be shorter than sessionMs (${h.sessionMs}), or peers join after the session ended`);
      if (s.catalog === 'demo' && !DEMO_TITLE_IDS.includes(h.title)) problem(['hostSessions', i, 'title'], `the demo catalog has no title "${h.title}"; it has: ${DEMO_TITLE_IDS.join(', ')}`);
    });
    if (s.catalog === 'demo') {
      s.fleet.forEach((g, i) =>
        g.user.titles?.forEach((title, j) => {
          if (!DEMO_TITLE_IDS.includes(title)) problem(['fleet', i, 'user', 'titles', j], `the demo catalog has no title "${title}"; it has: ${DEMO_TITLE_IDS.join(', ')}`);
        }),
      );
    }
  });
}

/** The schema with the built-in preset names. */
export const ScenarioSchema = scenarioSchema();
