import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // HIL needs a radio on the desk; it has its own config and command (npm run test:hil).
    exclude: ['test/hil/**', 'node_modules/**'],
    pool: 'forks',
    // The shared mosquitto on :1883: a clear failure naming it, not a hundred ECONNREFUSEDs.
    globalSetup: ['./test/helpers/broker-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The default output, then what did not run and why (under CI a skip fails the run).
    reporters: ['default', './test/helpers/skip-reporter.ts'],
  },
});
