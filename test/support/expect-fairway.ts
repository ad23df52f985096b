import { expect } from 'vitest';
import { FairwayError, type ErrorKind } from '../../sdk/errors.js';

/** Asserts that `run` throws (or rejects with) a FairwayError of this kind, and returns it. */
export async function expectKind(run: () => unknown, kind: ErrorKind): Promise<FairwayError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a FairwayError of kind ${kind}`).toBeInstanceOf(FairwayError);
  expect((caught as FairwayError).kind).toBe(kind);
  return caught as FairwayError;
}

export function expectKindSync(run: () => unknown, kind: ErrorKind): FairwayError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a FairwayError of kind ${kind}`).toBeInstanceOf(FairwayError);
  expect((caught as FairwayError).kind).toBe(kind);
  return caught as FairwayError;
}
