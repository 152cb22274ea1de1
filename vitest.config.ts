import { defineConfig } from 'vitest/config';

/**
 * Three projects: everything local runs files in parallel; the `browser` suites too, once their
 * global setup has made sure Debian's Chromium is installed (scripts/system-tools.sh); the `aws`
 * suites (adapters and handlers over the wire, against moto's server or the endpoint in
 * AWS_ENDPOINT_URL) share one emulator and run one file at a time so each can start from a clean
 * emulator.
 */
export default defineConfig({
  test: {
    // The end-to-end suites mostly wait on real campaigns in real time (little CPU), so more files
    // than cores run at once: three fleet suites took 64 s with one worker, 37 s with three here.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'local',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/aws/**', 'test/browser/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/chromium-setup.ts'],
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
