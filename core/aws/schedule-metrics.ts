/**
 * The schedules' metric, as CloudWatch Embedded Metric Format through Powertools' `Metrics` (the
 * way `emf-metrics.ts` publishes the fleet's): `MissedOccurrences` (Count, dimension `service`
 * only), written each time a scheduler tick records occurrences as missed (found later than their
 * `catchupWindow`), and written as 0 on every tick so its series exists before the first miss. The
 * schedule's id is a property of the line (searchable with Logs Insights), never a dimension.
 * The stack's `MissedOccurrences` alarm reads it.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduleEvents } from '../schedule/schedule-service.js';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_METRICS_SERVICE } from './emf-metrics.js';

export const SCHEDULE_METRIC = { missedOccurrences: 'MissedOccurrences' } as const;

export interface ScheduleMetrics extends ScheduleEvents {
  /** One line with `MissedOccurrences` = 0: a scheduler tick completed. */
  publishTick(at: number): void;
}

/** The schedules' metrics in `namespace` with the dimension `service` (defaults: the environment the stack sets). */
export function scheduleMetrics(
  namespace: string = process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
  service: string = process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_METRICS_SERVICE,
): ScheduleMetrics {
  const metrics = new Metrics({ namespace, serviceName: service });
  const line = (at: number, count: number, scheduleId?: string): void => {
    metrics.setTimestamp(Math.round(at));
    if (scheduleId !== undefined) metrics.addMetadata('scheduleId', scheduleId);
    metrics.addMetric(SCHEDULE_METRIC.missedOccurrences, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  };
  return {
    missed: (scheduleId, count, at) => line(at, count, scheduleId),
    publishTick: (at) => line(at, 0),
  };
}
