/**
 * Assertions that a HAL call failed the way the contract says: with a FairwayError of a given
 * kind, and (for promise-returning methods) as a rejection rather than a synchronous throw,
 * because callers chain `.catch` and would miss a throw.
 */
import { expect } from 'vitest';
import { isFairwayError, type ErrorKind, type FairwayError } from '../errors.js';

type Kinds = ErrorKind | readonly ErrorKind[];

export async function expectRejection(call: () => Promise<unknown>, kinds: Kinds): Promise<FairwayError> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    expect.fail(`expected a promise rejecting with ${describeKinds(kinds)}; the call threw synchronously: ${String(error)}`);
  }
  const outcome = await promise.then(
    (value: unknown) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) {
    expect.fail(`expected a rejection with ${describeKinds(kinds)}; it resolved with ${String(outcome.value)}`);
  }
  return expectFairwayError(outcome.error, kinds);
}

export function expectThrow(call: () => unknown, kinds: Kinds): FairwayError {
  let threw = false;
  let error: unknown;
  try {
    call();
  } catch (caught) {
    threw = true;
    error = caught;
  }
  if (!threw) expect.fail(`expected a throw with ${describeKinds(kinds)}; the call returned`);
  return expectFairwayError(error, kinds);
}

export function expectFairwayError(error: unknown, kinds: Kinds): FairwayError {
  const allowed: readonly ErrorKind[] = typeof kinds === 'string' ? [kinds] : kinds;
  if (!isFairwayError(error)) expect.fail(`expected a FairwayError (${describeKinds(kinds)}); got ${String(error)}`);
  expect(allowed, `error: ${error.message}`).toContain(error.kind);
  return error;
}

function describeKinds(kinds: Kinds): string {
  return typeof kinds === 'string' ? kinds : kinds.join(' or ');
}
