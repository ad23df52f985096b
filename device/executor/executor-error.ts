/**
 * Why a part could not be played, as one typed error. Every failure has the same kind
 * ('invalid-argument': the part handed to the executor cannot run) so generic code does not
 * mistake, say, a cartridge's CPU timeout for a link timeout and retry it; `reason` is what a
 * UI switches on to tell the player what happened.
 */
import { FairwayError } from '../../sdk/errors.js';

export type ExecutorFailure =
  | 'bad-image' // the part's bytes are not a runnable image (magic, header, lengths, encoding)
  | 'crashed' // the program failed: a syntax error, an exception, no entry point
  | 'timeout' // the program ran past its CPU time limit
  | 'bad-results' // the program returned results a `finish` message could not carry
  | 'missing-base'; // the part needs its title's base part, and it was not given (or is not one)

export class ExecutorError extends FairwayError {
  constructor(
    readonly reason: ExecutorFailure,
    /** The part that could not be played. */
    readonly part: string,
    message: string,
    path?: string,
    /** The underlying error (a results check, a read failure), when there is one. */
    cause?: unknown,
  ) {
    super('invalid-argument', `${reason} (${part}): ${message}`, path);
    if (cause !== undefined) this.cause = cause;
  }
}
