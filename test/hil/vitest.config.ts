import { defineConfig } from 'vitest/config';

/**
 * Hardware-in-the-loop: tests against a real NCP. Point HIL_PORT at it (a device path or
 * tcp://host:port), optionally HIL_BOARD at a profile in boards/; without HIL_PORT the suite runs
 * against `hub sim` (global-setup.ts). One radio serves every file, so files run one after another.
 */
export default defineConfig({
  test: {
    include: ['test/hil/**/*.test.ts'],
    globalSetup: ['test/hil/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
