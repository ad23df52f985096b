/**
 * `Ledger`: the store's money, over one database. Every method is one database transaction
 * (or one read), idempotent, and safe to call concurrently from many requests and many broker
 * nodes (see context.ts for how, per engine). Time is always the caller's `nowMs`; nothing
 * here reads a clock, so tests and the simulator decide what time it is.
 */
import { FairwayError } from '../../sdk/errors.js';
import { PRODUCTION_PARAMS, type ScryptParams } from '../auth/password.js';
import type { DatabaseHandle } from '../db/open.js';
import { ensureAccount, providerAccountId, sponsorAccountId, userAccountId } from './accounts.js';
import { adjustBalance } from './adjust.js';
import { capture, captureMany } from './capture.js';
import { issueCards, redeemCard } from './cards.js';
import { inTransaction, type LedgerContext } from './context.js';
import { cancelOffer, credit, findOpenTransfer, getTransfer, placeHold, release, releaseExpired } from './holds.js';
import { checkInvariants, type InvariantViolation } from './invariants.js';
import { captureLicence } from './licence-capture.js';
import { getLicence, ownsPart, placeLicenceHold, settleLicences } from './licences.js';
import { listLicences, type LicenceFilter, type LicenceLine } from './licence-report.js';
import type { CaptureLicenceInput, CaptureLicenceResult, ChargeSeatInput, ChargeSeatResult, LicenceRecord, PlaceLicenceInput, PlaceLicenceResult, SettleResult } from './licence-types.js';
import * as reports from './reports.js';
import { chargeSeat } from './seat-capture.js';
import type {
  AdjustInput,
  AdjustResult,
  CancelInput,
  CancelResult,
  CaptureInput,
  CaptureResult,
  Credit,
  IssueCardsInput,
  IssuedCard,
  PlaceHoldInput,
  PlaceHoldResult,
  RedeemInput,
  RedeemResult,
  ReleaseOutcome,
  Transfer,
} from './types.js';
import { requireText, requireUserId } from './validate.js';

export interface LedgerOptions {
  /** scrypt cost for card passwords. Default: production. Tests pass FAST_TEST_PARAMS. */
  passwordParams?: ScryptParams;
}

export class Ledger {
  private readonly ctx: LedgerContext;

  constructor(database: Pick<DatabaseHandle, 'db' | 'dialect'>, options: LedgerOptions = {}) {
    this.ctx = { db: database.db, dialect: database.dialect, passwordParams: options.passwordParams ?? PRODUCTION_PARAMS };
  }

  // Accounts. User, provider and sponsor accounts are also made on first use; these let an
  // operator open them ahead (e.g. to show a zero balance).

  async ensureUserAccount(userId: string): Promise<string> {
    requireUserId('userId', userId);
    return inTransaction(this.ctx, async (trx) => {
      const user = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      if (!user) throw new FairwayError('invalid-argument', `no user ${userId}`, 'userId');
      await ensureAccount(trx, userAccountId(userId), 'user', userId);
      return userAccountId(userId);
    });
  }

  async ensureProviderAccount(provider: string): Promise<string> {
    requireText('provider', provider, 128);
    await inTransaction(this.ctx, (trx) => ensureAccount(trx, providerAccountId(provider), 'provider', provider));
    return providerAccountId(provider);
  }

  async ensureSponsorAccount(sponsor: string): Promise<string> {
    requireText('sponsor', sponsor, 128);
    await inTransaction(this.ctx, (trx) => ensureAccount(trx, sponsorAccountId(sponsor), 'sponsor', sponsor));
    return sponsorAccountId(sponsor);
  }

  /** Balance, held and available credit of a user at `nowMs`. */
  credit(userId: string, nowMs: number): Promise<Credit> {
    return credit(this.ctx, userId, nowMs);
  }

  /** Balance − open holds that have not lapsed at `nowMs` [FW-4.4]. */
  async availableCredit(userId: string, nowMs: number): Promise<number> {
    return (await credit(this.ctx, userId, nowMs)).availableMinor;
  }

  // Holds and charges.

  placeHold(input: PlaceHoldInput): Promise<PlaceHoldResult> {
    return placeHold(this.ctx, input);
  }

  findOpenTransfer(deviceId: string, userId: string, partId: string, nowMs: number): Promise<Transfer | undefined> {
    return findOpenTransfer(this.ctx, deviceId, userId, partId, nowMs);
  }

  getTransfer(transferId: string): Promise<Transfer | undefined> {
    return getTransfer(this.ctx, transferId);
  }

  /** Several captures in one transaction (group commit); each answers as it would alone. */
  captureMany(inputs: readonly CaptureInput[]): Promise<CaptureResult[]> {
    return captureMany(this.ctx, inputs);
  }

  capture(input: CaptureInput): Promise<CaptureResult> {
    return capture(this.ctx, input);
  }

  release(transferId: string, reason: string, nowMs: number): Promise<ReleaseOutcome> {
    return release(this.ctx, transferId, reason, nowMs);
  }

  releaseExpired(nowMs: number): Promise<number> {
    return releaseExpired(this.ctx, nowMs);
  }

  cancelOffer(input: CancelInput): Promise<CancelResult> {
    return cancelOffer(this.ctx, input);
  }

  // Seat licences [FW-13].

  /** Holds seats × seat price for a new licence, or answers with the host's open one [FW-13.2]. */
  placeLicenceHold(input: PlaceLicenceInput): Promise<PlaceLicenceResult> {
    return placeLicenceHold(this.ctx, input);
  }

  getLicence(licenceId: string): Promise<LicenceRecord | undefined> {
    return getLicence(this.ctx, licenceId);
  }

  /** Upfront: the host's receipt charges all seats, exactly once [FW-13.4]. */
  captureLicence(input: CaptureLicenceInput): Promise<CaptureLicenceResult> {
    return captureLicence(this.ctx, input);
  }

  /** Per-reception: one peer's notice charges one seat, once per peer, at most N [FW-13.5.1]. */
  chargeSeat(input: ChargeSeatInput): Promise<ChargeSeatResult> {
    return chargeSeat(this.ctx, input);
  }

  /** Closes licences past their settlement time [FW-13.6]. */
  settleLicences(nowMs: number): Promise<SettleResult> {
    return settleLicences(this.ctx, nowMs);
  }

  /** Whether the user was ever charged for the part (may host it) [FW-13.2 #3]. */
  listLicences(filter?: LicenceFilter): Promise<LicenceLine[]> {
    return listLicences(this.ctx, filter);
  }

  ownsPart(userId: string, partId: string): Promise<boolean> {
    return ownsPart(this.ctx, userId, partId);
  }

  // Prepaid cards and adjustments.

  issueCards(input: IssueCardsInput): Promise<IssuedCard[]> {
    return issueCards(this.ctx, input);
  }

  redeemCard(input: RedeemInput): Promise<RedeemResult> {
    return redeemCard(this.ctx, input);
  }

  adjustBalance(input: AdjustInput): Promise<AdjustResult> {
    return adjustBalance(this.ctx, input);
  }

  // Reports and checks.

  allPostings(page?: reports.PostingPage): Promise<reports.PostingLine[]> {
    return reports.allPostings(this.ctx, page);
  }

  postingsOfUser(userId: string, page?: reports.PostingPage): Promise<reports.PostingLine[]> {
    return reports.postingsOfUser(this.ctx, userId, page);
  }

  postingsOfTitle(titleId: string, page?: reports.PostingPage): Promise<reports.PostingLine[]> {
    return reports.postingsOfTitle(this.ctx, titleId, page);
  }

  salesByTitle(window?: reports.SalesWindow): Promise<reports.SalesLine[]> {
    return reports.salesByTitle(this.ctx, window);
  }

  salesByPart(window?: reports.SalesWindow): Promise<reports.SalesLine[]> {
    return reports.salesByPart(this.ctx, window);
  }

  salesByProvider(window?: reports.SalesWindow): Promise<reports.SalesLine[]> {
    return reports.salesByProvider(this.ctx, window);
  }

  /** Empty when the books are sound; with `nowMs` also checks open holds are covered. */
  checkInvariants(nowMs?: number): Promise<InvariantViolation[]> {
    return checkInvariants(this.ctx, nowMs);
  }
}
