/**
 * A part's slot as the downloader sees it: data and bitmap through the storage manager, which
 * refuses any write past the slot's reservation (so storage used ≤ capacity holds), and its
 * manifest, read back and re-checked with the store key before it is trusted again.
 */
import { manifestArtefact, type Manifest } from '../../sdk/manifest/index.js';
import type { PartFiles } from '../download/part-files.js';
import type { StorageManager } from '../storage/storage-manager.js';
import type { TerminalRuntime } from './runtime.js';

export function managerPartFiles(storage: StorageManager, part: string): PartFiles {
  return {
    writeData: (offsetBytes, bytes) => storage.write(part, 'data', offsetBytes, bytes),
    readData: (offsetBytes, lengthBytes) => storage.read(part, 'data', offsetBytes, lengthBytes),
    saveBitmap: (bytes) => storage.write(part, 'bits', 0, bytes),
    loadBitmap: async () => {
      const stored = storage.get(part);
      if (!stored) return null;
      const bytes = await storage.read(part, 'bits', 0, stored.sideBytes);
      return bytes.length === 0 ? null : bytes;
    },
  };
}

/** The manifest COSE bytes stored in a part's slot, or null when none were written. */
export async function storedManifestBytes(rt: TerminalRuntime, part: string): Promise<Uint8Array | null> {
  const stored = rt.storage.get(part);
  if (!stored) return null;
  const bytes = await rt.storage.read(part, 'man', 0, stored.sideBytes);
  return bytes.length === 0 ? null : bytes;
}

export async function storedManifest(rt: TerminalRuntime, part: string): Promise<Manifest | null> {
  const bytes = await storedManifestBytes(rt, part);
  if (!bytes) return null;
  try {
    return (await manifestArtefact.open(bytes, rt.storePublicKey, rt.hal.crypto)).payload;
  } catch {
    return null;
  }
}
