/**
 * The one output format every `fairway bench` shares: with --json one line per figure,
 * `{"bench":NAME,"metric":M,"value":N,"unit":U}`; without it a readable table.
 */
export interface Figure {
  metric: string;
  value: number;
  unit: string;
}

export function printFigures(bench: string, figures: Figure[], json: boolean, write: (line: string) => void = (l) => process.stdout.write(l)): void {
  if (json) {
    for (const f of figures) write(`${JSON.stringify({ bench, metric: f.metric, value: f.value, unit: f.unit })}\n`);
    return;
  }
  const width = Math.max(...figures.map((f) => f.metric.length));
  write(`${bench}\n`);
  for (const f of figures) write(`  ${f.metric.padEnd(width)}  ${f.value.toLocaleString('en-US')} ${f.unit}\n`);
}

/** Rounds to three significant figures so the JSON stays readable and stable. */
export function round3(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(digits));
}
