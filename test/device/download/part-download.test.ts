import { describe, expect, it } from 'vitest';
import type { DownloadConfig } from '../../../device/download/download-config.js';
import { PartDownload, type WindowRequest } from '../../../device/download/part-download.js';
import { memoryPartFiles, storagePartFiles, type MemoryPartFiles, type PartFiles } from '../../../device/download/part-files.js';
import { ChunkBitmap } from '../../../sdk/chunks/bitmap.js';
import { MemoryStorage, SoftwareCrypto, seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';
import { describePart, recordingFiles } from './support/files.js';

const crypto = new SoftwareCrypto({ randomBytes: seededRandomSource(seed) });
const CHUNK = 1024;
const COUNT = 11;
const part = seededRandomSource(seed)(10 * CHUNK + 300);
const manifest = describePart(part, CHUNK, crypto);
const chunk = (i: number): Uint8Array => part.slice(i * CHUNK, Math.min(part.length, (i + 1) * CHUNK));

async function opened<F extends PartFiles = MemoryPartFiles>(config: Partial<DownloadConfig> = {}, inner: F = memoryPartFiles() as PartFiles as F) {
  const files = recordingFiles(inner);
  const download = await PartDownload.open({ manifest, crypto, files, windowMax: 64, config });
  return { download, files, inner };
}

async function savedMissing(files: PartFiles): Promise<number[]> {
  const map = ChunkBitmap.decode((await files.loadBitmap())!, COUNT);
  return map.take(COUNT);
}

/** Every request the download would make now, as one list of indexes. */
function drainRequests(download: PartDownload, nowMs: number): number[] {
  const asked: number[] = [];
  for (let w = download.nextRequest(nowMs); w; w = download.nextRequest(nowMs)) asked.push(...w.indexes);
  return asked;
}

async function storeAll(download: PartDownload, indexes: readonly number[], nowMs = 0): Promise<void> {
  for (const i of indexes) expect(await download.onChunk(i, chunk(i), nowMs)).toBe('stored');
}

const ALL = Array.from({ length: COUNT }, (_, i) => i);

describe('opening a part download', () => {
  it('starts with every chunk missing and saves that bitmap at once', async () => {
    const { download, files, inner } = await opened();
    expect(download.resumed).toBe(false);
    expect(download.missingCount()).toBe(COUNT);
    expect(files.bitmapSaves).toBe(1);
    expect(await savedMissing(inner)).toEqual(ALL);
  });

  it('resumes from a saved bitmap and asks only for the chunks it marks missing', async () => {
    const inner = memoryPartFiles();
    const first = await opened({}, inner);
    await storeAll(first.download, [0, 3, 4, 10]);
    const { download } = await opened({ initialWindowChunks: 64 }, inner);
    expect(download.resumed).toBe(true);
    expect(download.missingCount()).toBe(7);
    expect(download.progress()).toMatchObject({ receivedChunks: 4, receivedBytes: 3 * CHUNK + 300, totalBytes: part.length });
    expect(drainRequests(download, 0)).toEqual([1, 2, 5, 6, 7, 8, 9]);
  });

  it('starts over when the saved bitmap has the wrong length or padding bits set', async () => {
    for (const garbage of [new Uint8Array(5), new Uint8Array([0xff, 0xff])]) {
      const inner = memoryPartFiles();
      await inner.saveBitmap(garbage);
      const { download } = await opened({}, inner);
      expect(download.resumed).toBe(false);
      expect(download.missingCount()).toBe(COUNT);
      expect(await savedMissing(inner)).toEqual(ALL);
    }
  });

  it('refuses a windowMax outside 1..1024, bad tunables and a manifest whose hash list does not fit its size', async () => {
    const files = memoryPartFiles();
    for (const windowMax of [0, 1025, 1.5]) await expectKind(() => PartDownload.open({ manifest, crypto, files, windowMax }), 'out-of-range');
    await expectKind(() => PartDownload.open({ manifest, crypto, files, windowMax: 8, config: { persistEveryChunks: 0 } }), 'out-of-range');
    const short = { ...manifest, chunks: manifest.chunks.slice(1) };
    await expectKind(() => PartDownload.open({ manifest: short, crypto, files, windowMax: 8 }), 'out-of-range');
    expect(await files.loadBitmap()).toBeNull();
  });
});

describe('receiving chunks', () => {
  it('stores a good chunk at its offset, then clears its bit in the saved bitmap', async () => {
    const { download, inner } = await opened();
    expect(await download.onChunk(2, chunk(2), 0)).toBe('stored');
    expect(await inner.readData(2 * CHUNK, CHUNK)).toEqual(chunk(2));
    expect(await savedMissing(inner)).toEqual(ALL.filter((i) => i !== 2));
    expect(download.missingCount()).toBe(COUNT - 1);
  });

  it('never writes a corrupted chunk, keeps it missing and asks for it again', async () => {
    const { download, files } = await opened();
    const w = download.nextRequest(0)!;
    expect(w.indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const i of w.indexes) {
      const data = chunk(i);
      if (i === 3) data[100]! ^= 0x40;
      expect(await download.onChunk(i, data, 100 + i)).toBe(i === 3 ? 'rejected' : 'stored');
    }
    expect(files.dataWrites.map((w) => w.offsetBytes)).not.toContain(3 * CHUNK);
    for (const write of files.dataWrites) expect(write.bytes).toEqual(chunk(write.offsetBytes / CHUNK));
    expect(download.progress()).toMatchObject({ rejectedChunks: 1, missingChunks: 4 });
    expect(drainRequests(download, 200)).toEqual([3, 8, 9, 10]);
    expect(await download.onChunk(3, chunk(3), 300)).toBe('stored');
  });

  it('rejects chunks with an index out of range or a wrong length, and writes nothing', async () => {
    const { download, files } = await opened();
    const bad: [number, Uint8Array][] = [
      [-1, chunk(0)],
      [COUNT, chunk(0)],
      [1.5, chunk(1)],
      [Number.NaN, chunk(0)],
      [Number.POSITIVE_INFINITY, chunk(0)],
      [0, new Uint8Array(CHUNK + 1)],
      [0, chunk(0).subarray(0, CHUNK - 1)],
      [0, new Uint8Array(0)],
      [COUNT - 1, chunk(0)],
      [0, [...chunk(0)] as unknown as Uint8Array],
    ];
    for (const [index, data] of bad) expect(await download.onChunk(index, data, 0), `chunk ${index}`).toBe('rejected');
    expect(files.dataWrites).toEqual([]);
    expect(files.bitmapSaves).toBe(1);
    expect(download.progress()).toMatchObject({ rejectedChunks: bad.length, missingChunks: COUNT, receivedBytes: 0 });
  });

  it('ignores a second copy of a chunk, also when both arrive at once', async () => {
    const { download, files } = await opened();
    expect(await download.onChunk(5, chunk(5), 0)).toBe('stored');
    expect(await download.onChunk(5, chunk(5), 1)).toBe('duplicate');
    expect(await Promise.all([download.onChunk(6, chunk(6), 2), download.onChunk(6, chunk(6), 2)])).toEqual(['stored', 'duplicate']);
    expect(files.dataWrites.map((w) => w.offsetBytes)).toEqual([5 * CHUNK, 6 * CHUNK]);
    expect(download.progress().duplicateChunks).toBe(2);
  });

  it('stores chunks handed over all at once, each exactly once, and saves a bitmap that agrees', async () => {
    const { download, files, inner } = await opened();
    const outcomes = await Promise.all([...ALL].reverse().flatMap((i) => [download.onChunk(i, chunk(i), 0), download.onChunk(i, chunk(i), 0)]));
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(COUNT);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(COUNT);
    expect(files.dataWrites).toHaveLength(COUNT);
    expect(await savedMissing(inner)).toEqual([]);
    expect(download.isComplete()).toBe(true);
    expect(await download.verifyWhole()).toBe(true);
    expect(inner.dataBytes()).toEqual(part);
  });

  it('keeps a good chunk that arrives after its window timed out', async () => {
    const { download } = await opened();
    const w = download.nextRequest(0)!;
    expect(download.onTick(w.deadlineMs)).toBe(1);
    expect(await download.onChunk(0, chunk(0), w.deadlineMs + 500)).toBe('stored');
    expect(drainRequests(download, w.deadlineMs + 600)).not.toContain(0);
  });

  it('leaves a chunk missing and askable again when its write fails', async () => {
    const storage = new MemoryStorage(2 + CHUNK);
    const { download } = await opened({}, storagePartFiles(storage, { data: 'd', bits: 'b' }));
    expect(await download.onChunk(0, chunk(0), 0)).toBe('stored');
    await expectKind(() => download.onChunk(1, chunk(1), 1), 'capacity-exceeded');
    expect(download.missingCount()).toBe(COUNT - 1);
    expect(drainRequests(download, 2)).toContain(1);
  });

  it('refuses a time that is not a finite number', async () => {
    const { download } = await opened();
    expectKindSync(() => download.nextRequest(Number.NaN), 'invalid-argument');
    expectKindSync(() => download.onTick(Number.POSITIVE_INFINITY), 'invalid-argument');
    expectKindSync(() => download.onLinkDrop(Number.NaN), 'invalid-argument');
    await expectKind(() => download.onChunk(0, chunk(0), Number.NaN), 'invalid-argument');
    expect(download.missingCount()).toBe(COUNT);
  });
});

describe('window requests', () => {
  it('asks for the lowest missing chunks, never for one in flight or stored, and sends the next once half has drained', async () => {
    const { download } = await opened({ initialWindowChunks: 4 });
    await storeAll(download, [1]);
    const w1 = download.nextRequest(0)!;
    expect(w1.indexes).toEqual([0, 2, 3, 4]);
    expect(w1.form).toEqual({ from: 0, bits: new Uint8Array([0xb8]) });
    expect(download.nextRequest(0)).toBeNull();
    await download.onChunk(0, chunk(0), 50);
    expect(download.nextRequest(50)).toBeNull();
    await download.onChunk(2, chunk(2), 52);
    const w2 = download.nextRequest(52)!;
    expect(w2.indexes).toEqual([5, 6]);
    expect(download.nextRequest(52)).toBeNull();
    expect(download.stats()).toMatchObject({ windowsInFlight: 2, chunksInFlight: 4 });
  });

  it('times a window out once its chunks stop coming and asks again for what did not come, with a doubled timeout', async () => {
    const { download } = await opened();
    const w1 = download.nextRequest(0)!;
    for (const i of [0, 1, 2]) await download.onChunk(i, chunk(i), 100 + 2 * i);
    // Each arrival keeps the window alive: the deadline counts from the last chunk that came.
    const deadline = download.nextDeadlineMs()!;
    expect(deadline).toBeGreaterThanOrEqual(w1.deadlineMs);
    expect(deadline).toBeGreaterThan(104 + 2_000);
    expect(download.onTick(deadline - 1)).toBe(0);
    expect(download.onTick(deadline)).toBe(1);
    const w2 = download.nextRequest(deadline)!;
    expect(w2.indexes).toEqual([3, 4, 5, 6]);
    expect(download.progress().resentChunks).toBe(4);
    expect(w2.deadlineMs - deadline).toBeGreaterThanOrEqual(2 * 2_000);
    expect(download.stats().window.timeoutDoublings).toBe(1);
  });

  it("asks again after a short reorder grace when a window's last chunk came but an earlier one did not", async () => {
    const { download } = await opened();
    const w = download.nextRequest(0)!;
    for (const i of w.indexes) if (i !== 4) await download.onChunk(i, chunk(i), 100 + 2 * i);
    const grace = download.nextDeadlineMs()!;
    expect(grace).toBeLessThan(w.deadlineMs);
    expect(grace).toBeGreaterThanOrEqual(114 + 100);
    expect(download.onTick(grace)).toBe(1);
    expect(drainRequests(download, grace)).toContain(4);
    expect(download.stats().window.timeoutDoublings).toBe(0);
  });

  it('asks again after a short grace for chunks of an earlier window once a chunk of a later window came', async () => {
    const { download } = await opened();
    download.nextRequest(0);
    for (const i of [0, 1, 2, 3]) await download.onChunk(i, chunk(i), 100 + 2 * i);
    expect(download.nextRequest(106)!.indexes).toEqual([8, 9, 10]);
    await download.onChunk(8, chunk(8), 200);
    expect(download.nextDeadlineMs()).toBe(200 + 100);
    expect(download.onTick(300)).toBe(1);
    expect(download.nextRequest(300)!.indexes).toEqual([4, 5, 6, 7]);
    expect(download.stats().window.timeoutDoublings).toBe(0);
  });

  it('forgets every window on a link drop and then asks only for chunks still missing', async () => {
    const { download } = await opened();
    download.nextRequest(0);
    for (const i of [0, 1, 2, 3, 4]) await download.onChunk(i, chunk(i), 100 + 2 * i);
    expect(download.nextRequest(110)!.indexes).toEqual([8, 9, 10]);
    download.onLinkDrop(120);
    expect(download.stats()).toMatchObject({ windowsInFlight: 0, chunksInFlight: 0 });
    expect(download.nextDeadlineMs()).toBeNull();
    expect(drainRequests(download, 5_000)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(download.progress().resentChunks).toBe(6);
  });

  it('forgets a refused window without counting a loss', async () => {
    const { download } = await opened();
    const w: WindowRequest = download.nextRequest(0)!;
    const before = download.stats().window;
    expect(download.cancelWindow(w.id)).toBe(true);
    expect(download.cancelWindow(w.id)).toBe(false);
    expect(download.stats().window).toEqual(before);
    expect(download.nextRequest(10)!.indexes).toEqual(w.indexes);
  });

  it('asks for nothing once every chunk is stored', async () => {
    const { download } = await opened();
    await storeAll(download, ALL);
    expect(download.nextRequest(0)).toBeNull();
    expect(download.progress()).toMatchObject({ receivedBytes: part.length, receivedChunks: COUNT, missingChunks: 0 });
  });
});

describe('saving the bitmap', () => {
  it('saves it after every stored chunk by default', async () => {
    const { download, files } = await opened();
    await storeAll(download, [0, 1, 2]);
    expect(files.bitmapSaves).toBe(1 + 3);
  });

  it('batches saves every N chunks, and flush saves the rest', async () => {
    const { download, files, inner } = await opened({ persistEveryChunks: 4, persistEveryMs: 600_000 });
    await storeAll(download, [0, 1, 2, 3, 4, 5]);
    expect(files.bitmapSaves).toBe(1 + 1);
    expect(await savedMissing(inner)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    await download.flush();
    expect(files.bitmapSaves).toBe(3);
    expect(await savedMissing(inner)).toEqual([6, 7, 8, 9, 10]);
    await download.flush();
    expect(files.bitmapSaves).toBe(3);
  });

  it('saves a batch once persistEveryMs has passed since the oldest unsaved chunk', async () => {
    const { download, files } = await opened({ persistEveryChunks: 100, persistEveryMs: 1_000 });
    await download.onChunk(0, chunk(0), 0);
    await download.onChunk(1, chunk(1), 999);
    expect(files.bitmapSaves).toBe(1);
    await download.onChunk(2, chunk(2), 1_000);
    expect(files.bitmapSaves).toBe(2);
  });
});

describe('whole-part check', () => {
  it('refuses to run while chunks are missing', async () => {
    const { download } = await opened();
    await expectKind(() => download.verifyWhole(), 'invalid-argument');
  });

  it('detects a flipped stored byte, marks that chunk missing and saves it, then accepts the re-fetched chunk', async () => {
    const { download, inner } = await opened();
    await storeAll(download, ALL);
    const offset = 5 * CHUNK + 17;
    await inner.writeData(offset, new Uint8Array([part[offset]! ^ 0x01]));
    expect(await download.verifyWhole()).toBe(false);
    expect(download.missingCount()).toBe(1);
    expect(await savedMissing(inner)).toEqual([5]);
    expect(drainRequests(download, 0)).toEqual([5]);
    expect(await download.onChunk(5, chunk(5), 10)).toBe('stored');
    expect(await download.verifyWhole()).toBe(true);
  });

  it('marks every chunk missing when the stored data has vanished', async () => {
    const storage = new MemoryStorage(1 << 20);
    const { download } = await opened({}, storagePartFiles(storage, { data: 'd', bits: 'b' }));
    await storeAll(download, ALL);
    await storage.remove('d');
    expect(await download.verifyWhole()).toBe(false);
    expect(download.missingCount()).toBe(COUNT);
  });
});

describe('keeping chunks across a new offer', () => {
  it('keeps them for a manifest of the same part version, not for another version or cut', () => {
    const again = { ...describePart(part, CHUNK, crypto), seq: 7 };
    expect(PartDownload.canKeep(manifest, again)).toBe(true);
    const changed = part.slice();
    changed[0]! ^= 1;
    expect(PartDownload.canKeep(manifest, describePart(changed, CHUNK, crypto))).toBe(false);
    expect(PartDownload.canKeep(manifest, describePart(part, 2 * CHUNK, crypto))).toBe(false);
    expect(PartDownload.canKeep(manifest, { ...manifest, size: manifest.size - 1 })).toBe(false);
    const otherChunkHash = { ...manifest, chunks: [manifest.chunks[1]!, ...manifest.chunks.slice(1)] };
    expect(PartDownload.canKeep(manifest, otherChunkHash)).toBe(false);
  });
});
