import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships both ESM and CommonJS builds; Vite would pick the ESM one for our code while
    // graphql-yoga and graphql-tools load the CommonJS one, and schemas would cross "realms".
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Suites start real HTTP simulators and databases; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
});
