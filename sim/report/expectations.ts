/**
 * A scenario's `expect:` criteria judged against a run's summary. Each criterion the scenario
 * sets becomes one outcome (and one JUnit test case), worded with the figure and the limit so
 * a red CI line says by how much it missed.
 */
import type { ExpectationName, Expectations } from '../scenario/scenario.js';
import { formatCount, formatDuration } from './format.js';
import type { InvariantOutcome } from './run-result.js';
import type { RunSummary } from './summarise.js';

/** Same shape as an invariant's outcome: a name, held or not, and why. */
export type ExpectationOutcome = InvariantOutcome & { name: ExpectationName };

interface Criterion {
  what: string;
  actual(s: RunSummary): number | null;
  /** 'min': actual ≥ limit holds; 'max': actual ≤ limit holds. */
  bound: 'min' | 'max';
  format(n: number | null): string;
}

const CRITERIA: Record<ExpectationName, Criterion> = {
  minPartsBought: { what: 'parts bought', actual: (s) => s.partsBought, bound: 'min', format: (n) => formatCount(n ?? 0) },
  minTitlesFinished: { what: 'titles finished', actual: (s) => s.titlesFinished, bound: 'min', format: (n) => formatCount(n ?? 0) },
  minCharges: { what: 'charges', actual: (s) => s.charges.count, bound: 'min', format: (n) => formatCount(n ?? 0) },
  ttfpMsP50Max: { what: 'time to first play p50', actual: (s) => s.ttfpMs.p50, bound: 'max', format: exactMs },
  ttfpMsP95Max: { what: 'time to first play p95', actual: (s) => s.ttfpMs.p95, bound: 'max', format: exactMs },
  wholeTitleMsP95Max: { what: 'whole-title time p95', actual: (s) => s.wholeTitleMs.p95, bound: 'max', format: exactMs },
  minGoodputRatio: { what: 'goodput ÷ link rate', actual: (s) => s.goodputRatio, bound: 'min', format: (n) => (n === null ? '–' : n.toFixed(3)) },
};

/** Exact, so a miss by 49 ms does not read as equal to the limit: "130,500 ms (2 min 11 s)". */
function exactMs(ms: number | null): string {
  return ms === null ? '–' : `${formatCount(ms)} ms (${formatDuration(ms)})`;
}

/** The outcome of each criterion `expect` sets, in a fixed order. */
export function checkExpectations(expect: Expectations, summary: RunSummary): ExpectationOutcome[] {
  return (Object.keys(CRITERIA) as ExpectationName[]).flatMap((name) => {
    const limit = expect[name];
    if (limit === undefined) return [];
    const c = CRITERIA[name];
    const actual = c.actual(summary);
    const wanted = `${c.bound === 'min' ? '≥' : '≤'} ${c.format(limit)}`;
    if (actual === null) return [{ name, held: false, detail: `${c.what}: no terminal got that far; wanted ${wanted}` }];
    const held = c.bound === 'min' ? actual >= limit : actual <= limit;
    return [{ name, held, detail: `${c.what} ${c.format(actual)}; wanted ${wanted}` }];
  });
}
