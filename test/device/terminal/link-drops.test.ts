/**
 * Drops: the radio link is cut right after each chunk index of a small part in turn. Every
 * time the part completes, its bytes hash to the manifest, it is charged once, and what the
 * store streamed beyond the part's size stays within one window (the chunks in flight) per
 * drop — after a reconnect only missing chunks are asked for [FW-7.7.1].
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { seed } from '../../support/seed.js';
import { startTestStore, type TestStore } from '../../support/store-fixture.js';
import { closeSharedExecutor, fastTerminal, freshDevice, watch, writeRawTitle } from './terminal-fixture.js';

const CHUNK_BYTES = 1024;
const CHUNKS = 12;
const SIZE_BYTES = CHUNKS * CHUNK_BYTES - 300;
const WINDOW_CHUNKS = 4;
let store: TestStore;
let part: Uint8Array;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-drops-'));
  store = await startTestStore();
  part = await writeRawTitle(join(root, 'tiny'), 'tiny', SIZE_BYTES, CHUNK_BYTES, seed);
  await store.importTitle(join(root, 'tiny'));
});

afterAll(async () => {
  await closeSharedExecutor();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

async function slotBytes(storage: MemoryStorage, slot: number): Promise<Uint8Array> {
  return storage.read(`s${slot}.data`, 0, SIZE_BYTES);
}

describe(`a link cut after each chunk of a ${CHUNKS}-chunk part (seed ${seed})`, () => {
  it.each(Array.from({ length: CHUNKS - 1 }, (_, k) => k + 1))('completes after a cut once %i chunks are stored', async (cutAfter) => {
    const device = await freshDevice(store, 1_000);
    const storage = new MemoryStorage(512 * 1024);
    const terminal = fastTerminal(store, storage, device, { download: { initialWindowChunks: WINDOW_CHUNKS, maxWindowChunks: WINDOW_CHUNKS, maxWindowsInFlight: 1 } });
    const log = watch(terminal);
    let drops = 0;
    terminal.on('chunk', (c) => {
      if (c.outcome === 'stored' && log.stored.get(c.part)?.size === cutAfter && drops === 0) {
        drops++;
        void terminal.dropLink();
      }
    });
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    const streamedBefore = store.streamedBytes();
    terminal.buy('tiny');
    const ready = await terminal.waitFor((s) => s.state === 'title.ready', 20_000);
    expect(drops).toBe(1);
    expect(ready.context.lastCharge).toMatchObject({ part: 'tiny-p1', price: 100 });

    const [stored] = terminal.storage().parts;
    const bytes = await slotBytes(storage, stored!.slot);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(part).digest('hex'));
    expect(await store.charges(device.user)).toHaveLength(1);
    const resentBytes = store.streamedBytes() - streamedBefore - SIZE_BYTES;
    expect(resentBytes).toBeLessThanOrEqual(drops * WINDOW_CHUNKS * CHUNK_BYTES);
    expect(terminal.sessionStats().connects).toBe(2);
    await terminal.stop();
  });
});

describe('a link cut right after the receipt went out', () => {
  it('resends the same receipt after reconnecting and is charged once', async () => {
    const device = await freshDevice(store, 1_000);
    const terminal = fastTerminal(store, new MemoryStorage(512 * 1024), device);
    const receipts: number[] = [];
    terminal.on('receipt', (r) => {
      receipts.push(r.rid);
      if (receipts.length === 1) void terminal.dropLink();
    });
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    terminal.buy('tiny');
    const ready = await terminal.waitFor((s) => s.state === 'title.ready', 20_000);
    expect(ready.context.lastCharge).toMatchObject({ part: 'tiny-p1', price: 100, balance: 900 });
    expect(await store.charges(device.user)).toHaveLength(1);
    expect(terminal.sessionStats().connects).toBe(2);
    await terminal.stop();
  });
});
