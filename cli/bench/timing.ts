/** Repeats `work` until `durationMs` has passed (after a short warm-up) and reports the rate. */
export async function measureRate(durationMs: number, work: () => unknown | Promise<unknown>): Promise<{ operations: number; seconds: number }> {
  const warmUntil = performance.now() + Math.min(200, durationMs / 5);
  while (performance.now() < warmUntil) await work();
  let operations = 0;
  const start = performance.now();
  const end = start + durationMs;
  // Check the clock every few operations, not every one, so the timing cost stays negligible.
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) await work();
    operations += 16;
  }
  return { operations, seconds: (performance.now() - start) / 1000 };
}

export function measureRateSync(durationMs: number, work: () => unknown): { operations: number; seconds: number } {
  const warmUntil = performance.now() + Math.min(200, durationMs / 5);
  while (performance.now() < warmUntil) work();
  let operations = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) work();
    operations += 16;
  }
  return { operations, seconds: (performance.now() - start) / 1000 };
}
