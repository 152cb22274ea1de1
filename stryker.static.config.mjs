// @ts-check
import base from './stryker.config.mjs';

/**
 * `stryker.config.mjs` with static mutants run (`ignoreStatic: false`), for files that are module-level
 * tables and schemas only (`core/exit-codes.ts`, `core/errors.ts`'s `ERROR_TABLE`,
 * `core/model/task-protocol.ts`): Stryker cannot tell which tests cover a static mutant and runs
 * every test for it, so this is run with `MUTATE_TESTS` narrowed to the suites that read the table
 * (docs/mutation.md), e.g. `MUTATE_TESTS=test/unit/error-family.test.ts npx stryker run
 * stryker.static.config.mjs --mutate core/exit-codes.ts`.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default { ...base, ignoreStatic: false };
