/**
 * Reserve requests for the storage tests: a title's parts named `<title>-<seq>`, part 1 the
 * base of the later ones, as in a real title [FW-6.4].
 */
import { StorageManager, type ReserveRequest } from '../../../../device/storage/index.js';
import type { Storage } from '../../../../sdk/hal/storage.js';
import { MemoryStorage } from '../../../../sdk/testing/mocks/index.js';

export function partRequest(title: string, seq: number, dataBytes: number, sideBytes = 100, base: string | null = seq > 1 ? `${title}-1` : null): ReserveRequest {
  return { part: `${title}-${seq}`, title, seq, base, dataBytes, sideBytes };
}

export function bytesOf(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  return bytes;
}

export const SYSTEM_RESERVE_BYTES = 4096;

/** A MemoryStorage whose capacity leaves `partBytes` for parts after the system reserve. */
export async function openManager(partBytes = 10_000): Promise<{ storage: MemoryStorage; manager: StorageManager }> {
  const storage = new MemoryStorage(SYSTEM_RESERVE_BYTES + partBytes);
  const manager = await StorageManager.open(storage, { systemReserveBytes: SYSTEM_RESERVE_BYTES });
  return { storage, manager };
}

/** Reserves, fills the data blob and marks the part complete, as a finished download does. */
export async function storeComplete(manager: StorageManager, request: ReserveRequest): Promise<void> {
  await manager.reserve(request);
  await manager.write(request.part, 'data', 0, bytesOf(request.dataBytes, request.seq));
  await manager.markComplete(request.part);
}

/** Part ids and states, the part of list() the lifecycle tests compare. */
export function states(manager: StorageManager): Record<string, string> {
  return Object.fromEntries(manager.list().map((p) => [p.part, p.state]));
}

/** The part blobs in storage (the table and the caller's blobs left out). */
export async function partBlobs(storage: Storage): Promise<string[]> {
  return (await storage.list()).map((b) => b.name).filter((name) => /^s\d+\./.test(name));
}
