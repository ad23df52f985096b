/**
 * Why a real-server harness (Redis, HAProxy, …) could not do what it was asked, with a code a
 * test can switch on: a missing binary is the usual one on a fresh machine, and its message
 * says which package installs it.
 */
export type HarnessErrorCode =
  | 'binary-missing' // the server's executable is not installed
  | 'start-failed' // it exited, or did not answer in time, while starting
  | 'not-running' // asked to pause, reload or query a server that is stopped
  | 'invalid-argument';

export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  constructor(
    readonly code: HarnessErrorCode,
    message: string,
  ) {
    super(message);
  }
}
