/**
 * Power loss: the battery is pulled on entering each state of a whole 2-hole title in turn
 * (and at several chunk indexes mid-download), and a new terminal powers up on the same
 * flash. Each time the title completes, each hole is charged exactly once, and no chunk that
 * was durably stored before the cut is fetched again — at most the one chunk whose write the
 * cut interrupted (writes are serialised) can come twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Terminal } from '../../../device/terminal.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { writeSuperGolf } from '../../../sim/catalog/index.js';
import { startTestStore, type TestStore } from '../../support/store-fixture.js';
import { closeSharedExecutor, fastTerminal, freshDevice, watch, type TerminalLog } from './terminal-fixture.js';

let store: TestStore;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-power-'));
  store = await startTestStore();
  const golf = await writeSuperGolf(join(root, 'titles'), { holes: 2, engineBytes: 40_000, holeBytes: 12_000, pricing: { rule: 'standard' }, seed: 3 });
  await store.importTitle(golf.folder);
});

afterAll(async () => {
  await closeSharedExecutor();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

const FLOW_STATES = [
  'connecting',
  'loggingIn',
  'menu.loading',
  'menu.idle',
  'title.offering',
  'title.reserving',
  'title.downloading',
  'title.verifying',
  'title.receipting',
  'title.playing',
  'title.retiring',
  'title.finishing',
  'title.cleaning',
];

type Cut = { state: string; occurrence: number } | { storedChunks: number };

async function runWithCut(cut: Cut): Promise<{ before: TerminalLog; after: TerminalLog; user: string }> {
  const device = await freshDevice(store, 5_000);
  const flash = new MemoryStorage(1024 * 1024);
  const first = fastTerminal(store, flash, device);
  const before = watch(first);
  let cutDone: Promise<void> | null = null;
  const pull = () => {
    cutDone ??= first.powerCut();
  };
  let seen = 0;
  if ('state' in cut) {
    first.on('state', (s) => {
      if (s.state === cut.state && ++seen === cut.occurrence) pull();
    });
  } else {
    first.on('chunk', (c) => {
      if (c.outcome === 'stored' && c.part === 'golf-h01' && before.stored.get(c.part)?.size === cut.storedChunks) pull();
    });
  }
  await first.start();
  await until(first, () => cutDone !== null || before.states.includes('menu.idle'));
  if (!cutDone) {
    first.buy('super-golf', { autoPlay: true });
    await until(first, () => cutDone !== null);
  }
  await cutDone;

  const second = fastTerminal(store, flash, device);
  const after = watch(second);
  await second.start();
  // A terminal cut before the purchase comes back to the menu: the user buys again.
  const resumed = await second.waitFor((s) => s.state === 'menu.idle' || s.state.startsWith('title.'), 10_000);
  if (resumed.state === 'menu.idle' && !resumed.context.lastCharge) second.buy('super-golf', { autoPlay: true });
  await second.waitFor((s) => s.state === 'menu.idle' && s.context.lastCharge?.part === 'golf-h02', 20_000);
  expect(second.storage().parts).toEqual([]);
  await second.stop();
  return { before, after, user: device.user };
}

async function until(terminal: Terminal, test: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !test(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!test()) throw new Error(`gave up waiting; terminal in ${terminal.snapshot().state}`);
}

function expectChargedOnce(charges: { transferId: string; amountMinor: number }[]): void {
  expect(charges).toHaveLength(2);
  expect(new Set(charges.map((c) => c.transferId)).size).toBe(2);
}

function expectNoStoredChunkFetchedAgain(before: TerminalLog, after: TerminalLog): void {
  for (const [part, stored] of before.stored) {
    const again = (after.received.get(part) ?? []).filter((i) => stored.has(i));
    expect(again, `chunks of ${part} fetched again after the cut`).toEqual([]);
  }
}

describe('power pulled on entering each state of the flow', () => {
  it.each(FLOW_STATES)('in %s: the title still completes and each hole is charged once', async (state) => {
    const { before, after, user } = await runWithCut({ state, occurrence: 1 });
    expectChargedOnce(await store.charges(user));
    expectNoStoredChunkFetchedAgain(before, after);
    expect([...before.played, ...after.played].filter((p) => p === 'golf-h02')).toHaveLength(1);
  });

  it.each(['title.downloading', 'title.receipting', 'title.playing'])('in %s of the second hole as well', async (state) => {
    const { before, after, user } = await runWithCut({ state, occurrence: 2 });
    expectChargedOnce(await store.charges(user));
    expectNoStoredChunkFetchedAgain(before, after);
  });
});

describe('power pulled mid-download', () => {
  it.each([1, 2, 3])('after %i stored chunks of hole 1: only the missing chunks are fetched', async (storedChunks) => {
    const { before, after, user } = await runWithCut({ storedChunks });
    expectChargedOnce(await store.charges(user));
    expectNoStoredChunkFetchedAgain(before, after);
    const stored = before.stored.get('golf-h01')?.size ?? 0;
    expect(stored).toBeGreaterThanOrEqual(storedChunks);
    expect(after.stored.get('golf-h01')?.size ?? 0).toBe(3 - stored);
  });
});
