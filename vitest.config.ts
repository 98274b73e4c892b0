import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships both ESM and CommonJS builds; Vite would pick the ESM one for our code while
    // graphql-yoga and graphql-tools load the CommonJS one, and schemas would cross "realms".
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    // Latency suites (*.load.test.ts) measure the gateway's event loop, so they run on their own after the rest
    // (`npm run test:load`, part of `npm test`), not beside another worker's load.
    include: process.env.LOAD_TESTS === '1' ? ['**/*.load.test.ts'] : ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', ...(process.env.LOAD_TESTS === '1' ? [] : ['**/*.load.test.ts'])],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Suites start real HTTP simulators and databases; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
});
