/**
 * What the licence side of the ledger takes and gives [FW-13]. As for parts (types.ts),
 * refusals the protocol names are results with the wire's code; bad arguments throw.
 */
import type { LicenceBillingMode, LicenceState } from '../db/schema.js';

export interface LicenceRecord {
  licenceId: string;
  hostDeviceId: string;
  userId: string;
  titleId: string;
  partId: string;
  partHash: Uint8Array;
  provider: string;
  seats: number;
  billing: LicenceBillingMode;
  seatPriceMinor: number;
  /** What the licence still reserves of the user's credit (0 once closed). */
  heldMinor: number;
  chargedSeats: number;
  state: LicenceState;
  issuedAt: number;
  exp: number;
  /** Upfront: = exp; per-reception: exp + the relay grace [FW-13.6]. */
  settleAt: number;
  licence: Uint8Array;
  receipt: Uint8Array | null;
  chargedAt: number | null;
  closedAt: number | null;
}

export interface PlaceLicenceInput {
  /** Freshly minted by the caller (32 lowercase hex digits). */
  licenceId: string;
  hostDeviceId: string;
  userId: string;
  titleId: string;
  partId: string;
  partHash: Uint8Array;
  provider: string;
  seats: number;
  billing: LicenceBillingMode;
  seatPriceMinor: number;
  exp: number;
  settleAt: number;
  /** The store-signed licence for exactly these fields (signed before the hold is placed). */
  licence: Uint8Array;
  nowMs: number;
}

export type PlaceLicenceResult =
  /** `created: false`: an open, unexpired licence of this host for this part and seat count existed [FW-13.2]. */
  | { ok: true; licence: LicenceRecord; created: boolean; availableMinor: number }
  | { ok: false; code: 'insufficient-credit'; availableMinor: number; totalMinor: number };

export interface CaptureLicenceInput {
  licenceId: string;
  deviceId: string;
  userId: string;
  /** The verified licence receipt (COSE_Sign1 bytes), kept as evidence. */
  receipt: Uint8Array;
  nowMs: number;
}

export type CaptureLicenceResult =
  /** `repeated`: charged before; every field is as the first time [FW-13.4]. */
  | { ok: true; licenceId: string; seats: number; amountMinor: number; balanceMinor: number; chargedAt: number; repeated: boolean }
  | { ok: false; code: 'unknown-licence' | 'licence-expired' };

export interface ChargeSeatInput {
  licenceId: string;
  peerDeviceId: string;
  /** The verified reception notice (COSE_Sign1 bytes), kept as evidence. */
  notice: Uint8Array;
  nowMs: number;
  /**
   * The request carrying the notice (broker/service/request-key.ts). When the seat was charged
   * by this very request — resent because its answer was lost, perhaps to another node — the
   * outcome is `charged` again, with the balance of that charge, as the first answer said.
   */
  requestKey?: string;
}

/** The ledger's part of [FW-13.1.1]: everything but `notice-refused`, which the handler decides. */
export type ChargeSeatResult =
  /** `repeated`: charged before by the same request (`requestKey`); nothing changed now. */
  | { outcome: 'charged'; balanceMinor: number; seat: number; repeated?: true }
  | { outcome: 'already-charged' | 'not-billed' | 'seats-exhausted' | 'unknown-licence' | 'licence-closed' };

export interface SettleResult {
  /** Upfront licences released without a receipt. */
  released: number;
  /** Per-reception licences closed for notices. */
  settled: number;
}
