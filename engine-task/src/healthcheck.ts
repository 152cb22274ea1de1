/**
 * The container's HEALTHCHECK: healthy while the engine's progress file shows ticks moving.
 * A heartbeat timer that still fires over a frozen tick counter is exactly the seed report's
 * stall, so this checks progress, not liveness. Exit 0 healthy, 1 unhealthy (one-line reason).
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../../core/clock.js';

/** Judges a progress file's content at `now`: undefined when healthy, else the reason. */
export function healthProblem(text: string | undefined, now: number, staleAfterSec: number): string | undefined {
  if (text === undefined) return 'no progress file yet';
  let progressAt: unknown;
  try {
    progressAt = (JSON.parse(text) as { progressAt?: unknown }).progressAt;
  } catch {
    return 'progress file is not JSON';
  }
  if (typeof progressAt !== 'number') return 'progress file has no progressAt';
  const age = (now - progressAt) / 1000;
  return age > staleAfterSec ? `no progress for ${age.toFixed(1)}s (limit ${staleAfterSec}s)` : undefined;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

if (process.argv[1]?.endsWith('healthcheck.mjs') || process.argv[1]?.endsWith('healthcheck.ts')) {
  const file = process.env.ARBFLEET_HEALTH_FILE ?? '/tmp/arbfleet-health.json';
  const problem = healthProblem(readOptional(file), systemClock.now(), Number(process.env.ARBFLEET_HEALTH_STALE_SEC ?? 60));
  if (problem) {
    process.stderr.write(`unhealthy: ${problem}\n`);
    process.exit(1);
  }
}
