/**
 * The terminal's storage manager: reservations, eviction and the lifecycle of stored parts
 * over the HAL Storage (see storage-manager.ts).
 */
export {
  StorageManager,
  DEFAULT_SYSTEM_RESERVE_BYTES,
  type StorageManagerOptions,
  type StoredPart,
  type StorageManagerUsage,
  type ServedOutcome,
} from './storage-manager.js';
export { TABLE_BLOB, PART_BLOB_KINDS, type PartBlobKind } from './slot-blobs.js';
export type { PartState, ReserveRequest } from './part-table.js';
export { StorageFullError, PartInUseError, StorageTableError, type DeletionCandidate } from './storage-errors.js';
