/**
 * The one seed every property test in a run draws from. `npm test` uses a fixed default so CI
 * is repeatable; FAIRWAY_SEED overrides it; `npm run fuzz` (FAIRWAY_FUZZ_RUNS set) draws a
 * fresh one and prints it, so any failure can be replayed with FAIRWAY_SEED=<seed>.
 */
const fuzzing = process.env.FAIRWAY_FUZZ_RUNS !== undefined;

export const seed: number = process.env.FAIRWAY_SEED
  ? Number(process.env.FAIRWAY_SEED)
  : fuzzing
    ? (Date.now() ^ (process.pid << 16)) >>> 0
    : 20_261_123;

/** Cases per property: 1,000 in `npm test`, FAIRWAY_FUZZ_RUNS (e.g. 100,000) when fuzzing. */
export const fuzzRuns: number = fuzzing ? Number(process.env.FAIRWAY_FUZZ_RUNS) : 1_000;

if (fuzzing) console.log(`fuzzing with FAIRWAY_SEED=${seed}, ${fuzzRuns} cases per property`);
