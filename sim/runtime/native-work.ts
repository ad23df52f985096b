/**
 * Counts the native requests in flight (file reads, scrypt, random bytes, DNS…): work that
 * runs on libuv's thread pool and comes back at a moment real time decides. A simulation in
 * virtual time may only move its clock when none is pending, or the order in which such work
 * lands among the fleet's events — and so the trace — would change from run to run.
 *
 * Built on async_hooks: a request resource is counted from `init` until its callback ran or
 * its promise settled (`destroy` / `promiseResolve` do not fire for every request kind, so the
 * request's `after` hook is the reliable end).
 */
import { createHook, type AsyncHook } from 'node:async_hooks';

/**
 * Resource types that are one-shot requests to the thread pool or the OS. Not the crypto jobs
 * (SIGNREQUEST, RANDOMBYTESREQUEST, HASHREQUEST…): the code in a simulation calls sign, verify
 * and randomBytes synchronously, yet each call still creates a job resource that ends only when
 * the garbage collector destroys it — counting those would make "quiet" depend on GC timing,
 * and the trace with it. scrypt is the one crypto job that really runs on the pool.
 */
const REQUEST_TYPES = new Set(['FSREQCALLBACK', 'FSREQPROMISE', 'FILEHANDLECLOSEREQ', 'SCRYPTREQUEST', 'PBKDF2REQUEST', 'GETADDRINFOREQWRAP', 'ZLIB']);

export class NativeWork {
  private readonly pending = new Map<number, string>();
  private readonly hook: AsyncHook;

  constructor() {
    this.hook = createHook({
      init: (asyncId, type) => {
        if (REQUEST_TYPES.has(type)) this.pending.set(asyncId, type);
      },
      after: (asyncId) => {
        this.pending.delete(asyncId);
      },
      destroy: (asyncId) => {
        this.pending.delete(asyncId);
      },
    });
  }

  enable(): this {
    this.hook.enable();
    return this;
  }

  disable(): void {
    this.hook.disable();
    this.pending.clear();
  }

  /** The kinds of the requests in flight, for a stuck run's diagnosis. */
  kinds(): string[] {
    return [...this.pending.values()];
  }

  /** Requests started and not yet called back. */
  get inFlight(): number {
    return this.pending.size;
  }
}
