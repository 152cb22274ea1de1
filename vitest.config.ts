import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './vitest.sequencer.js';

const IN_PROCESS = [
  'test/unit/**/*.test.ts',
  'test/infra/**/*.test.ts',
  'test/contract/**/*.test.ts',
  'test/integration/{api,cli,data,feed,fleet}/**/*.test.ts',
  'test/sim/**/*.test.ts',
];

/**
 * Four projects, all sharing one pool of workers, all files side by side:
 * - `unit`: the in-process suites (unit, contract, infra assertions, integration over loopback
 *   HTTP, the simulation), without isolation between files, so a worker imports the AWS SDK, CDK
 *   and zod once rather than once per file (the imports took 252 s of 149 s wall for these 71 files
 *   isolated, 79 s of 70 s shared). Their state is per test: temp folders, stores, servers.
 * - `e2e`: real processes, signals and campaigns in real time, one module graph per file; its
 *   global setup makes the engine bundle fresh (the engines run it, as the image does).
 * - `browser`: once its global setup has made sure Debian's Chromium is installed
 *   (scripts/system-tools.sh).
 * - `aws`: adapters and handlers over the wire. Its global setup starts one moto server per worker
 *   (or uses AWS_ENDPOINT_URL); each suite leases one for itself and resets it (setup file).
 */
export default defineConfig({
  test: {
    // The end-to-end suites mostly wait on real campaigns in real time (little CPU), so more files
    // than cores run at once: three fleet suites took 64 s with one worker, 37 s with three here.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: IN_PROCESS, isolate: false } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/setup/engine-bundle.ts'] } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/browser/chromium-setup.ts'] } },
      {
        extends: true,
        test: {
          name: 'aws',
          include: ['test/integration/aws/**/*.test.ts'],
          globalSetup: ['test/setup/aws-emulator.ts', 'test/setup/engine-bundle.ts'],
          setupFiles: ['test/setup/aws-suite.ts'],
        },
      },
    ],
  },
});
