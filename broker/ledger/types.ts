/**
 * What the ledger takes and gives. Business refusals the protocol names (insufficient credit,
 * hold expired, card refused…) are results with `ok: false` and the wire's `code`, so a
 * handler maps them onto a `refusal` one to one; bad arguments throw `FairwayError`.
 */
import type { TransferState } from '../db/schema.js';

export interface Transfer {
  transferId: string;
  deviceId: string;
  userId: string;
  partId: string;
  priceMinor: number;
  listPriceMinor: number;
  provider: string;
  sponsor: string | null;
  sponsorPaysMinor: number;
  state: TransferState;
  holdUntil: number;
  createdAt: number;
  chargedAt: number | null;
  releasedAt: number | null;
  releaseReason: string | null;
  receipt: Uint8Array | null;
}

export interface PlaceHoldInput {
  /** Freshly minted by the caller (32 lowercase hex digits; see `transferIdHex`). */
  transferId: string;
  deviceId: string;
  userId: string;
  partId: string;
  listPriceMinor: number;
  priceMinor: number;
  provider: string;
  /** Present iff the offer is sponsored; then `priceMinor + sponsorPaysMinor = listPriceMinor`. */
  sponsor?: string;
  sponsorPaysMinor: number;
  holdUntil: number;
  nowMs: number;
}

export type PlaceHoldResult =
  /** `created: false`: an open hold for this device, user and part already existed [FW-4.4.1]. */
  | { ok: true; transfer: Transfer; created: boolean }
  | { ok: false; code: 'insufficient-credit'; availableMinor: number; priceMinor: number };

export interface CaptureInput {
  transferId: string;
  deviceId: string;
  userId: string;
  /** The verified receipt (COSE_Sign1 bytes), kept as evidence. */
  receipt: Uint8Array;
  nowMs: number;
  /**
   * What the receipt says was offered [FW-8.3 #7]. When given, a transfer not yet charged
   * whose offer differs answers `receipt-mismatch` and is left as it was. Checked inside the
   * capture, under its locks, so the store needs no read of the transfer of its own first.
   */
  offered?: OfferedPart;
}

export interface OfferedPart {
  partId: string;
  priceMinor: number;
  /** The part's whole-part hash, as the manifest states it. */
  partHash: Uint8Array;
}

export type CaptureResult =
  /** `repeated`: the transfer had already been charged; every other field is as the first time. */
  | { ok: true; transferId: string; partId: string; priceMinor: number; balanceMinor: number; chargedAt: number; repeated: boolean }
  | { ok: false; code: 'hold-expired'; partId: string }
  | { ok: false; code: 'unknown-transfer' }
  /** Only when `offered` was given: the receipt names another part, part hash or price than the transfer's offer. */
  | { ok: false; code: 'receipt-mismatch' };

export type ReleaseOutcome = 'released' | 'already-released' | 'charged' | 'unknown';

export interface CancelInput {
  transferId: string;
  deviceId: string;
  userId: string;
  nowMs: number;
}

export type CancelResult = { ok: true; availableMinor: number } | { ok: false; code: 'unknown-transfer' };

export interface Credit {
  balanceMinor: number;
  /** Sum of the user's open holds that have not lapsed at `nowMs`. */
  heldMinor: number;
  availableMinor: number;
}

export interface RedeemInput {
  cardId: string;
  password: string;
  userId: string;
  nowMs: number;
}

export type RedeemResult =
  | { ok: true; cardId: string; valueMinor: number; balanceMinor: number; repeated: boolean }
  | { ok: false; code: 'card-refused' }
  | { ok: false; code: 'card-used' };

export interface IssueCardsInput {
  count: number;
  valueMinor: number;
  batch: string;
  nowMs: number;
  /** Who issued them, for the audit log. Default 'operator'. */
  actor?: string;
}

/** The only time a card password exists in clear: hand it to the printer, then drop it. */
export interface IssuedCard {
  id: string;
  password: string;
}

export interface AdjustInput {
  userId: string;
  /** Signed, non-zero: + credits the user, − debits. */
  amountMinor: number;
  reason: string;
  actor: string;
  nowMs: number;
  /**
   * Idempotency key for a retried request (e.g. an operator command re-run after a timeout):
   * the same key again returns the first result. Default: a fresh key, so every call posts.
   */
  requestId?: string;
}

export interface AdjustResult {
  txnId: number;
  balanceMinor: number;
  repeated: boolean;
}
