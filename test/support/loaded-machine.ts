/**
 * Deadlines for tests that wait on real processes and an emulator (the `aws` suites): a wait ends
 * as soon as its condition holds, so a long deadline costs nothing on an idle machine, and its only
 * job is to end a test whose condition will never hold. They are set for a heavily loaded machine
 * (load average 8 to 17 on 2 cores, where engines took tens of seconds to start and moto seconds
 * per call), never to judge speed: timings belong in `npm run bench`.
 */

/** How long a test waits for one condition (an engine heartbeating, a restart, a message). */
export const CONDITION_DEADLINE_MS = 120_000;

/** A test's own timeout when it waits on a few such conditions in turn. */
export const LOADED_TEST_TIMEOUT_MS = 4 * CONDITION_DEADLINE_MS;
