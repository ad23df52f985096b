/**
 * Small helpers of the fleet runner: running work while virtual time flows, drawing distinct
 * members of the fleet, and turning a label into a play seed.
 */
import type { SimClock } from '../hal/clock.js';
import type { SimRandom } from '../hal/random.js';
import type { TerminalSummary } from '../report/run-result.js';

/** Runs `work` while the virtual clock keeps firing timers, until the work is done. */
export async function whileTimeRuns<T>(time: SimClock, work: () => Promise<T>): Promise<T> {
  let done = false;
  const running = work().finally(() => {
    done = true;
  });
  running.catch(() => undefined);
  while (!done) await time.runUntil({ until: () => done });
  return running;
}

/** `count` distinct indexes out of `n`, drawn from `random` (a partial Fisher–Yates). */
export function pick(random: SimRandom, n: number, count: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < Math.min(count, n); i++) {
    const j = i + Math.floor(random.next01() * (n - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, Math.min(count, n));
}

export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A terminal's report line before anything happened. */
export function emptySummary(id: string, preset: string, linkBitsPerS: number): TerminalSummary {
  return { id, preset, state: 'booting', partsBought: 0, titlesFinished: 0, chargesMinor: 0, topUps: 0, drops: 0, powerLosses: 0, ttfpMs: null, wholeTitleMs: null, bytesReceived: 0, linkUpMs: 0, linkBitsPerS };
}
