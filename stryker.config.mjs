// @ts-check
/**
 * Mutation testing (`npm run mutate`, docs/mutation.md): StrykerJS plants one bug at a time in the
 * fleet's decisions, the schedules, the model and the stores' fencing and compare-and-set code,
 * and runs the in-process suites of `vitest.mutate.config.ts` against each; a mutant no test
 * fails is a survivor, read one by one in docs/mutation.md.
 *
 * Not part of `npm test` (it takes tens of minutes on this 2-core machine, see docs/mutation.md).
 * Incremental: `reports/mutation/incremental.json` (git-ignored) keeps each mutant's result keyed
 * by the code and tests it ran against, so a rerun only tests mutants whose code or covering tests
 * changed; `npm run mutate -- --force` retests everything.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'core/fleet/**/*.ts',
    'core/schedule/**/*.ts',
    'core/model/**/*.ts',
  ],
  // The machine is shared: at most two sandboxes at once (each runs vitest with one worker).
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['runs', 'cdk.out', 'coverage', 'reports', 'dist', 'engine-task/dist', '.tmp'],
  thresholds: { high: 90, low: 85, break: 85 },
  timeoutMS: 10_000,
};
