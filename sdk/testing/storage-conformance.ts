/**
 * The Storage conformance suite [FW-11.1]: every behaviour the SDK relies on, one test each.
 * A port calls describeStorageConformance from a vitest file with a factory for its storage.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import type { Storage } from '../hal/storage.js';
import { ascii, concatBytes, patternBytes } from './bytes.js';
import { expectFairwayError, expectRejection } from './expect-error.js';

export interface StorageFixture {
  /** A freshly opened, empty storage. */
  storage: Storage;
  /**
   * The capacity it was opened with. Keep it small (4 KiB is plenty, 64 bytes is the least
   * the suite needs): one test fills it completely.
   */
  capacityBytes: number;
  /**
   * Optional capability: opens the same medium again once `storage` is closed, as after a
   * reboot. Without it the persistence test is skipped.
   */
  reopen?: () => Promise<Storage>;
  /** Releases what the fixture holds (a temp directory, a flash partition). Runs after each test. */
  cleanup?: () => Promise<void>;
}

export type StorageFactory = () => Promise<StorageFixture>;

const TIMEOUT_MS = 20_000;

type StorageTest = (fixture: StorageFixture, context: TestContext) => Promise<void>;

export function describeStorageConformance(make: StorageFactory, suiteName = 'Storage conformance'): void {
  /** Runs a test body against a fresh fixture, and always closes and releases it. */
  const withStorage = (body: StorageTest) => async (context: TestContext) => {
    const fixture = await make();
    try {
      await expectFreshStorage(fixture);
      await body(fixture, context);
    } finally {
      await fixture.storage.close().catch(() => undefined);
      await fixture.cleanup?.();
    }
  };

  describe(suiteName, { timeout: TIMEOUT_MS }, () => {
    it('reads back the bytes it wrote', withStorage(async ({ storage }) => {
      const data = patternBytes(100, 1);
      await storage.write('blob', 0, data);
      expect(await storage.read('blob', 0, 100)).toEqual(data);
    }));

    it('reads a range starting at an offset', withStorage(async ({ storage }) => {
      const data = patternBytes(100, 2);
      await storage.write('blob', 0, data);
      expect(await storage.read('blob', 30, 20)).toEqual(data.subarray(30, 50));
    }));

    it('returns only the bytes up to the end when a read runs past it', withStorage(async ({ storage }) => {
      const data = patternBytes(100, 3);
      await storage.write('blob', 0, data);
      expect(await storage.read('blob', 90, 50)).toEqual(data.subarray(90));
    }));

    it('returns no bytes for a read that starts at or beyond the end', withStorage(async ({ storage }) => {
      await storage.write('blob', 0, patternBytes(100, 4));
      expect(await storage.read('blob', 100, 10)).toEqual(new Uint8Array(0));
      expect(await storage.read('blob', 5000, 10)).toEqual(new Uint8Array(0));
    }));

    it('creates an empty blob from an empty write', withStorage(async ({ storage }) => {
      await storage.write('empty', 0, new Uint8Array(0));
      expect(await storage.list()).toEqual([{ name: 'empty', sizeBytes: 0 }]);
      expect(await storage.read('empty', 0, 10)).toEqual(new Uint8Array(0));
    }));

    it('zero-fills the gap when a write starts beyond the end', withStorage(async ({ storage }) => {
      await storage.write('blob', 0, Uint8Array.of(1, 2));
      await storage.write('blob', 10, Uint8Array.of(3, 4));
      expect(await storage.read('blob', 0, 100)).toEqual(Uint8Array.of(1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4));
      expect((await storage.usage()).usedBytes).toBe(12);
    }));

    it('zero-fills from the start when a new blob is first written at an offset', withStorage(async ({ storage }) => {
      await storage.write('blob', 5, Uint8Array.of(9));
      expect(await storage.read('blob', 0, 100)).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 9));
    }));

    it('overwrites in place without growing the used bytes', withStorage(async ({ storage }) => {
      await storage.write('blob', 0, new Uint8Array(10));
      await storage.write('blob', 2, Uint8Array.of(7, 7, 7));
      expect(await storage.read('blob', 0, 10)).toEqual(Uint8Array.of(0, 0, 7, 7, 7, 0, 0, 0, 0, 0));
      expect((await storage.usage()).usedBytes).toBe(10);
    }));

    it('grows a blob only by the part of a write that overhangs its end', withStorage(async ({ storage }) => {
      await storage.write('blob', 0, new Uint8Array(10));
      await storage.write('blob', 8, Uint8Array.of(1, 2, 3, 4, 5));
      expect(await storage.list()).toEqual([{ name: 'blob', sizeBytes: 13 }]);
      expect((await storage.usage()).usedBytes).toBe(13);
    }));

    it('keeps its own copy of the bytes written', withStorage(async ({ storage }) => {
      const data = patternBytes(16, 5);
      const original = data.slice();
      await storage.write('blob', 0, data);
      data.fill(0xee);
      expect(await storage.read('blob', 0, 16)).toEqual(original);
    }));

    it('hands out read bytes the caller may modify', withStorage(async ({ storage }) => {
      const data = patternBytes(16, 6);
      await storage.write('blob', 0, data);
      (await storage.read('blob', 0, 16)).fill(0xee);
      expect(await storage.read('blob', 0, 16)).toEqual(data);
    }));

    it('reports the capacity it was opened with and nothing used', withStorage(async ({ storage, capacityBytes }) => {
      expect(await storage.usage()).toEqual({ capacityBytes, usedBytes: 0 });
    }));

    it('counts written bytes in usage and releases them on remove', withStorage(async ({ storage }) => {
      await storage.write('one', 0, new Uint8Array(10));
      await storage.write('two', 0, new Uint8Array(20));
      expect((await storage.usage()).usedBytes).toBe(30);
      await storage.remove('one');
      expect((await storage.usage()).usedBytes).toBe(20);
      await storage.remove('two');
      expect((await storage.usage()).usedBytes).toBe(0);
    }));

    it('lists blobs sorted by name in code-unit order, with their sizes', withStorage(async ({ storage }) => {
      const sizes: Record<string, number> = { b: 1, 'a-1': 2, A: 3, '0': 4, _z: 5, 'a.b': 6 };
      for (const [name, size] of Object.entries(sizes)) await storage.write(name, 0, new Uint8Array(size));
      expect(await storage.list()).toEqual([
        { name: '0', sizeBytes: 4 },
        { name: 'A', sizeBytes: 3 },
        { name: '_z', sizeBytes: 5 },
        { name: 'a-1', sizeBytes: 2 },
        { name: 'a.b', sizeBytes: 6 },
        { name: 'b', sizeBytes: 1 },
      ]);
    }));

    it('forgets a removed blob: it is no longer listed or readable', withStorage(async ({ storage }) => {
      await storage.write('keep', 0, ascii('k'));
      await storage.write('gone', 0, ascii('g'));
      await storage.remove('gone');
      expect(await storage.list()).toEqual([{ name: 'keep', sizeBytes: 1 }]);
      await expectRejection(() => storage.read('gone', 0, 1), 'not-found');
    }));

    it('rejects reading a missing blob with not-found', withStorage(async ({ storage }) => {
      await expectRejection(() => storage.read('missing', 0, 1), 'not-found');
    }));

    it('rejects removing a missing blob with not-found', withStorage(async ({ storage }) => {
      await expectRejection(() => storage.remove('missing'), 'not-found');
    }));

    it('accepts writes that fill the capacity exactly', withStorage(async ({ storage, capacityBytes }) => {
      await storage.write('first', 0, patternBytes(10, 7));
      await storage.write('rest', 0, patternBytes(capacityBytes - 10, 8));
      expect(await storage.usage()).toEqual({ capacityBytes, usedBytes: capacityBytes });
    }));

    it('refuses a write past capacity with capacity-exceeded, leaving usage and content unchanged', withStorage(async ({ storage, capacityBytes }) => {
      const victim = patternBytes(16, 9);
      await storage.write('victim', 0, victim);
      await storage.write('filler', 0, new Uint8Array(capacityBytes - 16 - 8));
      const before = await storage.usage();
      // Bytes 10..26 would grow the blob by 10 while only 8 are free.
      await expectRejection(() => storage.write('victim', 10, patternBytes(16, 10)), 'capacity-exceeded');
      expect(await storage.usage()).toEqual(before);
      expect(await storage.read('victim', 0, 100)).toEqual(victim);
    }));

    it('refuses a new blob past capacity without creating it', withStorage(async ({ storage, capacityBytes }) => {
      await storage.write('filler', 0, new Uint8Array(capacityBytes - 8));
      await expectRejection(() => storage.write('late', 0, new Uint8Array(9)), 'capacity-exceeded');
      expect(await storage.list()).toEqual([{ name: 'filler', sizeBytes: capacityBytes - 8 }]);
      await expectRejection(() => storage.read('late', 0, 1), 'not-found');
    }));

    it('counts a zero-filled gap toward capacity', withStorage(async ({ storage, capacityBytes }) => {
      await expectRejection(() => storage.write('sparse', capacityBytes, Uint8Array.of(1)), 'capacity-exceeded');
      expect((await storage.usage()).usedBytes).toBe(0);
    }));

    it('allows overwriting in place when full', withStorage(async ({ storage, capacityBytes }) => {
      await storage.write('full', 0, new Uint8Array(capacityBytes));
      await storage.write('full', capacityBytes - 3, Uint8Array.of(1, 2, 3));
      expect(await storage.read('full', capacityBytes - 4, 4)).toEqual(Uint8Array.of(0, 1, 2, 3));
    }));

    it('lets concurrent writes together use at most the capacity', withStorage(async ({ storage, capacityBytes }) => {
      const eachBytes = Math.ceil(capacityBytes * 0.6);
      const outcomes = await Promise.allSettled([
        storage.write('left', 0, patternBytes(eachBytes, 11)),
        storage.write('right', 0, patternBytes(eachBytes, 12)),
      ]);
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(refused).toHaveLength(1);
      expectFairwayError(refused[0]?.reason, 'capacity-exceeded');
      expect((await storage.usage()).usedBytes).toBe(eachBytes);
    }));

    it('rejects invalid blob names with invalid-argument', withStorage(async ({ storage }) => {
      const invalidNames = ['', '.hidden', '..', '../x', 'a/b', 'a\\b', 'a b', 'x'.repeat(65), 'é', 'a\u0000b', 'a:b'];
      for (const name of invalidNames) {
        await expectRejection(() => storage.write(name, 0, Uint8Array.of(1)), 'invalid-argument');
        await expectRejection(() => storage.read(name, 0, 1), 'invalid-argument');
        await expectRejection(() => storage.remove(name), 'invalid-argument');
      }
      expect(await storage.list()).toEqual([]);
    }));

    it('accepts names at the edges of the naming rules', withStorage(async ({ storage }) => {
      const edgeNames = ['x'.repeat(64), '-lead', '_', '9', 'a..b', 'trail.'];
      for (const name of edgeNames) await storage.write(name, 0, ascii(name));
      for (const name of edgeNames) expect(await storage.read(name, 0, 100)).toEqual(ascii(name));
    }));

    it('rejects negative, fractional or non-finite offsets and lengths with invalid-argument', withStorage(async ({ storage }) => {
      // The blob exists, so not-found cannot be the reason for a refusal.
      await storage.write('blob', 0, new Uint8Array(10));
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expectRejection(() => storage.read('blob', bad, 1), 'invalid-argument');
        await expectRejection(() => storage.read('blob', 0, bad), 'invalid-argument');
        await expectRejection(() => storage.write('blob', bad, Uint8Array.of(1)), 'invalid-argument');
      }
      expect(await storage.read('blob', 0, 100)).toEqual(new Uint8Array(10));
    }));

    it('rejects every call after close() with closed', withStorage(async ({ storage }) => {
      await storage.write('blob', 0, Uint8Array.of(1));
      await storage.close();
      await expectRejection(() => storage.read('blob', 0, 1), 'closed');
      await expectRejection(() => storage.write('blob', 0, Uint8Array.of(2)), 'closed');
      await expectRejection(() => storage.remove('blob'), 'closed');
      await expectRejection(() => storage.list(), 'closed');
      await expectRejection(() => storage.usage(), 'closed');
    }));

    it('keeps blobs and usage across close and reopen', withStorage(async ({ storage, reopen, capacityBytes }, context) => {
      if (!reopen) return context.skip('the fixture offers no reopen()');
      const alpha = patternBytes(50, 13);
      await storage.write('alpha', 0, alpha);
      await storage.write('beta', 3, patternBytes(7, 14));
      await storage.close();
      const reopened = await reopen();
      try {
        expect(await reopened.list()).toEqual([
          { name: 'alpha', sizeBytes: 50 },
          { name: 'beta', sizeBytes: 10 },
        ]);
        expect(await reopened.read('alpha', 0, 100)).toEqual(alpha);
        expect(await reopened.read('beta', 0, 100)).toEqual(concatBytes([new Uint8Array(3), patternBytes(7, 14)]));
        expect(await reopened.usage()).toEqual({ capacityBytes, usedBytes: 60 });
      } finally {
        await reopened.close();
      }
    }));
  });
}

/** The suite counts bytes from zero, so a fixture must hand over an empty storage. */
async function expectFreshStorage({ storage, capacityBytes }: StorageFixture): Promise<void> {
  if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 64) {
    throw new Error(`the storage fixture's capacityBytes must be an integer of at least 64, got ${capacityBytes}`);
  }
  const blobs = await storage.list();
  if (blobs.length > 0) throw new Error(`the storage fixture must start empty; it holds ${blobs.map((b) => b.name).join(', ')}`);
}
