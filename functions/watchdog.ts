/**
 * `watchdog` Lambda (EventBridge, every minute): several passes of the same watchdog policy the
 * local fleet runs, `ARBFLEET_WATCHDOG_INTERVAL_SEC` apart (15 s by default: 4 passes a minute;
 * `core/fleet/watchdog-cadence.ts`), each over the index of active shards and each followed by the
 * fleet's gauges as EMF metrics. A pass that would not finish before the invocation's timeout is
 * left to the next invocation.
 */
import type { Context } from 'aws-lambda';
import { publishFleetGauges } from '../core/aws/emf-metrics.js';
import { DEFAULT_WATCHDOG_INTERVAL_SEC, passFits, passOffsetsMs, WATCHDOG_INTERVALS_SEC, type WatchdogIntervalSec } from '../core/fleet/watchdog-cadence.js';
import { ValidationError } from '../core/errors.js';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';
import { correlationIdOf } from './lambda-log.js';

/** One pass: verdicts counted by kind, gauges published. */
export async function runWatchdog(runtime: FleetRuntime): Promise<{ verdicts: Record<string, number> }> {
  const results = await runtime.watchdog.pass();
  const verdicts: Record<string, number> = {};
  for (const { verdict } of results) verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  publishFleetGauges(await runtime.store.listActiveShards(), runtime.context.clock.now());
  return { verdicts };
}

/**
 * Fails the shards whose launch was dead-lettered (`WatchdogService.failDeadLetteredLaunches`),
 * once per invocation. A failure to read is logged and leaves the passes to run: the overdue-launch
 * rule still catches those shards, later.
 */
async function failDeadLettered(runtime: FleetRuntime): Promise<void> {
  try {
    await runtime.watchdog.failDeadLetteredLaunches();
  } catch (error) {
    runtime.context.log.log('error', 'watchdog: dead letters not read', { error: error instanceof Error ? error.message : String(error) });
  }
}

export interface WatchdogInvocation {
  intervalSec: WatchdogIntervalSec;
  /** Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis`). */
  remainingMs(): number;
  sleep(ms: number): Promise<void>;
  /** A monotonic clock in ms (`performance.now`). */
  elapsedMs(): number;
}

/** The passes of one invocation, as planned by `passOffsetsMs`, while they fit in its time. */
export async function runWatchdogPasses(runtime: FleetRuntime, invocation: WatchdogInvocation): Promise<{ passes: { verdicts: Record<string, number> }[] }> {
  const start = invocation.elapsedMs();
  await failDeadLettered(runtime);
  const passes: { verdicts: Record<string, number> }[] = [];
  let slowestMs = 0;
  for (const offset of passOffsetsMs(invocation.intervalSec)) {
    const waitMs = Math.max(0, start + offset - invocation.elapsedMs());
    if (!passFits(waitMs, invocation.remainingMs(), slowestMs)) break;
    if (waitMs > 0) await invocation.sleep(waitMs);
    const began = invocation.elapsedMs();
    passes.push(await runWatchdog(runtime));
    slowestMs = Math.max(slowestMs, invocation.elapsedMs() - began);
  }
  return { passes };
}

/** The cadence from the environment the stack sets; a bad value is a deploy mistake, named. */
export function watchdogIntervalSec(env: NodeJS.ProcessEnv = process.env): WatchdogIntervalSec {
  const text = env.ARBFLEET_WATCHDOG_INTERVAL_SEC;
  if (text === undefined || text === '') return DEFAULT_WATCHDOG_INTERVAL_SEC;
  const value = Number(text);
  if (!(WATCHDOG_INTERVALS_SEC as readonly number[]).includes(value)) {
    throw new ValidationError(
      [
        {
          path: 'ARBFLEET_WATCHDOG_INTERVAL_SEC',
          message: `expected one of ${WATCHDOG_INTERVALS_SEC.join(', ')} (seconds dividing a minute), found "${text}"`,
        },
      ],
      'Lambda environment',
    );
  }
  return value as WatchdogIntervalSec;
}

/** Every line logged during the invocation carries the scheduled EventBridge event's id as `correlation_id`. */
export const handler = async (event: unknown, context?: Context): Promise<{ passes: { verdicts: Record<string, number> }[] }> => {
  const runtime = fleetRuntime();
  // Invoked without a Lambda context (a script, by hand): one pass, not a minute of them.
  if (!context) {
    return runtime.log.correlated(correlationIdOf(event), async () => {
      await failDeadLettered(runtime);
      return { passes: [await runWatchdog(runtime)] };
    });
  }
  const passes = () =>
    runWatchdogPasses(runtime, {
      intervalSec: watchdogIntervalSec(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      elapsedMs: () => performance.now(),
    });
  return runtime.log.correlated(correlationIdOf(event), passes, context);
};
