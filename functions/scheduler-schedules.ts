/**
 * The schedules on AWS: the same `ScheduleService` as `arbfleet serve`, over the DynamoDB store
 * and the Lambdas' campaign service. The `scheduler` Lambda ticks it every minute (after the
 * campaign clock) and the `api` Lambda serves `/schedules` with it.
 *
 * Why the scheduler Lambda and not one EventBridge Scheduler schedule per arbfleet schedule: the
 * Lambda already runs every minute, single-flight; the occurrence claim (a compare-and-set on the
 * schedule's `nextRunAt` in DynamoDB) is the same code as locally, so exactly-once, overlap,
 * catch-up and pause behave identically everywhere; and the stack's IAM stays as it is (no
 * scheduler:CreateSchedule/DeleteSchedule and iam:PassRole at runtime, no second copy of each
 * schedule to keep in step with the table). The cost: an occurrence starts within the minute
 * after it is due (plus `jitter`), not at the second.
 */
import type { scheduleMetrics } from '../core/aws/schedule-metrics.js';
import { ScheduleService } from '../core/schedule/schedule-service.js';
import type { FleetRuntime } from './fleet-runtime.js';

/** The schedule service of a runtime; missed occurrences are published as `MissedOccurrences` when `metrics` is given. */
export function scheduleServiceFor(runtime: FleetRuntime, metrics?: ReturnType<typeof scheduleMetrics>): ScheduleService {
  return new ScheduleService({
    schedules: runtime.scheduleStore,
    store: runtime.store,
    campaigns: runtime.campaigns,
    clock: runtime.context.clock,
    log: runtime.context.log,
    ...(metrics ? { events: metrics } : {}),
  });
}
