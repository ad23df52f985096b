/**
 * A reference model of the ledger for the property test: what each user's balance must be,
 * which transfers are open, charged or released, which card went to whom, and the first
 * answer each charge and redemption gave (every repeat must match it). Time is the test's.
 */
import type { CaptureResult, RedeemResult } from '../../../broker/ledger/index.js';
import { PARTS, USERS, type TestPart } from './fixtures.js';

export interface ModelTransfer {
  id: string;
  user: string;
  part: TestPart;
  holdUntil: number;
  state: 'open' | 'charged' | 'released';
  /** The first successful capture's answer. */
  charge?: Extract<CaptureResult, { ok: true }>;
}

export interface ModelCard {
  id: string;
  password: string;
  valueMinor: number;
  redeemedBy?: string;
  firstRedemption?: Extract<RedeemResult, { ok: true }>;
}

export class LedgerModel {
  nowMs: number;
  readonly balances = new Map<string, number>(USERS.map((u) => [u, 0]));
  readonly transfers: ModelTransfer[] = [];

  constructor(
    startMs: number,
    readonly cards: ModelCard[],
  ) {
    this.nowMs = startMs;
  }

  balance(user: string): number {
    return this.balances.get(user) ?? 0;
  }

  credit(user: string, amountMinor: number): void {
    this.balances.set(user, this.balance(user) + amountMinor);
  }

  /** Open in the store's eyes: not charged or released, and its deadline not passed. */
  isLive(t: ModelTransfer): boolean {
    return t.state === 'open' && this.nowMs <= t.holdUntil;
  }

  heldMinor(user: string): number {
    return this.transfers.filter((t) => t.user === user && this.isLive(t)).reduce((sum, t) => sum + t.part.priceMinor, 0);
  }

  availableMinor(user: string): number {
    return this.balance(user) - this.heldMinor(user);
  }

  liveTransferFor(user: string, partId: string): ModelTransfer | undefined {
    return this.transfers.find((t) => t.user === user && t.part.id === partId && this.isLive(t));
  }

  /** Lapsed holds can only end released; the model says so as soon as they lapse. */
  settleLapsed(): void {
    for (const t of this.transfers) if (t.state === 'open' && this.nowMs > t.holdUntil) t.state = 'released';
  }

  lapsedOpenCount(): number {
    return this.transfers.filter((t) => t.state === 'open' && this.nowMs > t.holdUntil).length;
  }

  latestDeadline(): number {
    return Math.max(this.nowMs, ...this.transfers.map((t) => t.holdUntil));
  }
}

export const partAt = (index: number): TestPart => PARTS[index % PARTS.length]!;
export const userAt = (index: number): string => USERS[index % USERS.length]!;
