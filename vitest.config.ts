import { defineConfig } from 'vitest/config';

/**
 * Two projects: everything local runs files in parallel; the `aws` suites (adapters and handlers
 * over the wire, against moto's server or the endpoint in AWS_ENDPOINT_URL) share one emulator and
 * run one file at a time so each can start from a clean emulator.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'local',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/aws/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'aws',
          include: ['test/integration/aws/**/*.test.ts'],
          globalSetup: ['test/setup/aws-emulator.ts'],
          setupFiles: ['test/setup/aws-suite.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
