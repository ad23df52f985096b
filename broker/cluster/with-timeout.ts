/**
 * A bound on one operational step (a readiness check, the last heartbeat at shutdown), so a
 * hung database makes the step fail rather than hang. The work itself is not cancelled: it
 * finishes or fails in the background, and its outcome is ignored.
 */
export class StepTimeoutError extends Error {
  override readonly name = 'StepTimeoutError';
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(what, ms)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
