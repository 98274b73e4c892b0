import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Suites start real HTTP simulators and databases; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
});
