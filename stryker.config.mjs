// @ts-check
import { readFileSync } from 'node:fs';

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
/**
 * Stryker `mutate` entries (`file:first-last`, lines) for the named methods and functions of a
 * file, found by their declaration and the closing brace at its indentation, so the ranges follow
 * the code as it is edited. Throws, naming the file and the name, when one is not found.
 * @param {string} file
 * @param {string[]} names
 * @returns {string[]}
 */
function functionRanges(file, names) {
  const lines = readFileSync(file, 'utf8').split('\n');
  return names.map((name) => {
    // A class member at two spaces, or a top-level function (not a call, not a nested method).
    const declaration = new RegExp(`^(  (?:private |protected |public )?(?:static )?(?:async )?|(?:export )?(?:async )?function )${name}[<(]`);
    const start = lines.findIndex((line) => declaration.test(line));
    if (start < 0) throw new Error(`stryker.config.mjs: no function ${name} in ${file}`);
    const indent = lines[start].startsWith('  ') ? '  ' : '';
    const end = lines.findIndex((line, i) => i > start && line === `${indent}}`);
    if (end < 0) throw new Error(`stryker.config.mjs: no closing brace for ${name} (line ${start + 1}) in ${file}`);
    return `${file}:${start + 1}-${end + 1}`;
  });
}

/** The stores' fencing (generation) and compare-and-set (version) code. */
export const STORE_FENCING = [
  ...functionRanges('core/local/sqlite-campaign-store.ts', [
    'checkSameFile',
    'updateCampaign',
    'updateShard',
    'forTask',
    'heartbeat',
    'commit',
    'throwFenced',
    // The writer identity (d714eac): the claim on restore, the fence row read, who holds the shard.
    'claimAndRestore',
    'fenceOf',
    'holderBesides',
  ]),
  ...functionRanges('core/local/sqlite-schedule-store.ts', ['updateSchedule']),
  ...functionRanges('core/model/record-codec.ts', ['checkVersion']),
  'core/aws/dynamodb-commit.ts',
];

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: ['core/fleet/**/*.ts', 'core/schedule/**/*.ts', 'core/model/**/*.ts', ...STORE_FENCING],
  // The machine is shared: at most two sandboxes at once (each runs vitest with one worker).
  concurrency: 2,
  // Static mutants (module-level code: zod schemas, constants) cannot be traced to the tests that
  // cover them, so each would run every test (~60 s here): not run, counted in docs/mutation.md.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: '.stryker-tmp',
  // .venv: moto's virtualenv, made by the test command; its lib64 symlink to a folder broke the sandbox's copy (EISDIR).
  ignorePatterns: ['runs', 'cdk.out', 'coverage', 'reports', 'dist', 'engine-task/dist', '.tmp', '.venv'],
  thresholds: { high: 90, low: 85, break: 85 },
  // A mutant whose tests run longer than 1.5 × their time in the dry run plus this is booked as a
  // timeout, i.e. detected. Stryker's default (5 s) booked survivors as timeouts on this shared
  // machine: at a load of 15–25 the tests ran slower than in the dry run, and mutants that cannot
  // loop (a log line's text emptied, an event's detail key) "timed out" (docs/mutation.md). A minute
  // absorbs that; a mutant that truly loops costs a minute more, then a restart of the vitest worker.
  timeoutMS: 60_000,
};
