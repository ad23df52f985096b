/**
 * The storage manager's typed refusals. Each is a FairwayError (so generic code switches on
 * `kind`) carrying the figures a UI needs to explain itself without parsing the message.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { PartState } from './part-table.js';
import { TABLE_BLOB } from './slot-blobs.js';

/** A part the user could delete to make room, as a UI would list it. */
export interface DeletionCandidate {
  part: string;
  title: string;
  /** What deleting it frees: its whole reservation. */
  sizeBytes: number;
  state: PartState;
}

/** A reservation that does not fit even after evicting every part whose service has ended. */
export class StorageFullError extends FairwayError {
  constructor(
    /** The reservation asked for (data + side bytes). */
    readonly neededBytes: number,
    /** Unreserved bytes now. */
    readonly freeBytes: number,
    /** What evicting ended parts no live part needs would add (not enough, or it would have). */
    readonly freeableBytes: number,
    /** Parts a UI can offer for deletion (remove() accepts each without force), best first. */
    readonly candidates: readonly DeletionCandidate[],
  ) {
    super(
      'capacity-exceeded',
      `a part needs ${neededBytes} bytes; ${freeBytes} are free and evicting ended parts would free ${freeableBytes} more`,
    );
  }
}

/** Deleting this part would strand parts that name it as their base. */
export class PartInUseError extends FairwayError {
  constructor(
    readonly part: string,
    /** The reserved or complete parts that need it (directly or through another base). */
    readonly neededBy: readonly string[],
  ) {
    super('invalid-argument', `part ${part} is the base of ${neededBy.join(', ')}, which still need it`, 'part');
  }
}

/** The part table on flash cannot be read: neither copy is whole, or its content is invalid. */
export class StorageTableError extends FairwayError {
  constructor(message: string, cause?: unknown) {
    super('malformed', `the part table is unreadable: ${message}`, TABLE_BLOB);
    if (cause !== undefined) this.cause = cause;
  }
}
