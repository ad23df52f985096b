/**
 * Streaming a 64 MiB part must not grow memory with the part's size: the download keeps the
 * bitmaps and the windows in flight, nothing per chunk. The part is generated chunk by chunk
 * (never held whole), the files keep only the bitmap and check each write against the
 * generator, and the heap is measured after forced collections.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PartDownload } from '../../../device/download/part-download.js';
import type { PartFiles } from '../../../device/download/part-files.js';
import { PartHasher, type Manifest } from '../../../sdk/manifest/index.js';
import { crypto } from '../../support/keys.js';
import { seed } from '../../support/seed.js';
import { StreamRun } from './support/stream-run.js';
import { CLEAN_LINK } from './support/synthetic-store.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const CHUNK = 4096;
const COUNT = 16_384; // 64 MiB
const MIB = 1024 * 1024;

/** Chunk i of the generated part: a pattern that differs per chunk, with i written at the start. */
function generated(index: number): Uint8Array {
  const bytes = new Uint8Array(CHUNK).fill((index * 131 + seed) & 0xff);
  new DataView(bytes.buffer).setUint32(0, index);
  new DataView(bytes.buffer).setUint32(CHUNK - 4, index ^ seed);
  return bytes;
}

function generatedManifest(): Manifest {
  const hasher = new PartHasher(crypto, CHUNK);
  for (let i = 0; i < COUNT; i++) hasher.update(generated(i));
  return { v: 1, part: 'big-part', title: 'big', seq: 1, next: null, base: null, ...hasher.finish() };
}

/** Files that keep only the bitmap: reads regenerate the part, writes are checked and dropped. */
function generatedFiles(): PartFiles & { badWrites: number; writes: number } {
  let bitmap: Uint8Array | null = null;
  const files = {
    badWrites: 0,
    writes: 0,
    async writeData(offsetBytes: number, bytes: Uint8Array) {
      files.writes++;
      const expected = generated(offsetBytes / CHUNK);
      if (bytes.length !== expected.length || bytes.some((b, i) => b !== expected[i])) files.badWrites++;
    },
    async readData(offsetBytes: number, lengthBytes: number) {
      return generated(offsetBytes / CHUNK).subarray(0, lengthBytes);
    },
    async saveBitmap(bytes: Uint8Array) {
      bitmap = bytes.slice();
    },
    async loadBitmap() {
      return bitmap;
    },
  };
  return files;
}

function retainedBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describe('memory while streaming', () => {
  it('streams and verifies a 64 MiB part without memory growing with its size', async () => {
    const manifest = generatedManifest();
    const files = generatedFiles();
    const run = new StreamRun({
      source: generated,
      count: COUNT,
      shape: CLEAN_LINK,
      seed,
      open: () => PartDownload.open({ manifest, crypto, files, windowMax: 256 }),
    });
    const beforeBytes = retainedBytes();
    await run.complete();
    const grownBytes = retainedBytes() - beforeBytes;
    expect(files.writes).toBe(COUNT);
    expect(files.badWrites).toBe(0);
    expect(run.download.progress().receivedBytes).toBe(64 * MIB);
    // The download's own state is two 2 KiB bitmaps and the windows in flight.
    expect(grownBytes, `grew by ${(grownBytes / MIB).toFixed(2)} MiB`).toBeLessThan(1 * MIB);
  });
});
