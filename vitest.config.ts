import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const EXCLUDE = ['node_modules/**', 'dist/**'];
/**
 * Files that assert how soon /healthz answers while spansift works through a hostile request.
 * They run after the others, one at a time: on two cores, the test files beside them would
 * otherwise be what they measure.
 */
const LATENCY = ['tests/hostile/receiver-huge-attributes.test.ts', 'tests/hostile/regex-pathological.test.ts'];

export default defineConfig({
  // Tests import the SDK by its name, as users do, and get its source (not a build that may be older).
  resolve: { alias: { 'spansift/sdk': fileURLToPath(new URL('./sdk/src/index.ts', import.meta.url)) } },
  test: {
    // Each test file runs in its own process: one embedded ClickHouse engine per process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'spansift', include: ['**/*.test.ts'], exclude: [...EXCLUDE, ...LATENCY], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'latency', include: LATENCY, exclude: EXCLUDE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
