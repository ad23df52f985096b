import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DownloadConfig } from '../../../device/download/download-config.js';
import { PartDownload } from '../../../device/download/part-download.js';
import { memoryPartFiles, storagePartFiles, type PartFiles } from '../../../device/download/part-files.js';
import { MemoryStorage, seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import { crypto } from '../../support/keys.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { describePart, powerCutFiles, recordingFiles } from './support/files.js';
import { expectSameBytes } from './support/bytes.js';
import { StreamRun } from './support/stream-run.js';
import { bytesSource, CLEAN_LINK, type LinkShape } from './support/synthetic-store.js';

const CHUNK = 1024;
const NAMES = { data: 'part-data', bits: 'part-missing' };

function partOf(chunks: number, lastBytes: number, partSeed = seed): Uint8Array {
  return seededRandomSource(partSeed)((chunks - 1) * CHUNK + lastBytes);
}

function refetched(run: StreamRun): number {
  return run.goodDeliveries.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

describe('streaming a part over a synthetic link', () => {
  it('completes over a clean link with each chunk sent once, the pipe kept full and the link measured', async () => {
    const part = partOf(400, 700);
    const manifest = describePart(part, CHUNK, crypto);
    const files = memoryPartFiles();
    const run = new StreamRun({
      source: bytesSource(part, CHUNK),
      count: 400,
      shape: CLEAN_LINK,
      seed,
      open: () => PartDownload.open({ manifest, crypto, files, windowMax: 64 }),
    });
    const { elapsedMs } = await run.complete();
    expectSameBytes(files.dataBytes(), part, 'stored part');
    expect(run.store.sentCopies.every((n) => n === 1)).toBe(true);
    const idealMs = CLEAN_LINK.rttMs + 400 * CLEAN_LINK.msPerChunk;
    expect(elapsedMs).toBeLessThan(idealMs * 1.15);
    const { window, resentChunks } = run.download.stats();
    expect(resentChunks).toBe(0);
    // Pipelined requests queue behind each other at the store; the RTT must not count that wait.
    // The first chunk comes one chunk time after the request's round trip.
    const firstChunkMs = CLEAN_LINK.rttMs + CLEAN_LINK.msPerChunk;
    expect(window.rttMs!).toBeGreaterThan(firstChunkMs * 0.95);
    expect(window.rttMs!).toBeLessThan(firstChunkMs * 1.05);
    expect(window.rateChunksPerS!).toBeCloseTo(1000 / CLEAN_LINK.msPerChunk, 0);
    expect(window.windowChunks).toBe(Math.ceil((2 * firstChunkMs) / CLEAN_LINK.msPerChunk));
  });

  it('keeps close to the link rate through 5 % random loss, re-asking only the lost chunks', async () => {
    const part = partOf(500, CHUNK);
    const manifest = describePart(part, CHUNK, crypto);
    const shape: LinkShape = { ...CLEAN_LINK, rttMs: 300, msPerChunk: 10, lossProbability: 0.05 };
    const run = new StreamRun({
      source: bytesSource(part, CHUNK),
      count: 500,
      shape,
      seed,
      open: () => PartDownload.open({ manifest, crypto, files: memoryPartFiles(), windowMax: 256 }),
    });
    const { elapsedMs } = await run.complete();
    const sent = run.store.sentCopies.reduce((a, b) => a + b, 0);
    const idealMs = shape.rttMs + sent * shape.msPerChunk;
    expect(elapsedMs, `seed ${seed}`).toBeLessThan(idealMs * 1.5);
    // Every re-ask was for a chunk that really was lost: nothing arrived twice.
    expect(refetched(run)).toBe(0);
    expect(run.download.progress().resentChunks).toBe(sent - 500);
  });

  it('completes with the right bytes through seeded loss, duplication, reordering and corruption, writing no bad chunk', async () => {
    const shapes = fc.record<LinkShape>({
      rttMs: fc.integer({ min: 1, max: 200 }).map((n) => n * 2),
      msPerChunk: fc.integer({ min: 1, max: 10 }),
      lossProbability: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicateProbability: fc.double({ min: 0, max: 0.3, noNaN: true }),
      reorderProbability: fc.double({ min: 0, max: 0.3, noNaN: true }),
      reorderDelayMs: fc.integer({ min: 0, max: 400 }),
      corruptProbability: fc.double({ min: 0, max: 0.2, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(shapes, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: CHUNK }), fc.nat(), async (shape, chunks, lastBytes, runSeed) => {
        const part = partOf(chunks, lastBytes, runSeed);
        const manifest = describePart(part, CHUNK, crypto);
        const inner = memoryPartFiles();
        const files = recordingFiles(inner);
        const run = new StreamRun({
          source: bytesSource(part, CHUNK),
          count: chunks,
          shape,
          seed: runSeed,
          open: () => PartDownload.open({ manifest, crypto, files, windowMax: 16 }),
        });
        await run.complete();
        expectSameBytes(inner.dataBytes(), part, 'stored part');
        for (const write of files.dataWrites) {
          expectSameBytes(write.bytes, part.subarray(write.offsetBytes, write.offsetBytes + write.bytes.length), `write at ${write.offsetBytes}`);
        }
        expect(run.outcomes.stored).toBe(chunks);
        expect(files.dataWrites).toHaveLength(chunks);
        expect(run.outcomes.rejected).toBe(run.corruptDeliveries);
        expect(run.outcomes.duplicate).toBe(run.goodDeliveries.reduce((a, b) => a + b, 0) - chunks);
        expect(run.download.progress()).toMatchObject({ rejectedChunks: run.corruptDeliveries, receivedBytes: part.length });
      }),
      { seed, numRuns: Math.max(200, Math.floor(fuzzRuns / 5)) },
    );
  });
});

describe('power loss while streaming', () => {
  const COUNT = 12;
  const part = partOf(COUNT, 333);
  const manifest = describePart(part, CHUNK, crypto);

  /** A run over MemoryStorage whose boots are cut by `cutFor(boot)` (the write number, or null). */
  function powerCutRun(cutFor: (boot: number) => number | null, config: Partial<DownloadConfig> = {}): StreamRun {
    let storage = new MemoryStorage(1 << 20);
    let boots = 0;
    return new StreamRun({
      source: bytesSource(part, CHUNK),
      count: COUNT,
      shape: CLEAN_LINK,
      seed,
      open: () => {
        if (boots > 0) storage = storage.reopen();
        const cut = cutFor(boots++);
        const files: PartFiles = storagePartFiles(storage, NAMES);
        return PartDownload.open({ manifest, crypto, files: cut === null ? files : powerCutFiles(files, cut), windowMax: 8, config });
      },
    });
  }

  it('re-fetches at most one chunk when the power goes at any write of the download', async () => {
    // Writes: the first bitmap, then a data write and a bitmap save per chunk.
    for (let cut = 0; cut < 1 + 2 * COUNT; cut++) {
      const run = powerCutRun((boot) => (boot === 0 ? cut : null));
      await run.complete();
      expect(run.powerLosses, `cut at write ${cut}`).toBe(1);
      expect(refetched(run), `cut at write ${cut}`).toBeLessThanOrEqual(1);
    }
  });

  it('re-fetches at most one chunk per power loss when the power goes again at every boot', async () => {
    for (const writesPerBoot of [2, 3, 4, 5]) {
      const run = powerCutRun((boot) => (boot === 0 ? 1 + writesPerBoot : writesPerBoot));
      await run.complete();
      expect(run.powerLosses).toBeGreaterThan(1);
      expect(refetched(run), `power lost every ${writesPerBoot} writes`).toBeLessThanOrEqual(run.powerLosses);
    }
  });

  it('re-fetches at most persistEveryChunks chunks per power loss when saves are batched', async () => {
    for (let cut = 1; cut < 1 + 2 * COUNT; cut++) {
      const run = powerCutRun((boot) => (boot === 0 ? cut : null), { persistEveryChunks: 4, persistEveryMs: 600_000 });
      await run.complete();
      expect(refetched(run), `cut at write ${cut}`).toBeLessThanOrEqual(4);
    }
  });
});

describe('link drops while streaming', () => {
  const COUNT = 40;
  const part = partOf(COUNT, 99);
  const manifest = describePart(part, CHUNK, crypto);

  function dropRun(shouldDrop: (goodDeliveries: number) => boolean) {
    const drops: { inFlight: number; windowChunks: number }[] = [];
    let delivered = 0;
    const run = new StreamRun({
      source: bytesSource(part, CHUNK),
      count: COUNT,
      shape: CLEAN_LINK,
      seed,
      open: () => PartDownload.open({ manifest, crypto, files: memoryPartFiles(), windowMax: 16 }),
      afterDelivery: (r, _index, corrupted) => {
        if (corrupted || !shouldDrop(++delivered)) return;
        const stats = r.download.stats();
        drops.push({ inFlight: stats.chunksInFlight, windowChunks: stats.window.windowChunks });
        r.dropLink();
      },
    });
    return { run, drops };
  }

  it('re-asks only the chunks in flight, at most one window, when the link drops after any chunk', async () => {
    for (let k = 1; k < COUNT; k++) {
      const { run, drops } = dropRun((n) => n === k);
      await run.complete();
      expect(drops, `drop after chunk ${k}`).toHaveLength(1);
      const [drop] = drops;
      expect(drop!.inFlight).toBeLessThanOrEqual(drop!.windowChunks);
      expect(run.download.progress().resentChunks, `drop after chunk ${k}`).toBe(drop!.inFlight);
      expect(run.store.sentCopies.reduce((a, b) => a + b, 0) - COUNT).toBe(drop!.inFlight);
      expect(refetched(run)).toBe(0);
    }
  });

  it('still completes, re-asking at most one window per drop, when the link drops every few chunks', async () => {
    const { run, drops } = dropRun((n) => n % 3 === 0);
    await run.complete();
    expect(drops.length).toBeGreaterThan(5);
    expect(run.download.progress().resentChunks).toBeLessThanOrEqual(drops.reduce((sum, d) => sum + d.windowChunks, 0));
  });
});
