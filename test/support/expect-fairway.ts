/**
 * The project's tests use the same assertions the porters' conformance kit uses
 * (sdk/testing/expect-error.ts), under short names: a sync throw, or a rejection.
 */
import type { ErrorKind, FairwayError } from '../../sdk/errors.js';
import { expectRejection, expectThrow } from '../../sdk/testing/expect-error.js';

/** `run` may throw or reject; either way it must be a FairwayError of this kind. */
export function expectKind(run: () => unknown, kind: ErrorKind): Promise<FairwayError> {
  return expectRejection(async () => run(), kind);
}

export const expectKindSync = (run: () => unknown, kind: ErrorKind): FairwayError => expectThrow(run, kind);
