/**
 * Model-based tests of the terminal machine: xstate/graph finds the shortest event path to
 * every state, and each path is replayed on a real actor (with effects that do nothing, so
 * only the machine's own logic is under test) to check it lands where the model says, with
 * the typed failure reason a UI would show.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, type AnyStateNode } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { resumePointFor, terminalMachine } from '../../../device/machine/terminal-machine.js';
import type { FailureReason, PartOffer, TerminalEvent } from '../../../device/machine/types.js';

const offer = (part: string, next: string | null): PartOffer => ({
  transfer: '00112233445566778899aabbccddeeff',
  part,
  title: 'super-golf',
  seq: part === 'golf-h01' ? 1 : 2,
  next,
  base: part === 'golf-h01' ? null : 'golf-h01',
  sizeBytes: 40_000,
  chunkBytes: 16_384,
  chunkCount: 3,
  partHash: 'ab'.repeat(32),
  price: 500,
  listPrice: 500,
  currency: 'JPY',
  holdUntilMs: 1_800_000_000_000,
  windowMax: 256,
});

/** One example of every event the machine takes. */
const EVENTS: TerminalEvent[] = [
  { type: 'power.booted' },
  { type: 'radio.connected' },
  { type: 'radio.up', balance: 1000, currency: 'JPY' },
  { type: 'radio.down', reason: 'fade' },
  { type: 'radio.refused', reason: 'not-enrolled', message: 'CONNACK 5' },
  { type: 'radio.refused', reason: 'login-refused', message: 'wrong password' },
  { type: 'store.menu' },
  { type: 'store.offer', offer: offer('golf-h01', 'golf-h02'), advert: null },
  { type: 'store.creditShort', balance: 100, price: 500 },
  { type: 'store.refused', code: 'unknown-part', message: 'no such part' },
  { type: 'store.cardOk', value: 1000, balance: 1100 },
  { type: 'store.cardRefused', code: 'card-used', message: 'already redeemed' },
  { type: 'store.holdExpired' },
  { type: 'store.charged', part: 'golf-h01', price: 500, balance: 500 },
  { type: 'store.receiptRefused', code: 'receipt-refused', message: 'bad signature' },
  { type: 'store.advert', advert: null },
  { type: 'store.cancelled', balance: 1000 },
  { type: 'store.error', code: 'internal', message: 'database down' },
  { type: 'device.fault', message: 'flash write failed' },
  { type: 'storage.reserved' },
  { type: 'storage.full', neededBytes: 40_000, freeBytes: 1_000, freeableBytes: 0, message: 'full' },
  { type: 'part.badManifest', message: 'bad signature' },
  { type: 'part.downloaded' },
  { type: 'part.verified' },
  { type: 'part.mismatch' },
  { type: 'part.played', results: { strokes: 4 }, continue: true },
  { type: 'part.played', results: { strokes: 9 }, continue: false },
  { type: 'part.playFailed', message: 'engine crashed' },
  { type: 'part.cleaned' },
  { type: 'user.browse' },
  { type: 'user.buy', title: 'super-golf', firstPart: 'golf-h01' },
  { type: 'user.buy', title: 'super-golf', firstPart: 'golf-h01', autoPlay: true },
  { type: 'user.redeemCard', card: 'card-1', password: 'pw' },
  { type: 'user.play' },
  { type: 'user.cancel' },
  { type: 'user.dismiss' },
  { type: 'user.retry' },
];

const inert = fromCallback(() => undefined);
const machine = terminalMachine.provide({
  actors: Object.fromEntries(
    ['loadMenu', 'offerPart', 'redeemCard', 'reserveStorage', 'download', 'verifyPart', 'sendReceipt', 'playPart', 'retirePart', 'finishTitle', 'cleanTitle', 'cancelTransfer'].map((k) => [k, inert]),
  ) as never,
});

/** Every leaf state a terminal can rest in (a transient router like `resuming` is passed through). */
function leafStatePaths(node: AnyStateNode, prefix: string[] = []): string[] {
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) return node.always?.some((t) => !t.guard) ? [] : [prefix.join('.')];
  return children.flatMap((c) => leafStatePaths(c, [...prefix, c.key]));
}

function pathOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0] as [string, unknown];
  return `${k}.${pathOf(v)}`;
}

const FAILURE_OF: Record<string, FailureReason> = {
  'failed.notEnrolled': 'not-enrolled',
  'failed.loginRefused': 'login-refused',
  'failed.offerRefused': 'offer-refused',
  'failed.cardRefused': 'card-refused',
  'failed.storageFull': 'storage-full',
  'failed.badManifest': 'bad-manifest',
  'failed.partCorrupt': 'part-corrupt',
  'failed.receiptRefused': 'receipt-refused',
  'failed.playFailed': 'play-failed',
  'failed.storeError': 'store-error',
  'failed.deviceFault': 'device-fault',
};

const paths = getShortestPaths(machine, {
  events: EVENTS,
  input: { deviceId: 'hh-0001' },
  // A state is its value plus the few context facts that change which events apply.
  serializeState: (s) => JSON.stringify([s.value, s.context.job?.autoPlay ?? null, s.context.job?.wantsMore ?? null, s.context.verifyFailures, s.context.offer?.next ?? null]),
});
const reached = new Map<string, (typeof paths)[number]>();
for (const p of paths) {
  const key = pathOf(p.state.value);
  const known = reached.get(key);
  if (!known || known.steps.length > p.steps.length) reached.set(key, p);
}

describe('the terminal machine (model-based)', () => {
  it('reaches every state of the seed flow and every failure state', () => {
    const all = leafStatePaths(machine.root).sort();
    expect([...reached.keys()].sort()).toEqual(all);
    for (const failure of Object.keys(FAILURE_OF)) expect(all).toContain(failure);
  });

  describe.each([...reached.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))('the shortest path to %s', (statePath, path) => {
    it('replays on a running actor to the same state', () => {
      const actor = createActor(machine, { input: { deviceId: 'hh-0001' } }).start();
      for (const step of path.steps) actor.send(step.event as TerminalEvent);
      const snapshot = actor.getSnapshot();
      expect(pathOf(snapshot.value)).toBe(statePath);
      const reason = FAILURE_OF[statePath];
      if (reason) {
        expect(snapshot.context.failure?.reason).toBe(reason);
        expect(snapshot.context.failure?.message.length).toBeGreaterThan(0);
      } else if (!statePath.startsWith('failed')) expect(snapshot.context.failure).toBeNull();
      actor.stop();
    });
  });

  it('passes boot, connect, login, menu, offer, top-up, offer again, download, receipt, play, next part, finish and clean in order', () => {
    const actor = createActor(machine, { input: { deviceId: 'hh-0001' } });
    const seen: string[] = [];
    actor.subscribe((s) => {
      const p = pathOf(s.value);
      if (seen[seen.length - 1] !== p) seen.push(p);
    });
    actor.start();
    const send = (e: TerminalEvent) => actor.send(e);
    send({ type: 'power.booted' });
    send({ type: 'radio.connected' });
    send({ type: 'radio.up', balance: 200, currency: 'JPY' });
    send({ type: 'store.menu' });
    send({ type: 'user.buy', title: 'super-golf', firstPart: 'golf-h01', autoPlay: true });
    send({ type: 'store.creditShort', balance: 200, price: 500 });
    send({ type: 'user.redeemCard', card: 'c1', password: 'p' });
    send({ type: 'store.cardOk', value: 1000, balance: 1200 });
    send({ type: 'store.offer', offer: offer('golf-h01', 'golf-h02'), advert: null });
    for (const type of ['storage.reserved', 'part.downloaded', 'part.verified'] as const) send({ type });
    send({ type: 'store.charged', part: 'golf-h01', price: 500, balance: 700 });
    send({ type: 'part.played', results: { strokes: 4 }, continue: true });
    send({ type: 'part.cleaned' });
    expect(actor.getSnapshot().context.job?.part).toBe('golf-h02');
    send({ type: 'store.offer', offer: offer('golf-h02', null), advert: null });
    for (const type of ['storage.reserved', 'part.downloaded', 'part.verified'] as const) send({ type });
    send({ type: 'store.charged', part: 'golf-h02', price: 450, balance: 250 });
    send({ type: 'part.played', results: { strokes: 9 }, continue: true });
    send({ type: 'part.cleaned' });
    send({ type: 'store.advert', advert: null });
    send({ type: 'part.cleaned' });
    expect(seen).toEqual([
      'booting', 'connecting', 'loggingIn', 'menu.loading', 'menu.idle',
      'title.offering', 'title.needsCredit', 'title.toppingUp', 'title.offering', 'title.reserving', 'title.downloading', 'title.verifying', 'title.receipting', 'title.playing', 'title.retiring',
      'title.offering', 'title.reserving', 'title.downloading', 'title.verifying', 'title.receipting', 'title.playing', 'title.retiring', 'title.finishing', 'title.cleaning', 'menu.loading',
    ]);
    expect(actor.getSnapshot().context).toMatchObject({ balance: 250, job: null, offer: null, lastCharge: { part: 'golf-h02', price: 450 } });
  });

  it('never plays a part before its charge arrived', () => {
    for (const [statePath, path] of reached) {
      if (statePath !== 'title.playing') continue;
      const types = path.steps.map((s) => s.event.type);
      expect(types.lastIndexOf('store.charged')).toBeGreaterThan(types.lastIndexOf('part.verified'));
    }
  });

  it('gives up on a part after three whole-part hash mismatches, re-downloading in between', () => {
    const actor = createActor(machine, { input: { deviceId: 'hh-0001' } }).start();
    for (const e of [{ type: 'power.booted' }, { type: 'radio.up', balance: 1000, currency: 'JPY' }, { type: 'store.menu' }, { type: 'user.buy', title: 't', firstPart: 'golf-h01' }, { type: 'store.offer', offer: offer('golf-h01', null), advert: null }, { type: 'storage.reserved' }] as TerminalEvent[]) actor.send(e);
    for (let i = 0; i < 2; i++) {
      actor.send({ type: 'part.downloaded' });
      actor.send({ type: 'part.mismatch' });
      expect(pathOf(actor.getSnapshot().value)).toBe('title.downloading');
    }
    actor.send({ type: 'part.downloaded' });
    actor.send({ type: 'part.mismatch' });
    expect(pathOf(actor.getSnapshot().value)).toBe('failed.partCorrupt');
  });
});

describe('resuming after a power loss', () => {
  const job = { title: 'super-golf', part: 'golf-h01', carried: {}, wantsMore: true, partsPlayed: 0, autoPlay: true };
  it.each([
    ['title.offering', 'title.offering'],
    ['title.needsCredit', 'title.needsCredit'],
    ['title.toppingUp', 'title.needsCredit'],
    ['title.reserving', 'title.reserving'],
    ['title.downloading', 'title.reserving'],
    ['title.verifying', 'title.reserving'],
    ['title.receipting', 'title.receipting'],
    ['title.ready', 'title.ready'],
    ['title.playing', 'title.ready'],
    ['title.retiring', 'title.retiring'],
    ['title.finishing', 'title.finishing'],
    ['title.cleaning', 'title.cleaning'],
    ['title.cancelling', 'title.offering'],
  ])('a terminal that lost power in %s picks up at %s after it logs in again', (state, point) => {
    const restoredContext = { ...createActor(machine, { input: { deviceId: 'hh-0001' } }).getSnapshot().context, job, offer: offer('golf-h01', 'golf-h02') };
    expect(resumePointFor(state, restoredContext)).toBe(point);
    const actor = createActor(machine, { input: { deviceId: 'hh-0001', restored: { context: restoredContext, state } } }).start();
    actor.send({ type: 'power.booted' });
    actor.send({ type: 'radio.connected' });
    actor.send({ type: 'radio.up', balance: 500, currency: 'JPY' });
    const expected = point === 'title.ready' ? 'title.playing' : point; // autoPlay runs a charged part at once
    expect(pathOf(actor.getSnapshot().value)).toBe(expected);
  });

  it('a terminal that lost power with no title in progress comes back to the menu', () => {
    const ctx = createActor(machine, { input: { deviceId: 'hh-0001' } }).getSnapshot().context;
    const actor = createActor(machine, { input: { deviceId: 'hh-0001', restored: { context: ctx, state: 'menu.idle' } } }).start();
    for (const e of [{ type: 'power.booted' }, { type: 'radio.up', balance: 1, currency: 'JPY' }] as TerminalEvent[]) actor.send(e);
    expect(pathOf(actor.getSnapshot().value)).toBe('menu.loading');
  });

  it('a part downloaded without an offer on record is offered again rather than trusted', () => {
    expect(resumePointFor('title.downloading', { job, offer: null })).toBe('title.offering');
    expect(resumePointFor('title.receipting', { job, offer: null })).toBe('title.offering');
  });
});
