/**
 * The part executor: the one piece of the terminal a handheld vendor writes for their own
 * hardware (a native engine, an interpreter, a cartridge slot emulator). The terminal calls
 * `play` only after a part has fully arrived, been verified against its signed manifest and
 * been charged [FW-6], so an executor never sees unverified bytes; it still treats them as
 * untrusted, because a verified part can carry a buggy program.
 *
 * Like the HAL interfaces in sdk/hal it is one method, takes only portable types, and fails
 * only with a typed error (ExecutorError) a UI can explain.
 */
export { checkResults, RESULT_KEY_PATTERN, RESULTS_MAX_KEYS, RESULT_TEXT_MAX_BYTES, RESULT_INT_MIN, RESULT_INT_MAX } from './results.js';
export { ExecutorError, type ExecutorFailure } from './executor-error.js';

/**
 * One result value: an int32, a text of at most 256 bytes of UTF-8, or a boolean — what the
 * `finish` message can carry [FW-4.9].
 */
export type ResultValue = number | string | boolean;

/** Named results, keys `/^[a-z][a-zA-Z0-9]{0,31}$/`, at most 32 of them (the `finish` rule). */
export type Results = Record<string, ResultValue>;

/**
 * A stored, verified part, readable in pieces so a large part never has to sit in memory at
 * once. `read` resolves with exactly `lengthBytes` bytes when the range lies inside the part,
 * and rejects with a FairwayError otherwise.
 */
export interface PartImage {
  part: string;
  title: string;
  /** Position in play order; 1 runs alone [FW-6.4]. */
  seq: number;
  sizeBytes: number;
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
}

export interface PlayRequest {
  /** The part to play. */
  part: PartImage;
  /** The part named as `base` in the manifest (the title's program), or null when none is. */
  base: PartImage | null;
  /** The results of the part played before this one in the same title ({} for the first). */
  carried: Results;
  /** Everything random in the play comes from this, so a seed replays the same game. */
  seed: number;
}

export interface PlayOutcome {
  /** Results after this part; after the last part they are what `finish` uploads. */
  results: Results;
  /** false: the title ends here (last part, or the player stopped), so send `finish` now. */
  continue: boolean;
}

export interface Executor {
  /**
   * Plays one part to its end and never leaves the terminal stuck. A part that cannot run
   * rejects with ExecutorError (its `reason` says why); a malformed request (a seed that is
   * not a whole number, carried results checkResults refuses) rejects with the FairwayError
   * checkResults or the argument check throws.
   */
  play(request: PlayRequest): Promise<PlayOutcome>;
}
