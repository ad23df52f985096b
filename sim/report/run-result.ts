/**
 * What the fleet runner hands the report at the end of a run: plain data, no behaviour, so it
 * can be written to result.json, read back, and reported on again. All times are virtual
 * (the run's clock) except `startedAt` and `wallMs`; money is in minor units.
 */
export interface RunResult {
  /** The scenario's name. */
  scenario: string;
  seed: number;
  /** Wall-clock start, ISO 8601 (not part of the trace: two runs of one seed differ only here and in wallMs). */
  startedAt: string;
  /** Virtual time the run lasted. */
  virtualMs: number;
  /** Real time the run took. */
  wallMs: number;
  terminals: TerminalSummary[];
  /** The fleet sampled every `timelineStepMs` of virtual time, in time order. */
  timeline: TimelinePoint[];
  /** Every capture of a hold, in time order. */
  charges: ChargeRecord[];
  invariants: InvariantOutcome[];
  /** sha256 (hex) of the event trace: equal for two runs of one scenario and seed. */
  traceHash: string;
  /** The command line that replays this run (`fairway sim run FILE --seed N`). */
  reproduce: string;
  /** One per host session of the scenario [FW-13, FW-14]; absent in runs without any (and in older result.json files). */
  hostSessions?: HostSessionResult[];
}

/** A host session as the run ended it: who took part, seats, what the store charged, deletion. */
export interface HostSessionResult {
  title: string;
  host: string;
  /** `upfront` or `per-reception`; null when the host got no licence. */
  billing: string | null;
  seats: number;
  seatPriceMinor: number;
  peersTried: number;
  /** Distinct peers the host seated. */
  seated: number;
  /** Distinct peers refused `seats-full`. */
  refused: number;
  /** Distinct peers whose whole-part notice the host kept. */
  received: number;
  /** Peers that played the hosted part during the session. */
  played?: number;
  /** Peers that left part-way. */
  left: number;
  /** Seats the store charged, and the amount, from its ledger. */
  chargedSeats: number;
  chargedMinor: number;
  /** Every peer that joined deleted the part and is back to its footprint before joining. */
  deletionHeld: boolean;
  /** What the host-session invariants found for this session (empty: all held). */
  problems: string[];
}

export interface TerminalSummary {
  id: string;
  /** The radio preset name. */
  preset: string;
  /** The terminal machine's state at the end (`menu.idle`, `title.playing`, `failed.…`). */
  state: string;
  /** Parts received whole and charged. */
  partsBought: number;
  /** Titles whose last part was played. */
  titlesFinished: number;
  chargesMinor: number;
  /** Prepaid cards redeemed. */
  topUps: number;
  /** Link drops (resets) the terminal lived through. */
  drops: number;
  powerLosses: number;
  /** Time to first play: from the player's first purchase to its first part starting to run; null if none ran. */
  ttfpMs: number | null;
  /** From the same first purchase to the first title's last part received whole; null if no title was. */
  wholeTitleMs: number | null;
  /** Part bytes received (payload, not protocol overhead). */
  bytesReceived: number;
  /** Time the link was up while the terminal had a part in transfer: the time those bytes could flow in. */
  linkUpMs: number;
  /** The link's nominal downlink rate (the preset's, after overrides). */
  linkBitsPerS: number;
}

export interface TimelinePoint {
  atMs: number;
  /** Part payload bits the whole fleet received since the previous point, per second. */
  goodputBitsPerS: number;
  /** Terminals connected to the broker at atMs. */
  connected: number;
  /** Terminals with a part in transfer at atMs. */
  downloading: number;
  /** Terminals running a part at atMs. */
  playing: number;
  /** Link drops since the previous point. */
  drops: number;
  /** Charges captured since the previous point. */
  charges: number;
}

export interface ChargeRecord {
  atMs: number;
  terminal: string;
  part: string;
  priceMinor: number;
}

/** One invariant (DESIGN.md "Invariants") as its checker found it; `detail` says what broke, or what was checked. */
export interface InvariantOutcome {
  name: string;
  held: boolean;
  detail?: string;
}
