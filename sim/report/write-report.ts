/**
 * The report folder `fairway sim run --report DIR` leaves behind: result.json (the RunResult
 * as the runner gave it, so a report can be rebuilt from it), index.html (the page with the
 * charts) and junit.xml (for CI). Existing files of those names are replaced.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Expectations } from '../scenario/scenario.js';
import { renderReportHtml } from './html-report.js';
import { renderJunit } from './junit.js';
import type { RunResult } from './run-result.js';
import { judgeRun } from './verdict.js';

export interface ReportOptions {
  /** The scenario's `expect` criteria: judged, shown, and one JUnit test case each. */
  expect?: Expectations;
}

export interface WrittenReport {
  files: { json: string; html: string; junit: string };
  /** Every invariant held and every expectation was met. */
  passed: boolean;
}

export async function writeReport(dir: string, result: RunResult, options: ReportOptions = {}): Promise<WrittenReport> {
  const verdict = judgeRun(result, options.expect);
  const files = { json: join(dir, 'result.json'), html: join(dir, 'index.html'), junit: join(dir, 'junit.xml') };
  await mkdir(dir, { recursive: true });
  await writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(files.html, renderReportHtml(result, verdict));
  await writeFile(files.junit, renderJunit(result, verdict));
  return { files, passed: verdict.passed };
}
