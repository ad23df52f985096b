/**
 * A PartImage over bytes already in memory: what a test, the simulator or a port with a
 * memory-mapped part uses. Reads are bounds-checked and return copies, so an executor can
 * neither read past the part nor change it.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { PartImage } from './executor.js';

export interface PartIdentity {
  part: string;
  title: string;
  seq: number;
}

export function bytesPartImage(identity: PartIdentity, bytes: Uint8Array): PartImage {
  const stored = bytes.slice();
  return {
    part: identity.part,
    title: identity.title,
    seq: identity.seq,
    sizeBytes: stored.length,
    read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0) {
        return Promise.reject(new FairwayError('invalid-argument', `read(${offsetBytes}, ${lengthBytes}): offset and length are whole numbers ≥ 0`));
      }
      if (offsetBytes + lengthBytes > stored.length) {
        return Promise.reject(new FairwayError('out-of-range', `read(${offsetBytes}, ${lengthBytes}) past the end of a ${stored.length}-byte part`));
      }
      return Promise.resolve(stored.slice(offsetBytes, offsetBytes + lengthBytes));
    },
  };
}
