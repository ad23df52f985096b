/**
 * One step of the property test: run it against the ledger, check the answer against the
 * model's prediction, and advance the model. Races (Promise.all) have no single predicted
 * order, so their checks say what every order must satisfy.
 */
import { expect } from 'vitest';
import type { CaptureResult, PlaceHoldResult } from '../../../broker/ledger/index.js';
import { isFairwayError } from '../../../sdk/errors.js';
import { deviceOf, holdFor, receiptFor, USERS, type TestStore } from './fixtures.js';
import { partAt, userAt, type LedgerModel, type ModelTransfer } from './ledger-model.js';

/** Short enough that racing holds lapse within a run too. */
const RACING_HOLD_MS = 5_000;

export type Step =
  | { kind: 'hold'; user: number; part: number; ttlMs: number }
  | { kind: 'racingHolds'; user: number; parts: number[] }
  | { kind: 'capture'; pick: number; prefer: Preference; copies: number; stranger: boolean }
  | { kind: 'captureGroups'; groups: GroupedCapture[][] }
  | { kind: 'release'; pick: number }
  | { kind: 'releaseExpired' }
  | { kind: 'advance'; ms: number }
  | { kind: 'redeem'; card: number; users: number[]; wrongPassword: boolean }
  | { kind: 'adjust'; user: number; amountMinor: number }
  | { kind: 'restart' };

export async function runStep(store: TestStore, model: LedgerModel, step: Step): Promise<void> {
  switch (step.kind) {
    case 'hold':
      return hold(store, model, userAt(step.user), step.part, step.ttlMs);
    case 'racingHolds':
      return racingHolds(store, model, userAt(step.user), step.parts);
    case 'capture':
      return capture(store, model, step);
    case 'captureGroups':
      return captureGroups(store, model, step.groups);
    case 'release':
      return release(store, model, step.pick);
    case 'releaseExpired': {
      const released = await store.ledger.releaseExpired(model.nowMs);
      // Some lapsed holds may already have been closed lazily (by a later offer or capture).
      expect(released).toBeLessThanOrEqual(model.lapsedOpenCount());
      model.settleLapsed();
      return;
    }
    case 'advance':
      model.nowMs += step.ms;
      return;
    case 'redeem':
      return redeem(store, model, step);
    case 'adjust':
      return adjust(store, model, userAt(step.user), step.amountMinor);
    case 'restart':
      return store.restart();
  }
}

function record(model: LedgerModel, user: string, partIndex: number, result: PlaceHoldResult & { ok: true }): void {
  model.transfers.push({ id: result.transfer.transferId, user, part: partAt(partIndex), holdUntil: result.transfer.holdUntil, state: 'open' });
}

async function hold(store: TestStore, model: LedgerModel, user: string, partIndex: number, ttlMs: number): Promise<void> {
  const part = partAt(partIndex);
  const live = model.liveTransferFor(user, part.id);
  const available = model.availableMinor(user);
  const result = await store.ledger.placeHold(holdFor(user, part, model.nowMs, { holdUntil: model.nowMs + ttlMs }));
  if (live) {
    expect(result).toMatchObject({ ok: true, created: false, transfer: { transferId: live.id } });
  } else if (available >= part.priceMinor) {
    expect(result).toMatchObject({ ok: true, created: true });
    record(model, user, partIndex, result as PlaceHoldResult & { ok: true });
  } else {
    expect(result).toEqual({ ok: false, code: 'insufficient-credit', availableMinor: available, priceMinor: part.priceMinor });
  }
}

async function racingHolds(store: TestStore, model: LedgerModel, user: string, partIndexes: number[]): Promise<void> {
  const available = model.availableMinor(user);
  const results = await Promise.all(partIndexes.map((p) => store.ledger.placeHold(holdFor(user, partAt(p), model.nowMs, { holdUntil: model.nowMs + RACING_HOLD_MS }))));
  const created = new Map<string, string>(); // part id → transfer id
  let createdMinor = 0;
  results.forEach((result, i) => {
    if (result.ok && result.created) {
      const part = partAt(partIndexes[i]!);
      expect(created.has(part.id) || model.liveTransferFor(user, part.id), `a second hold for ${part.id}`).toBeFalsy();
      created.set(part.id, result.transfer.transferId);
      createdMinor += part.priceMinor;
      record(model, user, partIndexes[i]!, result);
    }
  });
  expect(createdMinor, 'racing holds together exceed the available credit').toBeLessThanOrEqual(available);
  results.forEach((result, i) => {
    const part = partAt(partIndexes[i]!);
    if (!result.ok) {
      // Refused only if, whatever the order, the credit really could not cover it.
      expect(available - createdMinor).toBeLessThan(part.priceMinor);
    } else if (!result.created) {
      const existing = model.liveTransferFor(user, part.id)?.id ?? created.get(part.id);
      expect(result.transfer.transferId).toBe(existing);
    }
  });
}

/** Which transfers a capture aims at; random picks alone would rarely hit the interesting ones. */
export type Preference = 'live' | 'lapsed' | 'any';

/** A transfer the model knows, of the preferred kind when there is one. */
function pick(model: LedgerModel, index: number, prefer: Preference = 'any'): ModelTransfer | undefined {
  const preferred = model.transfers.filter((t) =>
    prefer === 'live' ? model.isLive(t) : prefer === 'lapsed' ? t.state === 'open' && !model.isLive(t) : false,
  );
  const pool = preferred.length > 0 ? preferred : model.transfers;
  return pool.length === 0 ? undefined : pool[index % pool.length];
}

async function capture(store: TestStore, model: LedgerModel, step: { pick: number; prefer: Preference; copies: number; stranger: boolean }): Promise<void> {
  const t = pick(model, step.pick, step.prefer);
  if (!t) return;
  const send = (user: string) =>
    store.ledger.capture({ transferId: t.id, deviceId: deviceOf(user), userId: user, receipt: receiptFor(t.id), nowMs: model.nowMs });
  const stranger = USERS.find((u) => u !== t.user)!;
  const [strangerResult, ...results] = await Promise.all([step.stranger ? send(stranger) : undefined, ...Array.from({ length: step.copies }, () => send(t.user))]);
  if (strangerResult) expect(strangerResult).toEqual({ ok: false, code: 'unknown-transfer' });

  if (t.state === 'charged') {
    for (const r of results) expect(r).toEqual({ ...t.charge, repeated: true });
  } else if (model.isLive(t)) {
    // A live hold is always capturable: its price was reserved when it was placed.
    const balanceMinor = model.balance(t.user) - t.part.priceMinor;
    for (const r of results) expect(r).toMatchObject({ ok: true, balanceMinor, chargedAt: model.nowMs, priceMinor: t.part.priceMinor });
    expect(results.filter((r) => r.ok && !r.repeated)).toHaveLength(1);
    t.state = 'charged';
    t.charge = { ...(results[0] as typeof t.charge & object), repeated: false };
    model.credit(t.user, -t.part.priceMinor);
  } else {
    for (const r of results) expect(r).toEqual({ ok: false, code: 'hold-expired', partId: t.part.id });
    t.state = 'released';
  }
}

/** One receipt of a capture group: a transfer the model knows, sent by its user or by a stranger. */
export interface GroupedCapture {
  pick: number;
  prefer: Preference;
  stranger: boolean;
}

/**
 * Capture groups (captureMany, as the store's batcher sends them) racing each other, touching
 * the same users, the same provider and sometimes the same transfers: every live transfer is
 * charged once whichever group wins, every other answer for it is that charge repeated, and
 * each user's new charges answer balances that follow one another in some serial order.
 */
async function captureGroups(store: TestStore, model: LedgerModel, groups: GroupedCapture[][]): Promise<void> {
  const sent = groups.map((group) =>
    group.flatMap(({ pick: index, prefer, stranger }) => {
      const t = pick(model, index, prefer);
      return t ? [{ t, user: stranger ? USERS.find((u) => u !== t.user)! : t.user }] : [];
    }),
  );
  const answers = await Promise.all(
    sent.map((group) =>
      group.length === 0 ? [] : store.ledger.captureMany(group.map(({ t, user }) => ({ transferId: t.id, deviceId: deviceOf(user), userId: user, receipt: receiptFor(t.id), nowMs: model.nowMs }))),
    ),
  );
  const byTransfer = new Map<ModelTransfer, CaptureResult[]>();
  sent.forEach((group, g) =>
    group.forEach(({ t, user }, i) => {
      const result = answers[g]![i]!;
      if (user !== t.user) expect(result).toEqual({ ok: false, code: 'unknown-transfer' });
      else byTransfer.set(t, [...(byTransfer.get(t) ?? []), result]);
    }),
  );
  const newCharges: ModelTransfer[] = [];
  for (const [t, results] of byTransfer) {
    if (t.state === 'charged') {
      for (const r of results) expect(r).toEqual({ ...t.charge, repeated: true });
    } else if (model.isLive(t)) {
      expect(results.filter((r) => r.ok && !r.repeated), `charges of ${t.id}`).toHaveLength(1);
      const first = results.find((r) => r.ok && !r.repeated) as Extract<CaptureResult, { ok: true }>;
      expect(first).toMatchObject({ transferId: t.id, partId: t.part.id, priceMinor: t.part.priceMinor, chargedAt: model.nowMs });
      for (const r of results) expect(r).toEqual({ ...first, repeated: r !== first });
      t.state = 'charged';
      t.charge = first;
      newCharges.push(t);
    } else {
      for (const r of results) expect(r).toEqual({ ok: false, code: 'hold-expired', partId: t.part.id });
      t.state = 'released';
    }
  }
  // Racing groups of one user serialize on the user's row: the balances they answered, highest
  // first, must each be the previous one minus that charge's price.
  for (const user of USERS) {
    const mine = newCharges.filter((t) => t.user === user).sort((a, b) => b.charge!.balanceMinor - a.charge!.balanceMinor);
    for (const t of mine) {
      model.credit(user, -t.part.priceMinor);
      expect(t.charge!.balanceMinor, `balance after charging ${t.id}`).toBe(model.balance(user));
    }
  }
}

async function release(store: TestStore, model: LedgerModel, index: number): Promise<void> {
  const t = pick(model, index);
  if (!t) return;
  const outcome = await store.ledger.release(t.id, 'cancelled', model.nowMs);
  if (t.state === 'charged') expect(outcome).toBe('charged');
  else if (t.state === 'released') expect(outcome).toBe('already-released');
  else if (model.isLive(t)) expect(outcome).toBe('released');
  else expect(['released', 'already-released']).toContain(outcome); // lapsed: maybe swept lazily
  if (t.state === 'open') t.state = 'released';
}

async function redeem(store: TestStore, model: LedgerModel, step: { card: number; users: number[]; wrongPassword: boolean }): Promise<void> {
  const card = model.cards[step.card % model.cards.length]!;
  const users = step.users.map(userAt);
  const password = step.wrongPassword ? (card.password === '0000-0000' ? '9999-9999' : '0000-0000') : card.password;
  const results = await Promise.all(users.map((userId) => store.ledger.redeemCard({ cardId: card.id, password, userId, nowMs: model.nowMs })));
  if (step.wrongPassword) {
    for (const r of results) expect(r).toEqual({ ok: false, code: 'card-refused' });
    return;
  }
  if (card.redeemedBy === undefined) {
    const winners = new Set(users.filter((_, i) => results[i]!.ok));
    expect(winners.size, 'one card credited to more than one user').toBe(1);
    const [winner] = winners;
    const first = results.find((r) => r.ok && !r.repeated);
    expect(first).toMatchObject({ ok: true, valueMinor: card.valueMinor, balanceMinor: model.balance(winner!) + card.valueMinor });
    expect(results.filter((r) => r.ok && !r.repeated)).toHaveLength(1);
    card.redeemedBy = winner;
    card.firstRedemption = { ...(first as typeof card.firstRedemption & object) };
    model.credit(winner!, card.valueMinor);
  }
  users.forEach((u, i) => {
    if (u === card.redeemedBy) expect(results[i]).toMatchObject({ ...card.firstRedemption, repeated: results[i]!.ok && results[i]!.repeated });
    else expect(results[i]).toEqual({ ok: false, code: 'card-used' });
  });
}

async function adjust(store: TestStore, model: LedgerModel, user: string, amountMinor: number): Promise<void> {
  const call = store.ledger.adjustBalance({ userId: user, amountMinor, reason: 'property', actor: 'test', nowMs: model.nowMs });
  if (amountMinor < 0 && model.balance(user) + amountMinor < model.heldMinor(user)) {
    const error = await call.then(() => undefined, (e: unknown) => e);
    expect(isFairwayError(error, 'out-of-range'), `adjust ${amountMinor} should be refused`).toBe(true);
    return;
  }
  const result = await call;
  model.credit(user, amountMinor);
  expect(result).toMatchObject({ balanceMinor: model.balance(user), repeated: false });
}
