/**
 * A worker thread of `npm run sim`: runs the seeds it is given (`workerData`: first, count, step)
 * and posts one message per seed: its seed, violations and trace hash.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed } from './simulation.js';

const { first, count, step } = workerData as { first: number; count: number; step: number };
for (let i = 0; i < count; i++) {
  const seed = first + i * step;
  const result = await runSeed(seed);
  parentPort?.postMessage({ seed, violations: result.violations, traceHash: result.traceHash });
}
