/**
 * Where a part's bytes can be read from, by content hash: the data folder's files (one node's
 * disk) or the database (every node of a cluster) [issue 11 §3]. The content store asks its
 * sources in order and keeps whole hot parts in memory in front of them; a source only knows
 * how to say whether it holds a part and to read a range of it.
 */

/** What a source knows of a part it holds whole. */
export interface PartExtent {
  sizeBytes: number;
  /**
   * The size a read costs about the same below (the database's segments): a reader that will
   * want the neighbouring bytes too does better asking for whole units. Absent: any range is
   * as cheap as its length (a file, with the OS page cache behind it).
   */
  unitBytes?: number;
}

export interface PartBytesSource {
  /** For logs and errors: `file` or `database`. */
  readonly name: string;
  /**
   * The part's extent if this source holds it whole, null if it does not hold it.
   * Throws (a ContentUnavailableError where it can tell why) when it cannot find out.
   */
  find(contentHash: string): Promise<PartExtent | null>;
  /**
   * Up to `lengthBytes` at `offsetBytes`, short only at the part's end. Call it only for a
   * part `find` found. The result is the caller's: a fresh buffer, not a view of shared bytes.
   */
  read(contentHash: string, offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Why a node could not read a part:
 * - `missing`: no source holds the part whole (never imported here, or an import that died
 *   before its last segment — such a part is not served until a re-import completes it);
 * - `truncated`: a source holds it, but fewer or other bytes than it recorded;
 * - `unreachable`: the shared store (the database) cannot be reached now; a retry may work.
 */
export type ContentUnavailableReason = 'missing' | 'truncated' | 'unreachable';

/** A read that failed for a reason the terminal should hear about as a typed error. */
export class ContentUnavailableError extends Error {
  override readonly name = 'ContentUnavailableError';
  constructor(
    readonly reason: ContentUnavailableReason,
    readonly contentHash: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`part content ${contentHash.slice(0, 12)}… ${reason}: ${detail}`, options);
  }
}

export function isContentUnavailable(e: unknown, reason?: ContentUnavailableReason): e is ContentUnavailableError {
  return e instanceof ContentUnavailableError && (reason === undefined || e.reason === reason);
}
