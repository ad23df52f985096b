/**
 * The terminal machine's data: its context (plain JSON, because it is persisted to flash
 * after every transition and must survive a power loss), its events and its failure reasons.
 * Byte strings are kept as hex so the context stays JSON.
 */
import type { AdvertRef } from './wire-types.js';

export type ResultValue = number | string | boolean;
export type Results = Record<string, ResultValue>;

/** What a UI shows when the flow stops: one reason per named failure state. */
export type FailureReason =
  | 'not-enrolled' // CONNACK 5 or terminal-not-enrolled: the device needs enrolment
  | 'login-refused' // unknown user or wrong password
  | 'offer-refused' // the store will not sell this part (unknown-part, refused…)
  | 'card-refused' // the prepaid card is unknown, used, or its password is wrong
  | 'storage-full' // the part does not fit even after evicting what has ended
  | 'bad-manifest' // the offer's manifest failed its signature or does not match the offer
  | 'part-corrupt' // the stored part kept failing its whole-part hash
  | 'receipt-refused' // the store refused the receipt: nothing was charged
  | 'play-failed' // the executor could not run the part
  | 'store-error' // the store answered with an error the terminal cannot act on (retried after a pause)
  | 'device-fault'; // local flash or executor host failed (retried after a pause)

export interface Failure {
  reason: FailureReason;
  message: string;
  /** The store's code, when the store said no. */
  code?: string;
  /** storage-full: bytes the part needs, bytes free, bytes deleting ended parts would free. */
  neededBytes?: number;
  freeBytes?: number;
  freeableBytes?: number;
  part?: string;
}

/** An accepted offer with its verified manifest's summary; the manifest bytes live in flash. */
export interface PartOffer {
  transfer: string;
  part: string;
  title: string;
  seq: number;
  next: string | null;
  base: string | null;
  sizeBytes: number;
  chunkBytes: number;
  chunkCount: number;
  partHash: string;
  price: number;
  listPrice: number;
  currency: string;
  holdUntilMs: number;
  windowMax: number;
}

/** The title being bought and played, part by part. */
export interface TitleJob {
  title: string;
  /** The part being offered, downloaded or played now. */
  part: string;
  /** The results the last part handed on (the next part starts from them). */
  carried: Results;
  /** False once the player chose to stop: the title finishes after this part. */
  wantsMore: boolean;
  partsPlayed: number;
  /** Play each part as soon as it is charged, and go on to the next (the simulator's user). */
  autoPlay: boolean;
}

export interface LastCharge {
  part: string;
  price: number;
  balance: number;
}

export interface TerminalContext {
  deviceId: string;
  radio: 'offline' | 'online';
  balance: number | null;
  currency: string | null;
  job: TitleJob | null;
  offer: PartOffer | null;
  /** Set while credit is short: what the store said. */
  creditShort: { balance: number; price: number } | null;
  failure: Failure | null;
  verifyFailures: number;
  lastCharge: LastCharge | null;
  advert: AdvertRef | null;
  /** Where a restored terminal was when it lost power (a state path), for the resume router. */
  resumeFrom: string | null;
}

export interface TerminalInput {
  deviceId: string;
  /** The context persisted before a power loss, and the state it was in. */
  restored?: { context: TerminalContext; state: string } | null;
}

/** Events: radio.* from the link, store.* from store answers, user.* from the UI, power.* from boot. */
export type TerminalEvent =
  | { type: 'power.booted' }
  | { type: 'radio.connected' }
  | { type: 'radio.up'; balance: number; currency: string }
  | { type: 'radio.down'; reason: string }
  | { type: 'radio.refused'; reason: 'not-enrolled' | 'login-refused' | 'bad-client-id'; message: string }
  | { type: 'store.menu' }
  | { type: 'store.offer'; offer: PartOffer; advert: AdvertRef | null }
  | { type: 'store.creditShort'; balance: number; price: number }
  | { type: 'store.refused'; code: string; message: string }
  | { type: 'store.cardOk'; value: number; balance: number }
  | { type: 'store.cardRefused'; code: string; message: string }
  | { type: 'store.holdExpired' }
  | { type: 'store.charged'; part: string; price: number; balance: number }
  | { type: 'store.receiptRefused'; code: string; message: string }
  | { type: 'store.advert'; advert: AdvertRef | null }
  /** balance is null when the hold had already gone (nothing to release). */
  | { type: 'store.cancelled'; balance: number | null }
  /** An error the terminal cannot act on (internal, bad-request…): retried after a pause. */
  | { type: 'store.error'; code: string; message: string }
  | { type: 'device.fault'; message: string }
  | { type: 'storage.reserved' }
  | { type: 'storage.full'; neededBytes: number; freeBytes: number; freeableBytes: number; message: string }
  | { type: 'part.badManifest'; message: string }
  | { type: 'part.downloaded' }
  | { type: 'part.verified' }
  | { type: 'part.mismatch' }
  | { type: 'part.played'; results: Results; continue: boolean }
  | { type: 'part.playFailed'; message: string }
  | { type: 'part.cleaned' }
  | { type: 'user.browse' }
  | { type: 'user.buy'; title: string; firstPart: string; autoPlay?: boolean }
  | { type: 'user.redeemCard'; card: string; password: string }
  | { type: 'user.play' }
  | { type: 'user.cancel' }
  | { type: 'user.dismiss' }
  | { type: 'user.retry' };
