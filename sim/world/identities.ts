/**
 * Who lives in the demo world, derived from its seed alone: user ids and device ids by
 * number, each user's password and each terminal's Ed25519 key from SHA-256 of the seed and
 * the number. Re-running `npm start` on the same data folder therefore finds the same people
 * with the same credentials, with nothing secret kept on disk. These are demo credentials:
 * anyone who knows the seed knows them.
 */
import { createHash } from 'node:crypto';
import { NodeSigner } from '../../device/ports/node/index.js';
import { FairwayError } from '../../sdk/errors.js';

/** Ids are numbered with five digits, so they sort in creation order. */
export const WORLD_USERS_MAX = 99_999;

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 1 || index > WORLD_USERS_MAX) throw new FairwayError('out-of-range', `user number ${index}; 1–${WORLD_USERS_MAX}`, 'index');
}

function derive(purpose: string, seed: number, index: number): Buffer {
  return createHash('sha256').update(`fairway-world/v1/${purpose}/${seed}/${index}`).digest();
}

/** `player-00001` for the first user. */
export function worldUserId(index: number): string {
  checkIndex(index);
  return `player-${String(index).padStart(5, '0')}`;
}

/** `hh-00001`: the first user's handheld. */
export function worldDeviceId(index: number): string {
  checkIndex(index);
  return `hh-${String(index).padStart(5, '0')}`;
}

/** 16 characters of base64url (96 bits) from the seed. */
export function worldPassword(seed: number, index: number): string {
  checkIndex(index);
  return derive('password', seed, index).subarray(0, 12).toString('base64url');
}

/** The terminal's signing key, the same for the same seed and number. */
export function worldSigner(seed: number, index: number): NodeSigner {
  checkIndex(index);
  return NodeSigner.fromSeed(new Uint8Array(derive('device-key', seed, index)));
}
