/**
 * Whether a run passed: every invariant held (and at least one was checked) and every `expect`
 * criterion the scenario set was met. Computed once here so the exit code, the table, the HTML
 * and junit.xml cannot disagree.
 */
import type { Expectations } from '../scenario/scenario.js';
import { checkExpectations, type ExpectationOutcome } from './expectations.js';
import type { RunResult } from './run-result.js';
import { summarise, type RunSummary } from './summarise.js';

export interface Verdict {
  summary: RunSummary;
  expectations: ExpectationOutcome[];
  passed: boolean;
}

export function judgeRun(result: RunResult, expect: Expectations = {}): Verdict {
  const summary = summarise(result);
  const expectations = checkExpectations(expect, summary);
  return { summary, expectations, passed: summary.invariantsHeld && expectations.every((e) => e.held) };
}
