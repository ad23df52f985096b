/**
 * PartFiles: the two things a download keeps per part — the part's bytes, written chunk by
 * chunk at their offsets, and the missing-chunk bitmap [FW-6.3] — behind four calls, so the
 * downloader neither knows blob names nor holds a Storage. Every write resolves only once
 * durable: resume after power loss [FW-7.7] relies on a cleared bit meaning the chunk's bytes
 * are on flash.
 */
import { TUNABLES } from '../../sdk/config.js';
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import { BLOB_NAME, type Storage } from '../../sdk/hal/storage.js';

export interface PartFiles {
  /** Writes `bytes` at `offsetBytes` of the part's data; resolves once durable. */
  writeData(offsetBytes: number, bytes: Uint8Array): Promise<void>;
  /** Up to `lengthBytes` from `offsetBytes`; fewer (or none) past what was ever written. */
  readData(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  /** Replaces the saved bitmap; resolves once durable. */
  saveBitmap(bytes: Uint8Array): Promise<void>;
  /** The last bitmap saved, or null when none was. */
  loadBitmap(): Promise<Uint8Array | null>;
}

/** The largest bitmap a manifest can need [FW-6.2], plus one byte so an oversized blob shows. */
const BITMAP_READ_BYTES = Math.ceil(TUNABLES.maxChunksPerPart.max / 8) + 1;

/** PartFiles over two blobs of the HAL Storage. */
export function storagePartFiles(storage: Storage, names: { data: string; bits: string }): PartFiles {
  for (const [field, name] of Object.entries(names)) {
    if (typeof name !== 'string' || !BLOB_NAME.test(name)) {
      throw new FairwayError('invalid-argument', `${JSON.stringify(name)} is not a blob name`, `names.${field}`);
    }
  }
  if (names.data === names.bits) throw new FairwayError('invalid-argument', 'data and bitmap need two different blobs', 'names.bits');
  return {
    writeData: (offsetBytes, bytes) => storage.write(names.data, offsetBytes, bytes),
    readData: async (offsetBytes, lengthBytes) => {
      try {
        return await storage.read(names.data, offsetBytes, lengthBytes);
      } catch (error) {
        // Nothing ever written reads as nothing: verification then marks every chunk missing.
        if (isFairwayError(error, 'not-found')) return new Uint8Array(0);
        throw error;
      }
    },
    saveBitmap: (bytes) => storage.write(names.bits, 0, bytes),
    loadBitmap: async () => {
      try {
        return await storage.read(names.bits, 0, BITMAP_READ_BYTES);
      } catch (error) {
        if (isFairwayError(error, 'not-found')) return null;
        throw error;
      }
    },
  };
}

/** PartFiles in memory, for tests and the simulator; `dataBytes()` shows what was written. */
export interface MemoryPartFiles extends PartFiles {
  /** A copy of the data written so far (gaps read as zeros). */
  dataBytes(): Uint8Array;
}

export function memoryPartFiles(): MemoryPartFiles {
  let data = new Uint8Array(0);
  let sizeBytes = 0;
  let bitmap: Uint8Array | null = null;
  return {
    async writeData(offsetBytes, bytes) {
      checkOffset(offsetBytes, 'offsetBytes');
      const end = offsetBytes + bytes.length;
      if (end > data.length) {
        const grown = new Uint8Array(Math.max(end, data.length * 2));
        grown.set(data.subarray(0, sizeBytes));
        data = grown;
      }
      data.set(bytes, offsetBytes);
      sizeBytes = Math.max(sizeBytes, end);
    },
    async readData(offsetBytes, lengthBytes) {
      checkOffset(offsetBytes, 'offsetBytes');
      checkOffset(lengthBytes, 'lengthBytes');
      const start = Math.min(offsetBytes, sizeBytes);
      return data.slice(start, Math.min(sizeBytes, start + lengthBytes));
    },
    async saveBitmap(bytes) {
      bitmap = bytes.slice();
    },
    async loadBitmap() {
      return bitmap === null ? null : bitmap.slice();
    },
    dataBytes: () => data.slice(0, sizeBytes),
  };
}

function checkOffset(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new FairwayError('invalid-argument', `${name} must be a non-negative integer`, name);
}
