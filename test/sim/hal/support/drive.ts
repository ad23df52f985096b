/**
 * Ways for a test to move a SimClock: run until a promise settles (failing if the simulation goes
 * idle first), or keep it running in the background for suites that await without driving time
 * themselves (the HAL conformance kit).
 */
import type { SimClock } from '../../../../sim/hal/index.js';

/** Runs the clock until `work` settles, then returns its outcome. Idle before that is a failure. */
export async function runUntilSettled<T>(time: SimClock, work: Promise<T>, limitMs = Number.POSITIVE_INFINITY): Promise<T> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  const stop = await time.runUntil({
    until: () => settled,
    ...(Number.isFinite(limitMs) ? { atMs: time.monotonicMs() + limitMs } : {}),
  });
  if (!settled) throw new Error(`the simulation stopped (${stop}) at ${time.monotonicMs()} ms before the work settled`);
  return work;
}

export interface BackgroundDriver {
  stop(): Promise<void>;
}

/** Keeps firing timers as they fall due until stopped, so code that only awaits still sees time pass. */
export function driveInBackground(time: SimClock): BackgroundDriver {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await time.runUntil({ until: () => stopped });
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
