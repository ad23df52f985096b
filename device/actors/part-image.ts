/**
 * A stored, complete part as the executor reads it, and a play seed from the device's own
 * randomness: shared by a bought part's play (local-part-actors) and a hosted part's
 * (Terminal.playHosted).
 */
import type { Hal } from '../../sdk/hal/index.js';
import type { PartImage } from '../executor/executor.js';
import type { StorageManager } from '../storage/storage-manager.js';

/** The part's image, or null when it is not on the device or not complete. */
export function partImage(storage: StorageManager, part: string): PartImage | null {
  const stored = storage.get(part);
  if (!stored || stored.state === 'reserved') return null;
  return {
    part,
    title: stored.title,
    seq: stored.seq,
    sizeBytes: stored.dataBytes,
    read: (offsetBytes, lengthBytes) => storage.read(part, 'data', offsetBytes, lengthBytes),
  };
}

export function randomPlaySeed(hal: Pick<Hal, 'crypto'>): number {
  const b = hal.crypto.randomBytes(4);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
