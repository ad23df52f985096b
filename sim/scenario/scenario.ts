/**
 * What a validated scenario file is, as plain data the fleet runner reads: every default
 * already filled in, every path already resolved. The YAML format and its defaults live in
 * schema.ts; docs/qa.md explains each field to the QA leads who write them.
 */
import type { RadioOverrides } from './radio-knobs.js';

export interface Scenario {
  name: string;
  /** The default seed; `fairway sim run --seed N` overrides it. Null: the runner picks one and prints it. */
  seed: number | null;
  /** Virtual time the run may last. */
  durationMs: number;
  /** The report's timeline samples the fleet this often (virtual time). */
  timelineStepMs: number;
  fleet: FleetGroup[];
  /** The built-in demo catalog, or title folders (absolute paths, resolved against the scenario file's folder). */
  catalog: 'demo' | string[];
  faults: Fault[];
  /** Host sessions [FW-13, FW-14]; absent or empty: none (scenarios written before host mode). */
  hostSessions?: HostSessionSpec[];
  expect: Expectations;
}

/**
 * One host handheld that buys a title's first part and serves it to `peers` nearby handhelds
 * under a seat licence for `seats` (seed 000). The title's seat rule decides the billing mode.
 */
export interface HostSessionSpec {
  /** When the host asks for the licence (it buys the part before, from the start of the run). */
  atMs: number;
  title: string;
  /** Seats the licence asks for (N); peers past the N-th are refused seats-full. */
  seats: number;
  /** Peers that try to join. */
  peers: number;
  /** The host ends the session this long after atMs. */
  sessionMs: number;
  /** Each peer joins at atMs + a seeded offset in [0, joinSpreadMs]. */
  joinSpreadMs: number;
  /** Probability that a peer leaves part-way through receiving. */
  leaveProbability: number;
  /** Share of the peers whose store link is down the whole run (their notices go only through the host). */
  peersOffline: number;
  /** Radio preset of every session terminal's store link. */
  storePreset: string;
  /** Radio preset of each peer's local link to the host, with `localRadio` laid over it. */
  localPreset: string;
  localRadio: RadioOverrides;
  flashBytes: number;
  /** The host user's balance before the run. */
  credit: number;
}

/** `count` terminals alike: the same radio, flash, player and wallet. */
export interface FleetGroup {
  count: number;
  /** A name from RADIO_PRESET_NAMES (or the list the caller passed to the parser). */
  preset: string;
  /** Knobs that replace the preset's value, field by field. */
  radio: RadioOverrides;
  flashBytes: number;
  user: UserModel;
  /** Each user's balance before the run, in minor units. */
  credit: number;
  /** Prepaid cards each user holds, each worth `cardValue` minor units. */
  cards: number;
  cardValue: number;
}

/** The simulated player (sim/fleet/user-model.ts `UserBehaviour` has the same fields). */
export interface UserModel {
  /** Probability of buying the next part after playing one. */
  buyNextProbability: number;
  /** Redeem a prepaid card when the store says the credit is short (else give up). */
  topUpWhenShort: boolean;
  /** The first purchase comes after a uniform delay in [0, startDelayMsMax]. */
  startDelayMsMax: number;
  /** Title ids the player picks from; null: every title on the menu. */
  titles: string[] | null;
  /** Titles a player buys before stopping. */
  maxTitles: number;
  /** Mean think time between titles and before reacting to a refusal or a failure. */
  thinkMsMean: number;
}

/** The broker process stops at `atMs` and starts again `durationMs` later (0: at once). */
export interface BrokerRestartFault {
  kind: 'broker-restart';
  atMs: number;
  durationMs: number;
}

/** Each terminal loses power at random, `ratePerHour` times per virtual hour on average, within [fromMs, untilMs). */
export interface PowerLossFault {
  kind: 'power-loss';
  ratePerHour: number;
  fromMs: number;
  /** Null: until the end of the run. */
  untilMs: number | null;
  /** Time the terminal stays off before it boots again. */
  offMs: number;
}

/** The radio of a share of the fleet, picked from the seed, goes silent from atMs for durationMs. */
export interface BlackoutFault {
  kind: 'blackout';
  atMs: number;
  durationMs: number;
  /** Share of the fleet, 0 < fraction ≤ 1 (rounded up to whole terminals). */
  fraction: number;
}

/** `count` terminals, picked from the seed, stop reading their link (half-open) from atMs. */
export interface FreezeFault {
  kind: 'freeze';
  atMs: number;
  count: number;
  /** Null: frozen until the end of the run. */
  durationMs: number | null;
}

export type Fault = BrokerRestartFault | PowerLossFault | BlackoutFault | FreezeFault;

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = ['broker-restart', 'power-loss', 'blackout', 'freeze'];

/** Pass criteria beyond the invariants; each one set becomes a JUnit test case. */
export interface Expectations {
  minPartsBought?: number;
  minTitlesFinished?: number;
  minCharges?: number;
  ttfpMsP50Max?: number;
  ttfpMsP95Max?: number;
  wholeTitleMsP95Max?: number;
  /** Goodput ÷ link rate over the fleet, 0–1. */
  minGoodputRatio?: number;
}

export type ExpectationName = keyof Expectations;
