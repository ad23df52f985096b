/**
 * The terminal against a real store when things do not go its way: flash too small, credit
 * short, a hold that lapses mid-download, a manifest that does not verify, and garbage on
 * its own topics. Each lands in a named state with a typed reason, releases what it held,
 * and charges nothing that was not received.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FairwayError } from '../../../sdk/errors.js';
import type { Link } from '../../../sdk/hal/link.js';
import { credit } from '../../../broker/ledger/holds.js';
import { SystemClock, TcpLink } from '../../../device/ports/node/index.js';
import { createTerminal } from '../../../device/terminal.js';
import { MemoryStorage, SoftwareSigner } from '../../../sdk/testing/mocks/index.js';
import { crypto } from '../../support/keys.js';
import { seed } from '../../support/seed.js';
import { startTestStore, type TestStore } from '../../support/store-fixture.js';
import { closeSharedExecutor, sharedCartridgeExecutor, fastTerminal, freshDevice, watch, writeRawTitle } from './terminal-fixture.js';

let store: TestStore;
let lapsing: TestStore;
let root: string;
const PART_BYTES = 40 * 1024;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-answers-'));
  store = await startTestStore();
  lapsing = await startTestStore({ holdMs: 400 });
  await writeRawTitle(join(root, 'big'), 'big', PART_BYTES, 1024, seed, 300);
  for (const s of [store, lapsing]) await s.importTitle(join(root, 'big'));
});

afterAll(async () => {
  await closeSharedExecutor();
  await store?.close();
  await lapsing?.close();
  await rm(root, { recursive: true, force: true });
});

describe('a terminal whose flash cannot hold the part', () => {
  it('stops in failed.storageFull saying what it needs, and dismissing releases the hold', async () => {
    const device = await freshDevice(store, 1_000);
    const terminal = fastTerminal(store, new MemoryStorage(120 * 1024), device, { systemReserveBytes: 100 * 1024 });
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    terminal.buy('big');
    const full = await terminal.waitFor((s) => s.state === 'failed.storageFull');
    expect(full.context.failure).toMatchObject({ reason: 'storage-full', part: 'big-p1' });
    expect(full.context.failure!.neededBytes).toBeGreaterThan(PART_BYTES);
    expect(full.context.failure!.freeBytes).toBeLessThan(full.context.failure!.neededBytes!);
    terminal.dismiss();
    const back = await terminal.waitFor((s) => s.state === 'menu.idle');
    expect(back.context.balance).toBe(1_000);
    expect(await store.charges(device.user)).toEqual([]);
    await terminal.stop();
  });
});

describe('a terminal with too little credit', () => {
  it('waits in title.needsCredit with the balance and price, and cancelling charges nothing', async () => {
    const device = await freshDevice(store, 100);
    const terminal = fastTerminal(store, new MemoryStorage(512 * 1024), device);
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    terminal.buy('big');
    const short = await terminal.waitFor((s) => s.state === 'title.needsCredit');
    expect(short.context.creditShort).toEqual({ balance: 100, price: 300 });
    terminal.cancel();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    expect(await store.charges(device.user)).toEqual([]);
    await terminal.stop();
  });

  it('lands in failed.cardRefused for a card that does not exist, balance unchanged', async () => {
    const device = await freshDevice(store, 100);
    const terminal = fastTerminal(store, new MemoryStorage(512 * 1024), device);
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    terminal.buy('big');
    await terminal.waitFor((s) => s.state === 'title.needsCredit');
    terminal.redeemCard('NO-SUCH-CARD', 'wrong');
    const refused = await terminal.waitFor((s) => s.state === 'failed.cardRefused');
    expect(refused.context.failure).toMatchObject({ reason: 'card-refused', code: 'card-refused' });
    expect(await store.balance(device.user)).toBe(100);
    await terminal.stop();
  });
});

/** A link that refuses to connect until `until()` says so: a radio blackout. */
function blackoutLink(inner: Link, blackedOut: () => boolean): Link {
  return {
    connect: async () => {
      if (blackedOut()) throw new FairwayError('link-reset', 'no radio');
      return inner.connect();
    },
  };
}

describe('a hold that lapses while the radio is out', () => {
  it('gets a new offer for the same part and keeps every chunk already stored [FW-7.7.2]', async () => {
    const device = await freshDevice(lapsing, 1_000);
    const flash = new MemoryStorage(512 * 1024);
    let blackoutUntil = 0;
    const terminal = createTerminal(
      { storage: flash, link: blackoutLink(new TcpLink('127.0.0.1', lapsing.port), () => Date.now() < blackoutUntil), crypto, clock: new SystemClock(), signer: device.signer },
      { deviceId: device.id, user: device.user, password: device.password, storePublicKey: lapsing.storePublicKey, executor: sharedCartridgeExecutor(), reconnectBackoff: { baseMs: 10, capMs: 50 }, faultRetryMs: 50, download: { initialWindowChunks: 2, maxWindowChunks: 2 } },
    );
    const log = watch(terminal);
    const transfers = new Set<string>();
    terminal.on('state', (s) => {
      if (s.context.offer) transfers.add(s.context.offer.transfer);
    });
    let cut = false;
    terminal.on('chunk', (c) => {
      if (!cut && log.stored.get(c.part)?.size === 10) {
        cut = true;
        blackoutUntil = Date.now() + 900;
        void terminal.dropLink();
      }
    });
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    terminal.buy('big');
    await terminal.waitFor((s) => s.state === 'title.ready', 20_000);
    expect(transfers.size).toBeGreaterThanOrEqual(2);
    const received = log.received.get('big-p1') ?? [];
    expect(received.filter((i, n) => received.indexOf(i) !== n && log.stored.get('big-p1')!.has(i))).toEqual([]);
    expect(await lapsing.charges(device.user)).toHaveLength(1);
    expect(await lapsing.balance(device.user)).toBe(700);
    await terminal.stop();
  });
});

describe('a terminal configured with the wrong store key', () => {
  it('refuses the offer in failed.badManifest before storing a byte, and the hold is released', async () => {
    const device = await freshDevice(store, 1_000);
    const flash = new MemoryStorage(512 * 1024);
    const terminal = fastTerminal(store, flash, device, { storePublicKey: SoftwareSigner.fromSeed(new Uint8Array(32).fill(9)).publicKey });
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    terminal.buy('big');
    const bad = await terminal.waitFor((s) => s.state === 'failed.badManifest');
    expect(bad.context.failure?.reason).toBe('bad-manifest');
    expect(terminal.storage().parts).toEqual([]);
    expect((await flash.list()).some((b) => b.name.endsWith('.data'))).toBe(false);
    await expect.poll(async () => (await credit(store.store.ledger, device.user, Date.now())).heldMinor).toBe(0);
    await terminal.stop();
  });
});

describe('garbage on the terminal’s own down topics', () => {
  it('is dropped and counted; the terminal carries on', async () => {
    const device = await freshDevice(store, 1_000);
    const terminal = fastTerminal(store, new MemoryStorage(512 * 1024), device);
    const warnings: string[] = [];
    terminal.on('warning', (w) => warnings.push(w.message));
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    await store.store.broker.publish(device.id, 'offer', new Uint8Array([0xff, 0x00, 0x13]), 1);
    await store.store.broker.publish(device.id, 'charge', new Uint8Array([0xa1, 0x61, 0x76, 0x02]), 1);
    await expect.poll(() => warnings.filter((w) => w.startsWith('undecodable body')).length).toBe(2);
    expect(terminal.sessionStats().droppedBodies).toBeGreaterThanOrEqual(2);
    expect(terminal.snapshot().state).toBe('menu.idle');
    terminal.buy('big', { autoPlay: false });
    await terminal.waitFor((s) => s.state === 'title.ready', 20_000);
    await terminal.stop();
  });
});
