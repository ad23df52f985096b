import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The fuzz entry point is run separately with a large case count (npm run fuzz).
    pool: 'forks',
  },
});
