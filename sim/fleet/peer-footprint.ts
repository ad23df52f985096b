/**
 * A peer's footprint as a hosted part could change it (claims 2, 9: the part is deleted after
 * the session): the blobs on its flash other than the terminal's own snapshot records, which
 * change with every state, and the storage manager's reservations.
 */
import type { Terminal } from '../../device/terminal.js';
import type { Storage } from '../../sdk/hal/storage.js';
import type { PeerFootprint } from './host-session-facts.js';

const SNAPSHOT_BLOB = /^fw-state/;

export async function peerFootprint(terminal: Terminal, flash: Storage): Promise<PeerFootprint> {
  const blobs = (await flash.list()).filter((b) => !SNAPSHOT_BLOB.test(b.name));
  return {
    flashBytes: blobs.reduce((n, b) => n + b.sizeBytes, 0),
    blobs: blobs.map((b) => b.name).sort(),
    reservedBytes: terminal.storage().usage.reservedBytes,
  };
}

export function sameFootprint(a: PeerFootprint, b: PeerFootprint): boolean {
  return a.flashBytes === b.flashBytes && a.reservedBytes === b.reservedBytes && a.blobs.join('\n') === b.blobs.join('\n');
}
