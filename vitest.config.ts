import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Serial-port and virtual-board tests open real ptys: keep files in separate processes.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    // Fails the run if it leaves mcu-gc* folders behind in os.tmpdir().
    globalSetup: ['./test/temp-leaks.ts'],
  },
});
