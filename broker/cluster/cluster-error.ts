/** A cluster-mode failure with a code the CLI and tests can switch on. */
export type ClusterErrorCode = 'redis-unreachable' | 'closed' | 'invalid-argument';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
  ) {
    super(message);
  }
}
