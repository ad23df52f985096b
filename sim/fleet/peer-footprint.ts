/**
 * A peer's footprint as a hosted part could change it (claims 2, 9: the part is deleted after
 * the session): the blobs on its flash and the storage manager's reservations. Left out: the
 * terminal's own snapshot records, which change with every state, and the storage manager's
 * part table, which is written on the first reservation a device ever makes and then stays
 * (1 KiB, empty again once the hosted part is gone) — bookkeeping, not the part.
 */
import { TABLE_BLOB } from '../../device/storage/index.js';
import type { Terminal } from '../../device/terminal.js';
import type { Storage } from '../../sdk/hal/storage.js';
import type { PeerFootprint } from './host-session-facts.js';

const SNAPSHOT_BLOB = /^fw-state/;

export async function peerFootprint(terminal: Terminal, flash: Storage): Promise<PeerFootprint> {
  const blobs = (await flash.list()).filter((b) => !SNAPSHOT_BLOB.test(b.name) && b.name !== TABLE_BLOB);
  return {
    flashBytes: blobs.reduce((n, b) => n + b.sizeBytes, 0),
    blobs: blobs.map((b) => b.name).sort(),
    reservedBytes: terminal.storage().usage.reservedBytes,
  };
}

export function sameFootprint(a: PeerFootprint, b: PeerFootprint): boolean {
  return a.flashBytes === b.flashBytes && a.reservedBytes === b.reservedBytes && a.blobs.join('\n') === b.blobs.join('\n');
}
