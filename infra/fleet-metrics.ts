/**
 * The fleet's CloudWatch metrics as the alarms and the dashboard read them. Names and dimensions
 * are those `core/aws/emf-metrics.ts` publishes (Powertools Metrics, EMF on stdout):
 * - fleet gauges (`StaleShards`, `ActiveShards`, `HeartbeatAgeMax`) and `WatchdogPasses`, from each
 *   watchdog pass: dimension `service` = the Lambdas' `POWERTOOLS_SERVICE_NAME` (the stack name);
 * - `Restarts` (dimensions `service` and `Cause`, one series per restart cause) and `FailedShards`
 *   (`service`), published the moment the watchdog or the task-events path decides them;
 * - engine metrics (`EngineLatencyP99Us`, …), from each task: `service` = `<stack name>-engine`
 *   (`engineMetricsService`), with and without `Campaign`, `Shard`.
 * An alarm only sees a series whose name and full dimension set match, so restarts are summed
 * over every cause with metric math and the engine latency is read with a Metrics Insights query
 * (one series per shard cannot be named in advance).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { engineMetricsService, FLEET_METRIC } from '../core/aws/emf-metrics.js';
import { RestartCauseSchema } from '../core/model/records.js';

export { engineMetricsService, FLEET_METRIC };

/** The namespace of every arbfleet EMF metric (`POWERTOOLS_METRICS_NAMESPACE` of the Lambdas and the engine). */
export const METRICS_NAMESPACE = 'Arbfleet';
/** The engine's latency target: p99 tick-to-decision under 10 ms. */
export const ENGINE_LATENCY_TARGET_US = 10_000;
/** Task memory (MemoryUtilized / MemoryReserved) above this percentage raises an alarm. */
export const TASK_MEMORY_ALARM_PERCENT = 80;

/** A fleet gauge (dimension `service` only). */
export function fleetMetric(name: string, service: string, statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service }, statistic, period });
}

/** Restarts of every cause, summed: one `Restarts` series per `Cause`, added up with metric math. */
export function restartsMetric(service: string, period: Duration): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  RestartCauseSchema.options.forEach((cause, i) => {
    usingMetrics[`r${i}`] = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: FLEET_METRIC.restarts,
      dimensionsMap: { service, Cause: cause },
      statistic: 'Sum',
      period,
    });
  });
  return new cloudwatch.MathExpression({
    // FILL: a cause with no data in a period counts 0 instead of blanking the sum.
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label: 'Restarts (all causes)',
    period,
  });
}

/**
 * The worst shard's engine latency p99 (µs): a Metrics Insights query over every
 * (Campaign, Shard) series this stack's engines publish (`engineService`), so new campaigns need
 * no new alarm and another stack's engines are never counted.
 */
export function engineLatencyP99Metric(engineService: string, period = Duration.minutes(1)): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SELECT MAX(${FLEET_METRIC.engineLatencyP99Us}) FROM SCHEMA("${METRICS_NAMESPACE}", Campaign, Shard, service) WHERE service = '${engineService}'`,
    usingMetrics: {},
    label: 'Engine latency p99 (µs), worst shard',
    period,
  });
}

/**
 * Memory of the engine tasks in percent of what they reserve, from Container Insights. Standalone
 * tasks (RunTask, no service) have no `AWS/ECS` MemoryUtilization (that one is per service);
 * Container Insights publishes `MemoryUtilized` and `MemoryReserved` per
 * (ClusterName, TaskDefinitionFamily), one data point per task, so the Maximum is the fullest task.
 */
export function taskMemoryPercent(clusterName: string, family: string, period = Duration.minutes(1)): cloudwatch.MathExpression {
  return reservedPercent('MemoryUtilized', 'MemoryReserved', clusterName, family, 'Task memory, % of reserved (fullest task)', period);
}

/** CPU of the engine tasks in percent of what they reserve (dashboard only). */
export function taskCpuPercent(clusterName: string, family: string, period = Duration.minutes(1)): cloudwatch.MathExpression {
  return reservedPercent('CpuUtilized', 'CpuReserved', clusterName, family, 'Task CPU, % of reserved (busiest task)', period);
}

function reservedPercent(utilized: string, reserved: string, clusterName: string, family: string, label: string, period: Duration): cloudwatch.MathExpression {
  const dimensionsMap = { ClusterName: clusterName, TaskDefinitionFamily: family };
  const metric = (metricName: string) => new cloudwatch.Metric({ namespace: 'ECS/ContainerInsights', metricName, dimensionsMap, statistic: 'Maximum', period });
  return new cloudwatch.MathExpression({
    expression: '100 * utilized / reserved',
    usingMetrics: { utilized: metric(utilized), reserved: metric(reserved) },
    label,
    period,
  });
}
