/**
 * Storage: named blobs in the terminal's flash [FW-11.1].
 *
 * The contract a port implements. Every method settles its promise only when the effect is
 * durable (a write that resolved survives power loss), because resume-after-reboot relies on
 * it. Failures reject with a FairwayError whose kind is one of: not-found, capacity-exceeded,
 * closed, io, invalid-argument.
 */
export interface StorageUsage {
  capacityBytes: number;
  /** The sum of every blob's size, zero-filled gaps included; metadata overhead is the port's own. */
  usedBytes: number;
}

export interface BlobInfo {
  name: string;
  sizeBytes: number;
}

export interface Storage {
  /**
   * Reads up to `lengthBytes` from `offsetBytes`. Fewer bytes come back only at the end of
   * the blob. A missing blob → not-found.
   */
  read(name: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  /**
   * Writes `bytes` at `offsetBytes`, creating the blob and zero-filling any gap. A write that
   * would take usedBytes past capacityBytes → capacity-exceeded and nothing is written.
   */
  write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void>;
  /** Removes a blob. Removing a missing blob → not-found. */
  remove(name: string): Promise<void>;
  /** All blobs, sorted by name in code-unit order (plain `<` on the strings). */
  list(): Promise<BlobInfo[]>;
  usage(): Promise<StorageUsage>;
  /** Idempotent; every other call afterwards rejects with closed. */
  close(): Promise<void>;
}

/** Blob names: 1–64 characters of [A-Za-z0-9._-], not starting with a dot. */
export const BLOB_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;
