/**
 * `scheduler` Lambda (EventBridge, every minute): starts due campaigns, ends campaigns at their
 * maximum runtime, completes them when every shard is terminal; then starts the runs of the
 * schedules that are due (`scheduler-schedules.ts`), recording missed occurrences as the
 * `MissedOccurrences` metric. The report is stored by `reporter`.
 * One campaign or schedule that cannot advance never stops the others: it is logged, returned in
 * `failed`, and tried again on the next tick.
 */
import { scheduleMetrics, type ScheduleMetrics } from '../core/aws/schedule-metrics.js';
import type { SchedulerTick } from '../core/fleet/scheduler-service.js';
import type { ScheduleTick } from '../core/schedule/schedule-service.js';
import type { Context } from 'aws-lambda';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';
import { correlationIdOf } from './lambda-log.js';
import { scheduleServiceFor } from './scheduler-schedules.js';

export async function runScheduler(runtime: FleetRuntime, metrics: ScheduleMetrics = sharedMetrics()): Promise<SchedulerTick & { schedules: ScheduleTick }> {
  const tick = await runtime.scheduler.tick();
  if (tick.finished.length > 0) runtime.context.log.log('info', 'campaigns finished', { finished: tick.finished });
  const schedules = await scheduleServiceFor(runtime, metrics).tick();
  metrics.publishTick(runtime.context.clock.now());
  if (schedules.started.length > 0) runtime.context.log.log('info', 'schedule runs started', { started: schedules.started });
  return { ...tick, schedules };
}

let metricsOfProcess: ScheduleMetrics | undefined;
function sharedMetrics(): ScheduleMetrics {
  metricsOfProcess ??= scheduleMetrics();
  return metricsOfProcess;
}

/** Every line logged during a tick carries the scheduled EventBridge event's id as `correlation_id`. */
export const handler = async (event?: unknown, context?: Context): Promise<SchedulerTick & { schedules: ScheduleTick }> => {
  const runtime = fleetRuntime();
  return runtime.log.correlated(correlationIdOf(event), () => runScheduler(runtime), context);
};
