/**
 * A worker thread of `npm run sim`: runs the seeds it is given (`workerData`: first, count, step)
 * and posts one message per seed: its seed, violations, trace hash, and whether it spent a restart
 * budget, reached the overdue-launch deadline, or had schedule occurrences recorded missed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed, type SeedResult } from './simulation.js';

/** What a worker posts per seed (`npm run sim`'s main thread counts them). */
export type SeedSummary = Pick<SeedResult, 'seed' | 'violations' | 'traceHash'> &
  Pick<SeedResult['stats'], 'budgetExhausted' | 'launchDeadline' | 'unrunOccurrences' | 'massProbes' | 'skewedLost' | 'realRunner'>;

const { first, count, step, spawningLauncher } = workerData as { first: number; count: number; step: number; spawningLauncher: boolean };
for (let i = 0; i < count; i++) {
  const seed = first + i * step;
  const result = await runSeed(seed, { spawningLauncher });
  const { budgetExhausted, launchDeadline, unrunOccurrences, massProbes, skewedLost, realRunner } = result.stats;
  parentPort?.postMessage({
    seed,
    violations: result.violations,
    traceHash: result.traceHash,
    budgetExhausted,
    launchDeadline,
    unrunOccurrences,
    massProbes,
    skewedLost,
    realRunner,
  } satisfies SeedSummary);
}
