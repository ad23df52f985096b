/**
 * What `fairway sim run` prints at the end: a fixed-width plain-text summary (figures, one
 * row per radio preset, invariants, expectations, the verdict and the command that reproduces
 * the run), and `--json`'s JSON Lines (one object per line, `type` first) for CI to parse.
 */
import type { Expectations } from '../scenario/scenario.js';
import { formatCount, formatDuration, formatRatio } from './format.js';
import type { RunResult } from './run-result.js';
import { summariseByPreset } from './summarise.js';
import { summaryRows } from './summary-rows.js';
import { judgeRun, type Verdict } from './verdict.js';

export interface TableOptions {
  /** The scenario's `expect` criteria. */
  expect?: Expectations;
}

export function formatSummaryTable(result: RunResult, options: TableOptions = {}): string {
  const verdict = judgeRun(result, options.expect);
  const lines: string[] = [];
  lines.push(`fairway sim · ${result.scenario} · seed ${result.seed} · ${formatDuration(result.virtualMs)} virtual in ${formatDuration(result.wallMs)}`);
  lines.push('');
  const labelWidth = Math.max(...summaryRows(verdict.summary).map(([figure]) => figure.length));
  for (const [figure, value] of summaryRows(verdict.summary)) lines.push(`  ${figure.padEnd(labelWidth)}  ${value}`);
  lines.push('');
  lines.push(...presetTable(result));
  lines.push('');
  lines.push(...outcomes('invariants', result.invariants.length === 0 ? [{ name: 'none checked', held: false, detail: 'the run cannot pass' }] : result.invariants));
  if (verdict.expectations.length > 0) lines.push(...outcomes('expect', verdict.expectations));
  lines.push('');
  lines.push(verdict.passed ? 'PASSED' : `FAILED — reproduce with: ${result.reproduce}`);
  return `${lines.join('\n')}\n`;
}

function presetTable(result: RunResult): string[] {
  const header = ['preset', 'terminals', 'ttfp p50', 'ttfp p95', 'whole p50', 'goodput÷rate', 'parts', 'charges', 'drops'];
  const rows = summariseByPreset(result).map(({ preset, summary: s }) => [
    preset,
    formatCount(s.terminals),
    formatDuration(s.ttfpMs.p50),
    formatDuration(s.ttfpMs.p95),
    formatDuration(s.wholeTitleMs.p50),
    formatRatio(s.goodputRatio),
    formatCount(s.partsBought),
    formatCount(s.charges.count),
    formatCount(s.drops),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // The preset name is text (left-aligned); every other column is a figure (right-aligned).
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function outcomes(heading: string, items: readonly { name: string; held: boolean; detail?: string }[]): string[] {
  const held = items.filter((i) => i.held).length;
  return [`${heading}: ${held} of ${items.length} held`, ...items.map((i) => `  ${i.held ? 'ok  ' : 'FAIL'}  ${i.name}${i.detail ? `: ${oneLine(i.detail)}` : ''}`)];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ');
}

/** `--json`: one JSON object per line — run, terminals, timeline, charges, host sessions, invariants, expectations, then the summary with the verdict. */
export function toJsonLines(result: RunResult, options: TableOptions = {}): string {
  const verdict: Verdict = judgeRun(result, options.expect);
  const { terminals, timeline, charges, invariants, hostSessions, ...run } = result;
  const records: object[] = [
    { type: 'run', ...run },
    ...terminals.map((t) => ({ type: 'terminal', ...t })),
    ...timeline.map((p) => ({ type: 'timeline', ...p })),
    ...charges.map((c) => ({ type: 'charge', ...c })),
    ...(hostSessions ?? []).map((h) => ({ type: 'host-session', ...h })),
    ...invariants.map((i) => ({ type: 'invariant', ...i })),
    ...verdict.expectations.map((e) => ({ type: 'expectation', ...e })),
    { type: 'summary', passed: verdict.passed, ...verdict.summary },
  ];
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}
