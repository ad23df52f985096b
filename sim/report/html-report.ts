/**
 * index.html: one self-contained page a QA lead can attach to a bug — no script, no external
 * style sheet, font or image; charts are inline SVG. Written as well-formed XHTML-style markup
 * (void elements closed) so it can be checked by an XML tokenizer. Every string from the run
 * (terminal ids, details, names) is escaped.
 */
import { formatBitsPerS, formatCount, formatDuration, formatRatio, formatSI } from './format.js';
import type { RunResult } from './run-result.js';
import { summariseByPreset } from './summarise.js';
import { summaryRows } from './summary-rows.js';
import { barChart, histogramChart, lineChart, stepChart } from './svg-charts.js';
import type { Verdict } from './verdict.js';
import { escapeText } from './xml-escape.js';

/** Rows in the per-terminal table; beyond this the page points at result.json. */
export const TERMINAL_ROWS_MAX = 5_000;

const STYLE = `
body { font-family: system-ui, sans-serif; color: #1f2937; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #e5e7eb; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.2rem 0.8rem 0.2rem 0; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { color: #b91c1c; }
.verdict { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 0.25rem; color: white; font-weight: 600; }
.passed { background: #15803d; }
.failed-run { background: #b91c1c; }
pre { background: #f3f4f6; padding: 0.6rem; overflow-x: auto; }
.chart { display: block; max-width: 100%; height: auto; margin: 1rem 0; }
.muted { color: #6b7280; }
.alarm { color: #b91c1c; font-weight: 600; }
`;

export function renderReportHtml(result: RunResult, verdict: Verdict): string {
  const { summary, expectations, passed } = verdict;
  const ttfp = result.terminals.flatMap((t) => (t.ttfpMs === null ? [] : [t.ttfpMs]));
  const neverPlayed = result.terminals.length - ttfp.length;
  const charts = [
    histogramChart(ttfp, { title: 'Time to first play', xLabel: 'time to first play', yLabel: 'terminals' }),
    lineChart(
      result.timeline.map((p) => ({ x: p.atMs, y: p.goodputBitsPerS })),
      { title: 'Fleet goodput over time', yLabel: 'bit/s', formatY: formatSI, xMaxMs: result.virtualMs },
    ),
    barChart(
      result.timeline.map((p, i) => ({ fromMs: i === 0 ? 0 : result.timeline[i - 1]!.atMs, toMs: p.atMs, y: p.drops })),
      { title: 'Link drops over time', yLabel: 'drops', xMaxMs: result.virtualMs },
    ),
    stepChart(
      [...result.charges].sort((a, b) => a.atMs - b.atMs).map((c, i) => ({ x: c.atMs, y: i + 1 })),
      { title: 'Charges over time (cumulative)', yLabel: 'charges', formatY: formatCount, xMaxMs: result.virtualMs },
    ),
  ];
  const shown = result.terminals.slice(0, TERMINAL_ROWS_MAX);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>${escapeText(`Fairway sim: ${result.scenario} seed ${result.seed}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Fairway simulation: ${escapeText(result.scenario)}</h1>
<p><span class="verdict ${passed ? 'passed' : 'failed-run'}">${passed ? 'PASSED' : 'FAILED'}</span>
 seed <strong>${result.seed}</strong> · ${escapeText(formatDuration(result.virtualMs))} of virtual time in ${escapeText(formatDuration(result.wallMs))} · started ${escapeText(result.startedAt)}</p>
<p>Reproduce this run exactly:</p>
<pre><code>${escapeText(result.reproduce)}</code></pre>
<p class="muted">Trace hash (sha256 of the event trace; the same seed gives the same hash): <code>${escapeText(result.traceHash)}</code></p>

<h2>Summary</h2>
${table(['figure', 'value'], summaryRows(summary).map(([figure, value]) => ({ cells: [figure, value] })))}

<h2>Invariants</h2>
${result.invariants.length === 0 ? '<p class="alarm">No invariant was checked: the run cannot pass.</p>' : table(['invariant', 'held', 'detail'], result.invariants.map((i) => ({ failed: !i.held, cells: [i.name, i.held ? 'held' : 'FAILED', i.detail ?? ''] })))}

${hostSessionsSection(result)}
<h2>Expectations</h2>
${expectations.length === 0 ? '<p class="muted">The scenario sets no <code>expect</code> criteria.</p>' : table(['criterion', 'met', 'detail'], expectations.map((e) => ({ failed: !e.held, cells: [e.name, e.held ? 'met' : 'MISSED', e.detail ?? ''] })))}

<h2>Charts</h2>
${charts[0]}
<p class="muted">${neverPlayed === 0 ? 'Every terminal started playing.' : `${neverPlayed} of ${result.terminals.length} terminals never started playing and are not in the histogram.`}</p>
${charts.slice(1).join('\n')}

<h2>By radio preset</h2>
${table(
  ['preset', 'terminals', 'ttfp p50', 'ttfp p95', 'whole title p50', 'goodput ÷ rate', 'parts', 'charges', 'drops', 'power losses'],
  summariseByPreset(result).map(({ preset, summary: s }) => ({
    cells: [preset, s.terminals, formatDuration(s.ttfpMs.p50), formatDuration(s.ttfpMs.p95), formatDuration(s.wholeTitleMs.p50), formatRatio(s.goodputRatio), s.partsBought, s.charges.count, s.drops, s.powerLosses],
  })),
)}

<h2>Terminals</h2>
${result.terminals.length > shown.length ? `<p class="muted">The first ${TERMINAL_ROWS_MAX} of ${result.terminals.length}; every terminal is in result.json.</p>` : ''}
${table(
  ['terminal', 'preset', 'end state', 'ttfp', 'whole title', 'parts', 'titles', 'charged', 'top-ups', 'drops', 'power losses', 'received', 'link rate'],
  shown.map((t) => ({
    failed: t.state.startsWith('failed.'),
    cells: [t.id, t.preset, t.state, formatDuration(t.ttfpMs), formatDuration(t.wholeTitleMs), t.partsBought, t.titlesFinished, t.chargesMinor, t.topUps, t.drops, t.powerLosses, `${formatCount(t.bytesReceived)} B`, formatBitsPerS(t.linkBitsPerS)],
  })),
)}
</body>
</html>
`;
}

/** The host sessions [FW-13, FW-14], one row each; nothing for a run without any. */
function hostSessionsSection(result: RunResult): string {
  const sessions = result.hostSessions ?? [];
  if (sessions.length === 0) return '';
  return `<h2>Host sessions</h2>
${table(
  ['title', 'host', 'billing', 'seats', 'peers tried', 'seated', 'refused', 'received', 'played', 'left', 'charged seats', 'amount', 'deletion', 'problems'],
  sessions.map((s) => ({
    failed: s.problems.length > 0,
    cells: [s.title, s.host, s.billing ?? 'no licence', s.seats, s.peersTried, s.seated, s.refused, s.received, s.played ?? 0, s.left, s.chargedSeats, s.chargedMinor, s.deletionHeld ? 'held' : 'FAILED', s.problems.join('; ')],
  })),
)}
`;
}

/** Numbers are right-aligned (and grouped); everything else is escaped text. */
function table(headers: string[], rows: { failed?: boolean; cells: (string | number)[] }[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeText(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => {
      const cells = row.cells.map((c) => (typeof c === 'number' ? `<td class="n">${formatCount(c)}</td>` : `<td>${escapeText(c)}</td>`)).join('');
      return `<tr${row.failed ? ' class="failed"' : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}
