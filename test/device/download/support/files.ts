/**
 * Test-side PartFiles decorators over the real memoryPartFiles: one that records what was
 * written (to prove a bad chunk never reaches the files) and one that loses power at a chosen
 * write, after which every call fails as the dead device would. Plus a real manifest for a
 * part, built with the SDK's PartHasher.
 */
import type { PartFiles } from '../../../../device/download/index.js';
import { FairwayError } from '../../../../sdk/errors.js';
import type { Crypto } from '../../../../sdk/hal/crypto.js';
import { PartHasher, type Manifest } from '../../../../sdk/manifest/index.js';

export class PowerLost extends FairwayError {
  constructor() {
    super('io', 'the power went');
  }
}

export interface RecordingFiles extends PartFiles {
  readonly dataWrites: { offsetBytes: number; bytes: Uint8Array }[];
  bitmapSaves: number;
}

export function recordingFiles(inner: PartFiles): RecordingFiles {
  const files: RecordingFiles = {
    dataWrites: [],
    bitmapSaves: 0,
    async writeData(offsetBytes, bytes) {
      files.dataWrites.push({ offsetBytes, bytes: bytes.slice() });
      await inner.writeData(offsetBytes, bytes);
    },
    readData: (offsetBytes, lengthBytes) => inner.readData(offsetBytes, lengthBytes),
    async saveBitmap(bytes) {
      files.bitmapSaves++;
      await inner.saveBitmap(bytes);
    },
    loadBitmap: () => inner.loadBitmap(),
  };
  return files;
}

/**
 * `inner` until the write numbered `cutAt` (data and bitmap writes counted together from 0):
 * that write and every call after it fail with PowerLost, and change nothing.
 */
export function powerCutFiles(inner: PartFiles, cutAt: number): PartFiles {
  let writes = 0;
  let dead = false;
  const alive = (): void => {
    if (dead) throw new PowerLost();
  };
  const write = (): void => {
    alive();
    if (writes++ === cutAt) {
      dead = true;
      throw new PowerLost();
    }
  };
  return {
    async writeData(offsetBytes, bytes) {
      write();
      await inner.writeData(offsetBytes, bytes);
    },
    async readData(offsetBytes, lengthBytes) {
      alive();
      return inner.readData(offsetBytes, lengthBytes);
    },
    async saveBitmap(bytes) {
      write();
      await inner.saveBitmap(bytes);
    },
    async loadBitmap() {
      alive();
      return inner.loadBitmap();
    },
  };
}

/** A real manifest for `part`, hashed with the SDK's PartHasher. */
export function describePart(part: Uint8Array, chunkBytes: number, crypto: Crypto): Manifest {
  const hasher = new PartHasher(crypto, chunkBytes);
  hasher.update(part);
  return { v: 1, part: 'golf-h02', title: 'golf', seq: 2, next: null, base: 'golf-h01', ...hasher.finish() };
}
