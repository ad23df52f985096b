/**
 * The terminal's saved state survives a power cut at any byte of a save: two records are
 * written in turn and the newest intact one loads, so a torn write costs at most the one
 * transition being saved — never the state before it.
 */
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../../device/persist/state-store.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { crypto } from '../../support/keys.js';
import { expectKind } from '../../support/expect-fairway.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

describe('the terminal state store', () => {
  it('loads nothing on a terminal that never saved, then the newest save', async () => {
    const storage = new MemoryStorage(200_000);
    const store = new StateStore(storage, crypto);
    expect(await store.load()).toBeNull();
    for (const s of ['one', 'two', 'three']) await store.save(text(s));
    const reopened = new StateStore(storage, crypto);
    expect(read((await reopened.load())?.body)).toBe('three');
    await reopened.save(text('four'));
    expect(read((await new StateStore(storage, crypto).load())?.body)).toBe('four');
  });

  it('writes a burst of saves once, keeping only the newest', async () => {
    const storage = new MemoryStorage(200_000);
    const store = new StateStore(storage, crypto);
    await store.save(text('first'));
    const writesBefore = (await storage.list()).length;
    await Promise.all(['a', 'b', 'c', 'd'].map((s) => store.save(text(s))));
    expect(read((await new StateStore(storage, crypto).load())?.body)).toBe('d');
    expect((await storage.list()).length).toBeGreaterThanOrEqual(writesBefore);
  });

  it('falls back to the previous state when the newest record is torn at any byte', async () => {
    const long = 'x'.repeat(300);
    for (let cut = 0; cut < 44 + long.length; cut += 7) {
      const storage = new MemoryStorage(200_000);
      const store = new StateStore(storage, crypto);
      await store.save(text('older'));
      await store.save(text('newer'));
      // Tear the next save (it goes to the blob holding "older"): only `cut` bytes land.
      const blobs = await storage.list();
      const target = blobs.find((b) => b.name === 'fw-state-a')!;
      const good = new StateStore(storage, crypto);
      await good.load();
      await good.save(text(long));
      const torn = await storage.read(target.name, 0, cut);
      const scratch = new MemoryStorage(200_000);
      for (const b of await storage.list()) await scratch.write(b.name, 0, await storage.read(b.name, 0, b.sizeBytes));
      await scratch.remove(target.name);
      await scratch.write(target.name, 0, torn);
      const loaded = read((await new StateStore(scratch, crypto).load())?.body);
      expect(loaded === 'newer' || loaded === long, `cut at ${cut}: ${loaded}`).toBe(true);
    }
  });

  it('refuses a body over its limit with too-large and keeps the saved state', async () => {
    const storage = new MemoryStorage(200_000);
    const store = new StateStore(storage, crypto, 'fw-state', 1024);
    await store.save(text('kept'));
    await expectKind(() => store.save(new Uint8Array(1025)), 'too-large');
    expect(read((await new StateStore(storage, crypto, 'fw-state', 1024).load())?.body)).toBe('kept');
  });

  it('ignores records that are not its own (wrong magic, bad checksum)', async () => {
    const storage = new MemoryStorage(200_000);
    await storage.write('fw-state-a', 0, text('not a state record at all, just bytes'));
    expect(await new StateStore(storage, crypto).load()).toBeNull();
    const store = new StateStore(storage, crypto);
    await store.save(text('good'));
    await store.save(text('newer, then corrupted'));
    const bytes = await storage.read('fw-state-b', 0, 1000);
    bytes[bytes.length - 1]! ^= 1;
    await storage.write('fw-state-b', 0, bytes);
    expect(read((await new StateStore(storage, crypto).load())?.body)).toBe('good');
  });
});
