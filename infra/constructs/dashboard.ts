/**
 * Dashboard: the fleet at a glance. Alarm states first, then the shards (stale, failed,
 * restarts, latency), the tasks (memory, CPU, count), the launch path (queue, dead letters) and
 * the control plane (Lambdas, API).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  engineLatencyP99Metric,
  ENGINE_LATENCY_TARGET_US,
  FLEET_METRIC,
  fleetMetric,
  restartsMetric,
  TASK_MEMORY_ALARM_PERCENT,
  taskCpuPercent,
  taskMemoryPercent,
} from '../fleet-metrics.js';
import type { FunctionName } from './control-plane.js';

export interface DashboardProps {
  alarms: cloudwatch.IAlarm[];
  functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  launchQueue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  restApi: apigateway.RestApi;
  clusterName: string;
  taskFamily: string;
  metricsService: string;
  /** The `service` dimension of this stack's engine metrics. */
  engineMetricsService: string;
}

export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const service = props.metricsService;
    const fns = Object.entries(props.functions) as [FunctionName, lambda.IFunction][];
    const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.IMetric) => fns.map(([, fn]) => metric(fn));
    const fiveMinutes = Duration.minutes(5);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-fleet`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24, height: 4 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Shards: active, stale, failed',
        left: [
          fleetMetric(FLEET_METRIC.activeShards, service, 'Maximum'),
          fleetMetric(FLEET_METRIC.staleShards, service, 'Maximum'),
          fleetMetric(FLEET_METRIC.failedShards, service, 'Sum'),
        ],
        right: [fleetMetric(FLEET_METRIC.heartbeatAgeMax, service, 'Maximum')],
        rightYAxis: { label: 'oldest heartbeat (s)', showUnits: false },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Restarts (per 5 minutes) and watchdog passes',
        left: [restartsMetric(service, fiveMinutes)],
        right: [fleetMetric(FLEET_METRIC.watchdogPasses, service, 'Sum', fiveMinutes)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Engine latency p99 (µs, worst shard)',
        left: [engineLatencyP99Metric(props.engineMetricsService)],
        leftAnnotations: [{ value: ENGINE_LATENCY_TARGET_US, label: 'target', color: cloudwatch.Color.RED }],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Task memory (% of reserved, fullest task)',
        left: [taskMemoryPercent(props.clusterName, props.taskFamily)],
        leftAnnotations: [{ value: TASK_MEMORY_ALARM_PERCENT, label: 'alarm', color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, max: 100 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Task CPU (% of reserved, busiest task)',
        left: [taskCpuPercent(props.clusterName, props.taskFamily)],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Running engine tasks',
        left: [
          new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'TaskCount',
            dimensionsMap: { ClusterName: props.clusterName },
            statistic: 'Maximum',
            period: Duration.minutes(1),
          }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Launch queue',
        left: [
          props.launchQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'waiting' }),
          props.launchQueue.metricApproximateNumberOfMessagesNotVisible({ statistic: 'Maximum', label: 'in flight or delayed' }),
        ],
        right: [props.launchQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: 'oldest (s)' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Launch dead letters',
        left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Lambda errors', left: perFunction((fn) => fn.metricErrors({ statistic: 'Sum', period: fiveMinutes })), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Lambda throttles',
        left: perFunction((fn) => fn.metricThrottles({ statistic: 'Sum', period: fiveMinutes })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p99',
        left: perFunction((fn) => fn.metricDuration({ statistic: 'p99', period: fiveMinutes })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [props.restApi.metricCount({ period: fiveMinutes, statistic: 'Sum' })],
        right: [props.restApi.metricClientError({ period: fiveMinutes }), props.restApi.metricServerError({ period: fiveMinutes })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency p99 (ms)',
        left: [props.restApi.metricLatency({ period: fiveMinutes, statistic: 'p99' })],
        width: 12,
      }),
    );
  }
}
