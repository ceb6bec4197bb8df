import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const EXCLUDE = ['node_modules/**', 'dist/**'];
/**
 * Files that measure what other test processes would change: how soon /healthz answers while
 * spansift works through a hostile request (on two cores, the files beside them would be what
 * they measure), and which pages of libchdb.so this process alone holds (another process
 * mapping the library shares them, and when it ends they become this process's own). They
 * run after the others, one at a time.
 */
const ALONE = ['tests/hostile/receiver-huge-attributes.test.ts', 'tests/hostile/regex-pathological.test.ts', 'collector/storage/code-pages.test.ts'];

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
      { extends: true, test: { name: 'spansift', include: ['**/*.test.ts'], exclude: [...EXCLUDE, ...ALONE], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, exclude: EXCLUDE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
