/** A refused operator or login action on users and terminals, with a code a CLI or handler can switch on. */
export type DirectoryErrorCode = 'user-exists' | 'unknown-user' | 'device-exists' | 'unknown-device' | 'invalid-argument';

export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}
