/**
 * Alarms: everything that means "a shard may be stopping silently" or "the control plane is not
 * doing its job" notifies one SNS topic (encrypted, e-mail subscription optional). Missing data
 * is not breaching for the alarms on events and gauges (an idle fleet has no restarts), with one
 * exception that watches the watcher: `WatchdogSilent` breaches when no watchdog pass completed
 * for 3 minutes, missing data included, so a watchdog that stopped running cannot look healthy.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  engineLatencyP99Metric,
  ENGINE_LATENCY_TARGET_US,
  FLEET_METRIC,
  fleetMetric,
  restartsMetric,
  TASK_MEMORY_ALARM_PERCENT,
  taskMemoryPercent,
} from '../fleet-metrics.js';
import { SCHEDULE_METRIC } from '../../core/aws/schedule-metrics.js';
import type { FunctionName } from './control-plane.js';

export interface AlarmsProps {
  functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  deadLetterQueue: sqs.IQueue;
  clusterName: string;
  taskFamily: string;
  /** The `service` dimension of the fleet's EMF metrics. */
  metricsService: string;
  /** The `service` dimension of this stack's engine metrics. */
  engineMetricsService: string;
  restartThreshold: number;
  alarmEmail?: string;
}

export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic under the AWS-managed aws/sns key: a key of our own lets it.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'arbfleet alarm topic encryption (CloudWatch alarms may use it)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'arbfleet alarms', masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const service = props.metricsService;
    this.add('StaleShards', {
      alarmDescription: 'A shard has been stale (no heartbeat or no progress) for 3 minutes in a row: the watchdog is not recovering it.',
      metric: fleetMetric(FLEET_METRIC.staleShards, service, 'Maximum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
    });
    this.add(
      'WatchdogSilent',
      {
        alarmDescription:
          'No watchdog pass completed for 3 minutes: stalls and silent deaths are not being detected (schedule disabled, Lambda failing or throttled).',
        metric: fleetMetric(FLEET_METRIC.watchdogPasses, service, 'Sum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
      },
      cloudwatch.TreatMissingData.BREACHING,
    );
    this.add('RestartRate', {
      alarmDescription: `At least ${props.restartThreshold} shard restarts within 15 minutes: something keeps killing or stalling tasks.`,
      metric: restartsMetric(service, Duration.minutes(15)),
      threshold: props.restartThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('StoreUnavailable', {
      alarmDescription:
        "The campaign store was busy or unreachable: an engine gave up on it (STORE_UNAVAILABLE restart: DynamoDB throttling, a network fault) or the watchdog's store probe failed during mass staleness. Not an engine crash: look at the table's throttling and the network.",
      metric: fleetMetric(FLEET_METRIC.storeUnavailable, service, 'Sum', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('MassStaleness', {
      alarmDescription:
        "Most of a campaign's shards read stale in one watchdog pass: the watchdog checked the store and itself first and is restarting them at a bounded rate (watchdog.massRestartsPerPass). Suspect the store, the network or the watchdog before the engines.",
      metric: fleetMetric(FLEET_METRIC.massStaleness, service, 'Sum', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('FailedShards', {
      alarmDescription: 'A shard FAILED (restart budget spent or unrecoverable): its symbols are no longer traded.',
      metric: fleetMetric(FLEET_METRIC.failedShards, service, 'Maximum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('MissedOccurrences', {
      alarmDescription:
        'A schedule occurrence was missed (found later than its catchupWindow: the scheduler Lambda did not run in time): a recurring campaign did not run.',
      metric: fleetMetric(SCHEDULE_METRIC.missedOccurrences, service, 'Sum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('LaunchDeadLetters', {
      alarmDescription: 'Launch messages reached the dead-letter queue: some shard generation was never launched.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('EngineLatencyP99', {
      alarmDescription: `Engine p99 tick-to-decision latency above ${ENGINE_LATENCY_TARGET_US} µs for 3 of the last 5 minutes.`,
      metric: engineLatencyP99Metric(props.engineMetricsService),
      threshold: ENGINE_LATENCY_TARGET_US,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    this.add('TaskMemory', {
      alarmDescription: `An engine task uses more than ${TASK_MEMORY_ALARM_PERCENT}% of its memory for 3 minutes (Container Insights, fullest task of the family).`,
      metric: taskMemoryPercent(props.clusterName, props.taskFamily),
      threshold: TASK_MEMORY_ALARM_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    for (const [name, fn] of Object.entries(props.functions) as [FunctionName, lambda.IFunction][]) {
      const id = name
        .split('-')
        .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
        .join('');
      this.add(`${id}Errors`, {
        alarmDescription: `The ${name} Lambda failed at least once in 5 minutes.`,
        metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.add(`${id}Throttles`, {
        alarmDescription: `The ${name} Lambda was throttled at least once in 5 minutes.`,
        metric: fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }

  private add(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'treatMissingData'>,
    treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, { alarmName: `${Stack.of(this).stackName}-${id}`, ...props, treatMissingData });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
