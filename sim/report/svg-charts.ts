/**
 * The report's charts as inline SVG strings, drawn here so index.html needs no script, no
 * library and no network: a histogram, a line, bars and a cumulative step line, each on round
 * axis ticks, with a <title> per bar or point for hover read-outs. The x axis is always
 * virtual time (or a duration), labelled in the unit that reads best.
 */
import { niceTicks, timeUnitFor } from './nice-scale.js';
import { escapeText } from './xml-escape.js';

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { left: 72, right: 20, top: 30, bottom: 44 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const INK = '#1f2937';
const GRID = '#e5e7eb';
const SERIES = '#2563eb';

export interface XY {
  x: number;
  y: number;
}

export interface ChartLabels {
  title: string;
  /** What the y axis counts ("terminals", "bit/s"). */
  yLabel: string;
  formatY?: (y: number) => string;
}

/** How many values fall in each round-width bin from 0 to the largest. */
export function histogramChart(valuesMs: readonly number[], labels: ChartLabels & { xLabel: string }): string {
  const max = maxOf(valuesMs, 0);
  const unit = timeUnitFor(max);
  const binsTarget = Math.min(20, Math.max(5, Math.ceil(Math.sqrt(valuesMs.length))));
  const edges = niceTicks(0, max / unit.ms, binsTarget).map((e) => e * unit.ms);
  if (edges.length < 2) edges.push(edges[0]! + unit.ms);
  const counts = edges.slice(1).map(() => 0);
  for (const v of valuesMs) {
    const bin = edges.findIndex((e, i) => i > 0 && (v < e || i === edges.length - 1));
    counts[bin - 1]!++;
  }
  const yTicks = niceTicks(0, maxOf(counts, 1), 4, 1);
  return frame(labels, timeAxis(edges[0]!, edges[edges.length - 1]!, labels.xLabel, edges), yTicks, valuesMs.length === 0, (sx, sy) =>
    counts
      .map((c, i) => {
        const x0 = sx(edges[i]!);
        const x1 = sx(edges[i + 1]!);
        const tip = `${fmtMs(edges[i]!, unit.ms)}–${fmtMs(edges[i + 1]!, unit.ms)} ${unit.label}: ${c} ${labels.yLabel}`;
        return `<rect x="${r(x0 + 1)}" y="${r(sy(c))}" width="${r(Math.max(0.5, x1 - x0 - 2))}" height="${r(sy(0) - sy(c))}" fill="${SERIES}"><title>${escapeText(tip)}</title></rect>`;
      })
      .join(''),
  );
}

/** A line through the points (x in virtual ms), over [0, xMaxMs]. */
export function lineChart(points: readonly XY[], labels: ChartLabels & { xMaxMs: number }): string {
  const yTicks = niceTicks(0, maxOf(points.map((p) => p.y), 0), 4);
  return frame(labels, timeAxis(0, labels.xMaxMs, 'virtual time'), yTicks, points.length === 0, (sx, sy) => {
    const line = points.map((p) => `${r(sx(p.x))},${r(sy(p.y))}`).join(' ');
    return `<polyline points="${line}" fill="none" stroke="${SERIES}" stroke-width="2"/>` + dots(points, sx, sy, labels);
  });
}

/** A staircase that rises at each point (x in virtual ms) to its y and holds until the next, ending at xMaxMs. */
export function stepChart(points: readonly XY[], labels: ChartLabels & { xMaxMs: number }): string {
  const yTicks = niceTicks(0, maxOf(points.map((p) => p.y), 1), 4, 1);
  return frame(labels, timeAxis(0, labels.xMaxMs, 'virtual time'), yTicks, points.length === 0, (sx, sy) => {
    let d = `M${r(sx(0))},${r(sy(0))}`;
    for (const p of points) d += ` H${r(sx(p.x))} V${r(sy(p.y))}`;
    d += ` H${r(sx(labels.xMaxMs))}`;
    return `<path d="${d}" fill="none" stroke="${SERIES}" stroke-width="2"/>`;
  });
}

/** Bars over time intervals (x from fromMs to toMs, virtual), e.g. drops per timeline step. */
export function barChart(bars: readonly { fromMs: number; toMs: number; y: number }[], labels: ChartLabels & { xMaxMs: number }): string {
  const yTicks = niceTicks(0, maxOf(bars.map((b) => b.y), 1), 4, 1);
  const fmtY = labels.formatY ?? String;
  return frame(labels, timeAxis(0, labels.xMaxMs, 'virtual time'), yTicks, bars.length === 0, (sx, sy) =>
    bars
      .filter((b) => b.y > 0)
      .map((b) => {
        const x0 = sx(b.fromMs);
        const x1 = sx(b.toMs);
        const tip = `${fmtMs(b.fromMs, 1_000)}–${fmtMs(b.toMs, 1_000)} s: ${fmtY(b.y)} ${labels.yLabel}`;
        return `<rect x="${r(x0 + 0.5)}" y="${r(sy(b.y))}" width="${r(Math.max(0.5, x1 - x0 - 1))}" height="${r(sy(0) - sy(b.y))}" fill="${SERIES}"><title>${escapeText(tip)}</title></rect>`;
      })
      .join(''),
  );
}

interface XAxis {
  min: number;
  max: number;
  ticks: number[];
  format(x: number): string;
  label: string;
}

function timeAxis(minMs: number, maxMs: number, what: string, ticksMs?: number[]): XAxis {
  const unit = timeUnitFor(maxMs);
  const ticks = ticksMs ?? niceTicks(minMs / unit.ms, Math.max(maxMs, minMs + 1) / unit.ms, 6).map((t) => t * unit.ms);
  return { min: ticks[0]!, max: Math.max(ticks[ticks.length - 1]!, maxMs), ticks, format: (x) => fmtMs(x, unit.ms), label: `${what} (${unit.label})` };
}

function frame(labels: ChartLabels, x: XAxis, yTicks: number[], empty: boolean, body: (sx: (x: number) => number, sy: (y: number) => number) => string): string {
  const yMax = yTicks[yTicks.length - 1]!;
  const sx = (v: number) => MARGIN.left + ((v - x.min) / (x.max - x.min || 1)) * PLOT_W;
  const sy = (v: number) => MARGIN.top + PLOT_H - (v / (yMax || 1)) * PLOT_H;
  const fmtY = labels.formatY ?? String;
  const parts: string[] = [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" font-family="system-ui, sans-serif" font-size="11" fill="${INK}">`,
    `<title>${escapeText(labels.title)}</title>`,
    `<text x="${MARGIN.left}" y="18" font-size="13" font-weight="600">${escapeText(labels.title)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${r(sy(t))}" y2="${r(sy(t))}" stroke="${GRID}"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${r(sy(t) + 4)}" text-anchor="end">${escapeText(fmtY(t))}</text>`);
  }
  const labelEvery = Math.ceil(x.ticks.length / 8);
  for (const [i, t] of x.ticks.entries()) {
    parts.push(`<line x1="${r(sx(t))}" x2="${r(sx(t))}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 4}" stroke="${INK}"/>`);
    if (i % labelEvery === 0) parts.push(`<text x="${r(sx(t))}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${escapeText(x.format(t))}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}" stroke="${INK}"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="${INK}"/>`);
  parts.push(`<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle">${escapeText(x.label)}</text>`);
  parts.push(`<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeText(labels.yLabel)}</text>`);
  if (empty) parts.push(`<text x="${MARGIN.left + PLOT_W / 2}" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" fill="#6b7280">no data</text>`);
  else parts.push(body(sx, sy));
  parts.push('</svg>');
  return parts.join('');
}

/** Invisible hover targets on a line's points, so a reader can read exact values. */
function dots(points: readonly XY[], sx: (x: number) => number, sy: (y: number) => number, labels: ChartLabels): string {
  if (points.length > 500) return '';
  const fmtY = labels.formatY ?? String;
  return points
    .map((p) => `<circle cx="${r(sx(p.x))}" cy="${r(sy(p.y))}" r="3" fill="${SERIES}" fill-opacity="0.01"><title>${escapeText(`${fmtMs(p.x, 1_000)} s: ${fmtY(p.y)} ${labels.yLabel}`)}</title></circle>`)
    .join('');
}

function fmtMs(ms: number, unitMs: number): string {
  return String(Number((ms / unitMs).toFixed(2)));
}

/** Coordinates to 0.1 px: smaller files, identical output run after run. */
function r(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The largest value, at least `floor`; no spread, so 100,000 terminals cannot overflow the stack. */
function maxOf(values: readonly number[], floor: number): number {
  return values.reduce((m, v) => (v > m ? v : m), floor);
}
