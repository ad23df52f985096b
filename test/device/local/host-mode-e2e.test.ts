/**
 * Host mode end to end (seed 000): real store over aedes and SQLite, real terminal runtimes.
 * A host buys a part, asks for a seat licence, and serves peers over in-memory local links;
 * the peers need no store to receive; the store bills the host's user by the title's mode —
 * every approved seat on the host's licence receipt (claims 7, 10), or one seat per peer
 * notice, sent by the peer or relayed by the host (claim 8) — and peers delete after the
 * session (claims 2, 9).
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LicenceRefusedError, type Hosting } from '../../../device/local/index.js';
import type { Terminal } from '../../../device/terminal.js';
import { expectRejection } from '../../../sdk/testing/expect-error.js';
import { MemoryStorage, ScriptedLink } from '../../../sdk/testing/mocks/index.js';
import { seed } from '../../support/seed.js';
import { startTestStore, type TestStore } from '../../support/store-fixture.js';
import { writePocketPuzzle } from '../../../sim/catalog/index.js';
import { closeSharedExecutor, fastTerminal, freshDevice, writeRawTitle } from '../terminal/terminal-fixture.js';

const PART_BYTES = 40_000;
const CHUNK_BYTES = 4096;
const PART_PRICE = 100;
let store: TestStore;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-host-e2e-'));
  store = await startTestStore();
  for (const [id, billing, price] of [['party-golf', 'per-reception', 120], ['party-puzzle', 'upfront', 80]] as const) {
    const dir = join(root, id);
    await writeRawTitle(dir, id, PART_BYTES, CHUNK_BYTES, seed, PART_PRICE);
    await appendFile(join(dir, 'title.yaml'), `seats: { price: ${price}, billing: ${billing}, maxSeats: 4, sessionMs: 600000 }\n`);
    await store.importTitle(dir);
  }
  await writeRawTitle(join(root, 'solo'), 'solo', PART_BYTES, CHUNK_BYTES, seed + 1, PART_PRICE);
  await store.importTitle(join(root, 'solo'));
  const puzzle = await writePocketPuzzle(root, { seed });
  await store.importTitle(puzzle.folder);
  puzzleFirstPart = puzzle.parts[0]!.id;
});
let puzzleFirstPart: string;

afterAll(async () => {
  await closeSharedExecutor();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

interface Started {
  terminal: Terminal;
  storage: MemoryStorage;
  user: string;
}

async function startTerminal(creditMinor: number, options: { offline?: boolean } = {}): Promise<Started> {
  const device = await freshDevice(store, creditMinor);
  const storage = new MemoryStorage(1024 * 1024);
  let link: ScriptedLink | undefined;
  if (options.offline) {
    // No store in reach: every connection attempt fails.
    link = new ScriptedLink();
    link.refuseConnections();
  }
  const terminal = fastTerminal(store, storage, device, {}, link);
  await terminal.start();
  if (!options.offline) await terminal.waitFor((s) => s.state === 'menu.idle');
  return { terminal, storage, user: device.user };
}

async function hostWithPart(title: string, creditMinor = 2_000): Promise<Started> {
  const host = await startTerminal(creditMinor);
  host.terminal.buy(title);
  await host.terminal.waitFor((s) => s.state === 'title.ready', 20_000);
  return host;
}

/** A local link whose every connection the host serves. */
function localLinkTo(hosting: Hosting): ScriptedLink {
  const link = new ScriptedLink();
  void (async () => {
    for (;;) void hosting.serve(await link.accept());
  })();
  return link;
}

async function blobBytes(storage: MemoryStorage): Promise<number> {
  return (await storage.usage()).usedBytes;
}

describe(`host mode against a real store (seed ${seed})`, () => {
  it('claims 1, 3, 8: peers receive from a host terminal without the store, the N+1-th is refused, each received seat is charged once, and peers delete after the session', async () => {
    const host = await hostWithPart('party-golf');
    const balanceBefore = await store.balance(host.user);
    const hosting = await host.terminal.host('party-golf-p1', 2);
    expect(hosting.licence).toMatchObject({ seats: 2, billing: 'per-reception', seatPrice: 120, part: 'party-golf-p1' });
    expect(await store.balance(host.user)).toBe(balanceBefore); // held, not charged

    const peers = await Promise.all([startTerminal(0), startTerminal(0), startTerminal(0)]);
    const baselines = await Promise.all(peers.map((p) => blobBytes(p.storage)));
    const sessions = peers.map((p) => p.terminal.joinHost(localLinkTo(hosting)));
    const [first, second, third] = sessions as [typeof sessions[0], typeof sessions[0], typeof sessions[0]];
    const received = await Promise.all([first.receive(), second.receive()]);
    expect(received.map((r) => r.seat).sort()).toEqual([1, 2]);
    const refusal = await expectRejection(() => third.receive(), ['invalid-argument']);
    expect((refusal as unknown as { code: string }).code).toBe('seats-full');
    expect(hosting.seatsTaken()).toBe(2);

    // Each peer sent its own notice, and the host relays them too: two seats charged, once each.
    await host.terminal.relayNotices();
    await waitUntil(async () => (await store.balance(host.user)) === balanceBefore - 2 * 120);
    await host.terminal.relayNotices();
    expect(await store.balance(host.user)).toBe(balanceBefore - 2 * 120);

    await hosting.end();
    for (const s of [first, second]) expect(await s.ended).toBe('host-ended');
    for (const [i, p] of peers.entries()) {
      expect(p.terminal.storage().parts).toEqual([]);
      expect(await blobBytes(p.storage)).toBeLessThanOrEqual(baselines[i]! + 1024); // the terminal's own state records may grow a little
    }
    expect(await store.invariantViolations()).toEqual([]);
    for (const t of [host, ...peers]) await t.terminal.stop();
  });

  it('claims 7 and 10: an upfront title charges every approved seat on the host\'s licence receipt, and peer notices charge nothing more', async () => {
    const host = await hostWithPart('party-puzzle');
    const balanceBefore = await store.balance(host.user);
    const hosting = await host.terminal.host('party-puzzle-p1', 3);
    expect(hosting.licence).toMatchObject({ seats: 3, billing: 'upfront', seatPrice: 80 });
    expect(await store.balance(host.user)).toBe(balanceBefore - 3 * 80);

    const peer = await startTerminal(0);
    const session = peer.terminal.joinHost(localLinkTo(hosting));
    await session.receive();
    expect(await host.terminal.relayNotices()).toBe(1);
    expect(await store.balance(host.user)).toBe(balanceBefore - 3 * 80);
    await hosting.end();
    expect(await session.ended).toBe('host-ended');
    expect(peer.terminal.storage().parts).toEqual([]);
    expect(await store.invariantViolations()).toEqual([]);
    await host.terminal.stop();
    await peer.terminal.stop();
  });

  it('claim 8: a peer with no store connection is charged once its host relays its notice, later', async () => {
    const host = await hostWithPart('party-golf');
    const balanceBefore = await store.balance(host.user);
    const hosting = await host.terminal.host('party-golf-p1', 2);
    const peer = await startTerminal(0, { offline: true });
    const session = peer.terminal.joinHost(localLinkTo(hosting));
    await session.receive();
    expect(peer.terminal.sessionStats().connects).toBe(0);
    // The notice is kept on the host until it gets an outcome; relaying it charges the seat.
    await host.terminal.relayNotices();
    expect(await store.balance(host.user)).toBe(balanceBefore - 120);
    expect((await hosting.session.pendingNotices()).length).toBe(0);
    await hosting.end();
    expect(await session.ended).toBe('host-ended');
    expect(peer.terminal.storage().parts).toEqual([]);
    await host.terminal.stop();
    await peer.terminal.stop();
  });

  it('gives the host its own part back when the session ends: not played yet, it stays', async () => {
    const host = await hostWithPart('party-golf');
    const hosting = await host.terminal.host('party-golf-p1', 1);
    const peer = await startTerminal(0);
    const session = peer.terminal.joinHost(localLinkTo(hosting));
    await session.receive();
    await hosting.end();
    await session.ended;
    expect(host.terminal.storage().parts.map((p) => [p.part, p.state])).toEqual([['party-golf-p1', 'complete']]);
    expect(host.terminal.snapshot().state).toBe('title.ready');
    await host.terminal.stop();
    await peer.terminal.stop();
  });

  it('a peer plays the hosted program during the session, and not after it', async () => {
    const host = await hostWithPart('pocket-puzzle', 5_000);
    const hosting = await host.terminal.host(puzzleFirstPart, 1);
    const peer = await startTerminal(0);
    const session = peer.terminal.joinHost(localLinkTo(hosting));
    const reception = await session.receive();
    const outcome = await peer.terminal.playHosted(session, reception);
    expect(Object.keys(outcome.results).length).toBeGreaterThan(0);
    await hosting.end();
    await session.ended;
    await expectRejection(() => peer.terminal.playHosted(session, reception), ['closed']);
    expect(peer.terminal.storage().parts).toEqual([]);
    await host.terminal.stop();
    await peer.terminal.stop();
  });

  it('claim 6: a terminal acts as a server only for a part its store made licensable and it owns: not for a part never bought, nor for a title with no seat rule', async () => {
    const host = await hostWithPart('solo');
    await expectRejection(() => host.terminal.host('party-golf-p1', 1), ['invalid-argument']);
    const noRule = await host.terminal.host('solo-p1', 1).catch((e: unknown) => e);
    expect(noRule).toBeInstanceOf(LicenceRefusedError);
    expect((noRule as LicenceRefusedError).code).toBe('not-licensable');
    await host.terminal.stop();
  });
});

async function waitUntil(test: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms (seed ${seed})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
