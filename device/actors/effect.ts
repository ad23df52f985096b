/**
 * Turns an async job into an xstate callback actor: the job answers with machine events,
 * nothing it sends after the actor stopped (state left, power cut) reaches the machine, and
 * an unexpected throw becomes a typed fault event instead of an unhandled rejection.
 */
import { fromCallback, type AnyEventObject } from 'xstate';
import { FairwayError } from '../../sdk/errors.js';
import type { TerminalEvent } from '../machine/types.js';

export interface EffectScope {
  send(event: TerminalEvent): void;
  /** True once the actor was stopped: the job should stop at its next step. */
  stopped(): boolean;
  /** Runs when the actor stops (timers, listeners). */
  onStop(cleanup: () => void): void;
}

export function effect<TInput>(job: (input: TInput, scope: EffectScope) => Promise<void>) {
  return fromCallback<AnyEventObject, TInput>(({ input, sendBack }) => {
    let stopped = false;
    const cleanups: (() => void)[] = [];
    const scope: EffectScope = {
      send: (event) => {
        if (!stopped) sendBack(event);
      },
      stopped: () => stopped,
      onStop: (cleanup) => cleanups.push(cleanup),
    };
    job(input, scope).catch((error: unknown) => {
      if (stopped) return;
      const message = error instanceof Error ? error.message : String(error);
      // A closed session means the terminal is shutting down: nothing to report.
      if (error instanceof FairwayError && error.kind === 'closed') return;
      sendBack({ type: 'device.fault', message } satisfies TerminalEvent);
    });
    return () => {
      stopped = true;
      for (const c of cleanups.splice(0)) c();
    };
  });
}
