/** Chunk arithmetic [FW-6.1]: a part of `sizeBytes` is cut into chunks of `chunkBytes`, the last one shorter. */
import { FairwayError } from '../errors.js';

export function chunkCount(sizeBytes: number, chunkBytes: number): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 1) throw new FairwayError('out-of-range', 'a part has at least one byte', 'size');
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new FairwayError('out-of-range', 'chunkBytes is positive', 'chunkBytes');
  return Math.ceil(sizeBytes / chunkBytes);
}

export interface ChunkSpan {
  offsetBytes: number;
  lengthBytes: number;
}

export function chunkSpan(index: number, sizeBytes: number, chunkBytes: number): ChunkSpan {
  const count = chunkCount(sizeBytes, chunkBytes);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new FairwayError('out-of-range', `chunk ${index} is not in 0..${count - 1}`, 'i');
  }
  const offsetBytes = index * chunkBytes;
  return { offsetBytes, lengthBytes: Math.min(chunkBytes, sizeBytes - offsetBytes) };
}
