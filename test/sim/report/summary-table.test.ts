import { describe, expect, it } from 'vitest';
import { formatSummaryTable, toJsonLines } from '../../../sim/report/summary-table.js';
import { exampleResult, terminal } from './support/run-results.js';

describe('the summary table printed at the end of a run', () => {
  const table = formatSummaryTable(exampleResult(), { expect: { minPartsBought: 10 } });
  const lines = table.split('\n');

  it('opens with the scenario, the seed and the virtual and wall time', () => {
    expect(lines[0]).toBe('fairway sim · example · seed 42 · 5 min 00 s virtual in 4.3 s');
  });

  it('lists every summary figure, values lined up in one column', () => {
    const figures = ['terminals', 'time to first play', 'whole title', 'ttfp ÷ whole title', 'goodput ÷ link rate', 'parts bought', 'titles finished', 'charges', 'top-ups', 'drops', 'power losses', 'invariants'];
    const rows = figures.map((f) => lines.find((l) => l.startsWith(`  ${f} `))!);
    expect(rows.every((r) => r !== undefined)).toBe(true);
    // Each row is "  <figure><padding>  <value>": the value starts after the first gap of two spaces.
    const valueStarts = new Set(rows.map((r) => 2 + r.slice(2).search(/ {2}\S/) + 2));
    expect(valueStarts).toEqual(new Set([2 + 'goodput ÷ link rate'.length + 2]));
    expect(lines).toContain('  charges              40 (19,000 minor units)');
    expect(lines).toContain('  goodput ÷ link rate  0.80');
  });

  it('has one fixed-width row per preset, figures right-aligned under their headings', () => {
    const start = lines.findIndex((l) => l.startsWith('  preset'));
    const block = lines.slice(start, start + 4);
    expect(block[0]).toBe('  preset  terminals  ttfp p50  ttfp p95   whole p50  goodput÷rate  parts  charges  drops');
    expect(block[2]).toBe('  4g             10     5.0 s    10.0 s      50.0 s          0.80     20       20      4');
    expect(block[3]).toBe('  edge           11    15.0 s    20.0 s  2 min 30 s          0.80     20       20     11');
    expect(new Set(block.map((l) => l.length)).size).toBe(1);
  });

  it('lists the invariants and expectations, and ends PASSED when all held', () => {
    expect(lines).toContain('invariants: 3 of 3 held');
    expect(lines).toContain('  ok    charged exactly once: 40 receipts, 40 charges');
    expect(lines).toContain('  ok    minPartsBought: parts bought 40; wanted ≥ 10');
    expect(table.trimEnd().split('\n').at(-1)).toBe('PASSED');
  });

  it('marks a failed invariant and ends with the command that reproduces the run', () => {
    const failed = formatSummaryTable(exampleResult({ invariants: [{ name: 'charged exactly once', held: false, detail: 'terminal t05\ncharged twice' }] }));
    expect(failed).toContain('  FAIL  charged exactly once: terminal t05 ⏎ charged twice');
    expect(failed.trimEnd().split('\n').at(-1)).toBe('FAILED — reproduce with: npx fairway sim run sim/scenarios/example.yaml --seed 42');
  });

  it('fails a run that checked no invariant', () => {
    const none = formatSummaryTable(exampleResult({ invariants: [] }));
    expect(none).toContain('  FAIL  none checked: the run cannot pass');
    expect(none.trimEnd().split('\n').at(-1)).toMatch(/^FAILED/);
  });

  it('shows a dash, not a zero, for times nobody reached', () => {
    const idle = formatSummaryTable(exampleResult({ terminals: [terminal('a', { ttfpMs: null })] }));
    expect(idle).toContain('  time to first play   p50 – · p95 – · max – (0 of 1 played)');
  });
});

describe('--json lines', () => {
  const result = exampleResult({ invariants: [{ name: 'charged exactly once', held: false, detail: 'x' }] });
  const records = toJsonLines(result, { expect: { minPartsBought: 10 } })
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string } & Record<string, unknown>);

  it('is one JSON object per line, each with a type', () => {
    expect(records.every((r) => typeof r.type === 'string')).toBe(true);
    expect(toJsonLines(result).endsWith('\n')).toBe(true);
  });

  it('starts with the run, then terminals, timeline, charges, invariants and expectations, and ends with the summary', () => {
    const order = [...new Set(records.map((r) => r.type))];
    expect(order).toEqual(['run', 'terminal', 'timeline', 'charge', 'invariant', 'expectation', 'summary']);
    const count = (type: string) => records.filter((r) => r.type === type).length;
    expect([count('terminal'), count('timeline'), count('charge'), count('invariant'), count('expectation')]).toEqual([21, 30, 40, 1, 1]);
  });

  it('carries the seed and reproduce command in the run record, and the verdict in the summary', () => {
    expect(records[0]).toMatchObject({ type: 'run', scenario: 'example', seed: 42, reproduce: result.reproduce, traceHash: result.traceHash });
    expect(records.at(-1)).toMatchObject({ type: 'summary', passed: false, partsBought: 40, ttfpMs: { p50: 10_000, p95: 19_000, max: 20_000 } });
  });
});
