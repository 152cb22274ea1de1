import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`, `stryker.config.mjs`): the
 * in-process suites that exercise `core/fleet/`, `core/schedule/`, `core/model/` and the stores'
 * fencing and compare-and-set code, i.e. the unit suites, the contract suites of the embedded
 * adapters (SQLite store, in-memory ledger and queue), the fleet's services together over the real
 * SQLite store, in-memory queue, a scripted launcher and virtual time (`test/integration/fleet/`,
 * and the schedule routes through the API handler, `schedules-api.test.ts`: a function call, no
 * socket) and the deterministic simulation.
 *
 * Left out, because they leave the process: the AWS suites (they need moto over the wire), the
 * end-to-end, browser and multi-process SQLite suites (they spawn engines and browsers, which would
 * import the sandbox's code without Stryker's active mutant), the CDK template assertions
 * (`test/infra/`, nothing under mutation) and the integration suites over HTTP or a child process
 * (`test/integration/{api,cli,data,feed}` but `schedules-api.test.ts`).
 *
 * Order: the simulation last. Stryker runs only the tests that cover a mutant and vitest stops at
 * the first failure (`bail: 1`, set by Stryker), so a mutant a unit test kills never pays for the
 * 200 seeds.
 */
class SimulationLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const last = (spec: TestSpecification) => Number(spec.moduleId.includes('/test/sim/'));
    return [...files].sort((a, b) => last(a) - last(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

/**
 * The suites above, or only those named in `MUTATE_TESTS` (comma-separated globs, e.g.
 * `MUTATE_TESTS=test/unit/schedule/**,test/contract/schedule-store-sqlite.test.ts npx stryker run
 * --mutate core/schedule/cron-rule.ts`): one file's run against the few suites that cover it takes
 * minutes instead of the simulation's tens. A narrowed run can only kill fewer mutants, so its
 * score is a lower bound of the full set's; docs/mutation.md names the suites of each run.
 */
const ALL_SUITES = [
  'test/unit/**/*.test.ts',
  'test/contract/**/*.test.ts',
  'test/integration/fleet/**/*.test.ts',
  'test/integration/api/schedules-api.test.ts',
  'test/sim/**/*.test.ts',
];
const narrowed = process.env.MUTATE_TESTS?.split(',').filter((glob) => glob.trim() !== '');

export default defineConfig({
  test: {
    include: narrowed !== undefined && narrowed.length > 0 ? narrowed : ALL_SUITES,
    exclude: ['test/contract/sqlite-multiprocess.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    sequence: { sequencer: SimulationLastSequencer },
  },
});
