/**
 * Hand-made RunResults for the report tests, with figures simple enough to check by hand:
 * twenty terminals whose times to first play are 1 s, 2 s … 20 s (one never plays), and so on.
 */
import type { RunResult, TerminalSummary } from '../../../../sim/report/run-result.js';

export function terminal(id: string, fields: Partial<TerminalSummary> = {}): TerminalSummary {
  return {
    id,
    preset: '4g',
    state: 'menu.idle',
    partsBought: 1,
    titlesFinished: 0,
    chargesMinor: 500,
    topUps: 0,
    drops: 0,
    powerLosses: 0,
    ttfpMs: 1_000,
    wholeTitleMs: null,
    bytesReceived: 0,
    linkUpMs: 0,
    linkBitsPerS: 1_000_000,
    ...fields,
  };
}

/** Terminals t01…t20 with ttfp i × 1 s and whole title i × 10 s; t21 never plays; two presets. */
export function exampleResult(overrides: Partial<RunResult> = {}): RunResult {
  const terminals = Array.from({ length: 20 }, (_, k) => {
    const i = k + 1;
    return terminal(`t${String(i).padStart(2, '0')}`, {
      preset: i <= 10 ? '4g' : 'edge',
      partsBought: 2,
      titlesFinished: i % 5 === 0 ? 1 : 0,
      chargesMinor: 950,
      topUps: i === 3 ? 1 : 0,
      drops: i % 4 === 0 ? 2 : 0,
      powerLosses: i === 7 ? 1 : 0,
      ttfpMs: i * 1_000,
      wholeTitleMs: i * 10_000,
      bytesReceived: 100_000,
      linkUpMs: 1_000,
      linkBitsPerS: 1_000_000,
    });
  });
  terminals.push(terminal('t21', { preset: 'edge', state: 'failed.linkDown', partsBought: 0, chargesMinor: 0, ttfpMs: null, drops: 5 }));
  const charges = terminals.slice(0, 20).flatMap((t, k) => [
    { atMs: 10_000 + k * 1_000, terminal: t.id, part: 'golf-h01', priceMinor: 500 },
    { atMs: 60_000 + k * 1_000, terminal: t.id, part: 'golf-h02', priceMinor: 450 },
  ]);
  charges.sort((a, b) => a.atMs - b.atMs);
  return {
    scenario: 'example',
    seed: 42,
    startedAt: '2026-12-02T18:00:00.000Z',
    virtualMs: 300_000,
    wallMs: 4_321,
    terminals,
    timeline: Array.from({ length: 30 }, (_, k) => ({
      atMs: (k + 1) * 10_000,
      goodputBitsPerS: 500_000 + k * 10_000,
      connected: 20,
      downloading: k < 10 ? 15 : 5,
      playing: k < 10 ? 2 : 15,
      drops: k % 3 === 0 ? 1 : 0,
      charges: k === 1 ? 10 : 0,
    })),
    charges,
    invariants: [
      { name: 'charged exactly once', held: true, detail: '40 receipts, 40 charges' },
      { name: 'balances never negative', held: true },
      { name: 'storage within limit', held: true },
    ],
    traceHash: 'ab'.repeat(32),
    reproduce: 'npx fairway sim run sim/scenarios/example.yaml --seed 42',
    ...overrides,
  };
}
