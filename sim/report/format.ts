/**
 * How the reports write numbers for people: durations in ms / s / min / h, rates in bit/s
 * with SI prefixes, counts with thousands separators. Locale-free on purpose, so a report
 * reads the same on every machine and tests can compare it.
 */

/** 850 ms · 12.3 s · 4 min 05 s · 1 h 02 min; "–" for null (never happened). */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const totalS = Math.round(ms / 1_000);
  if (totalS < 3_600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, '0')} s`;
  const totalMin = Math.round(ms / 60_000);
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

/** 950 bit/s · 12.5 kbit/s · 1.20 Mbit/s. */
export function formatBitsPerS(bitsPerS: number): string {
  if (bitsPerS < 1_000) return `${Math.round(bitsPerS)} bit/s`;
  if (bitsPerS < 1_000_000) return `${(bitsPerS / 1_000).toFixed(1)} kbit/s`;
  return `${(bitsPerS / 1_000_000).toFixed(2)} Mbit/s`;
}

/** 61500 → "61,500". */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+$)/g, ',');
}

/** A ratio to two decimals; "–" for null. */
export function formatRatio(r: number | null): string {
  return r === null ? '–' : r.toFixed(2);
}

/** Axis ticks: 950 · 200k · 1.5M · 2G (up to three significant figures, no trailing zeros). */
export function formatSI(n: number): string {
  const abs = Math.abs(n);
  const [divisor, suffix] = abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((n / divisor).toPrecision(3))}${suffix}`;
}
