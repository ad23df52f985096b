/**
 * The peer's small durable note of the hosted part it holds [FW-14.6]: written BEFORE the
 * part's storage is reserved and removed only AFTER the part is released, so a session cut at
 * any point (power, crash) leaves a note naming whatever it left behind, and the next start
 * deletes it: a hosted part never survives a restart. One hosted session per device at a time.
 */
import { decodeCbor, encodeCbor } from '../../sdk/cbor/index.js';
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import type { Storage } from '../../sdk/hal/storage.js';
import type { StorageManager } from '../storage/storage-manager.js';

export const HOSTED_RECORD_BLOB = 'fw-hosted';
const MAX_RECORD_BYTES = 512;

export interface HostedRecord {
  part: string;
  licence: Uint8Array;
}

/** The record, null when there is none, or 'unreadable' (torn by a cut during its own write). */
export async function readHostedRecord(storage: Storage): Promise<HostedRecord | null | 'unreadable'> {
  let bytes: Uint8Array;
  try {
    bytes = await storage.read(HOSTED_RECORD_BLOB, 0, MAX_RECORD_BYTES);
  } catch (error) {
    if (isFairwayError(error, 'not-found')) return null;
    throw error;
  }
  try {
    const value = decodeCbor(bytes, { maxBytes: MAX_RECORD_BYTES }) as Record<string, unknown> | null;
    if (value && typeof value.part === 'string' && value.licence instanceof Uint8Array) return { part: value.part, licence: value.licence };
    return 'unreadable';
  } catch (error) {
    if (isFairwayError(error)) return 'unreadable';
    throw error;
  }
}

export async function writeHostedRecord(storage: Storage, record: HostedRecord): Promise<void> {
  if ((await readHostedRecord(storage)) !== null) throw new FairwayError('invalid-argument', 'a hosted part is already on this device: clean it up first', HOSTED_RECORD_BLOB);
  await storage.write(HOSTED_RECORD_BLOB, 0, encodeCbor({ v: 1, part: record.part, licence: record.licence }));
}

export async function removeHostedRecord(storage: Storage): Promise<void> {
  try {
    await storage.remove(HOSTED_RECORD_BLOB);
  } catch (error) {
    if (!isFairwayError(error, 'not-found')) throw error;
  }
}

/**
 * At start: deletes the hosted part a cut session left (its slot, blobs and reservation), then
 * the record. An unreadable record was torn before anything was reserved (the record is
 * written first), so only the record goes. Returns the parts deleted.
 */
export async function cleanupHostedParts(storage: Storage, parts: StorageManager): Promise<string[]> {
  const record = await readHostedRecord(storage);
  if (record === null) return [];
  const deleted: string[] = [];
  if (record !== 'unreadable' && parts.get(record.part)) {
    await parts.remove(record.part, { force: true });
    deleted.push(record.part);
  }
  await removeHostedRecord(storage);
  return deleted;
}
