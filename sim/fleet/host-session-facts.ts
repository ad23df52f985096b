/**
 * What the host-session driver saw, as plain data for the checkers (sim/checkers) and the
 * report: the drivers record, the checkers judge (the TigerBeetle habit). Peer footprints are
 * measured on the peer's own flash before it joined and after its session was over.
 */

/** A peer's storage as far as a hosted part could touch it. */
export interface PeerFootprint {
  /** Bytes in every blob but the terminal's own snapshot records (`fw-state*`). */
  flashBytes: number;
  /** Those blobs' names, sorted. */
  blobs: string[];
  /** The storage manager's reservations. */
  reservedBytes: number;
}

export type PeerOutcome = 'not-joined' | 'received' | 'refused' | 'left' | 'failed' | 'waiting';

export interface PeerFacts {
  id: string;
  /** Its store link was down the whole run. */
  offline: boolean;
  joinAtMs: number;
  /** Set when the peer was drawn to leave part-way (the fraction of chunks it leaves at). */
  leaveAtFraction: number | null;
  joined: boolean;
  /** Seat the host gave it, if any. */
  seat: number | null;
  outcome: PeerOutcome;
  /** It played the hosted part during the session (a peer needs no store to play). */
  played: boolean;
  /** The host's refusal code, when refused. */
  refusal: string | null;
  /** How the peer session ended (`host-ended`, `left`, `failed`, …), null while not over. */
  endReason: string | null;
  baseline: PeerFootprint | null;
  after: PeerFootprint | null;
  /** Hosted parts still in its storage manager after the session (must be none). */
  hostedPartsLeft: string[];
  /** It was powered off at the end and measured after its next start. */
  restarted: boolean;
  /** Whether the hosted part was in its storage when its battery was pulled; null: never pulled. */
  heldAtCut: boolean | null;
}

export interface HostSessionFacts {
  index: number;
  title: string;
  host: string;
  /** The hosted part (the title's first part), once known. */
  part: string | null;
  billing: 'upfront' | 'per-reception' | null;
  seats: number;
  seatPriceMinor: number;
  /** Lowercase hex of the licence id, once licensed. */
  licenceId: string | null;
  /** What the store held (per-reception) or charged (upfront) for the licence. */
  totalMinor: number;
  /** Distinct peers seated, by the host's seat table at the end. */
  seated: string[];
  /** Distinct peers refused `seats-full`. */
  refusedSeatsFull: string[];
  /** Distinct peers whose notice the host kept (each one received and verified the whole part). */
  noticed: string[];
  /** The host ended the session (sent `end`). */
  ended: boolean;
  /** The host's relay after the end ran while its store session was up. */
  relayedOnline: boolean;
  /** Notices kept on the host and not yet answered by the store, at check time. */
  pendingNotices: number;
  /** Why the session could not run (buy or licence refused, …), null when it ran. */
  error: string | null;
  peers: PeerFacts[];
}
