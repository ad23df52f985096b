import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The fuzz entry point is run separately with a large case count (npm run fuzz).
    pool: 'forks',
    // Two files at once even on two cores (vitest's default there is one): most files spend
    // their time waiting on child processes, sockets and timers, not on CPU. Measured on this
    // 2-core machine: 508 s with one worker, 362 s with two, the same 156 files passing.
    maxWorkers: 2,
  },
});
