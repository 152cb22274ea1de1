/**
 * Schedules: EventBridge rules that drive the control plane. `scheduler` and `watchdog` every
 * minute, `reporter` every 5 minutes, and every ECS Task State Change to STOPPED in this cluster
 * straight to `task-events` (the watchdog's immediate path; its minute pass is the safety net).
 */
import { Duration } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FunctionName } from './control-plane.js';

export interface SchedulesProps {
  functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  cluster: ecs.ICluster;
}

export class Schedules extends Construct {
  readonly schedulerRule: events.Rule;
  readonly watchdogRule: events.Rule;
  readonly reporterRule: events.Rule;
  readonly taskStoppedRule: events.Rule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const { functions } = props;
    // A missed tick is worth nothing a minute later: the next tick does the same work.
    const tick = (fn: lambda.IFunction, maxEventAge: Duration) => new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge });

    this.schedulerRule = new events.Rule(this, 'SchedulerRule', {
      description: 'arbfleet scheduler: every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [tick(functions.scheduler, Duration.minutes(1))],
    });
    this.watchdogRule = new events.Rule(this, 'WatchdogRule', {
      description: 'arbfleet watchdog: every minute, several passes per invocation (ARBFLEET_WATCHDOG_INTERVAL_SEC)',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [tick(functions.watchdog, Duration.minutes(1))],
    });
    this.reporterRule = new events.Rule(this, 'ReporterRule', {
      description: 'arbfleet reporter: every 5 minutes',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [tick(functions.reporter, Duration.minutes(5))],
    });
    this.taskStoppedRule = new events.Rule(this, 'TaskStoppedRule', {
      description: 'arbfleet task events: ECS Task State Change to STOPPED in this cluster',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [props.cluster.clusterArn], lastStatus: ['STOPPED'] },
      },
      // Stop events are worth delivering late (the handler is idempotent): keep EventBridge's retries.
      targets: [new targets.LambdaFunction(functions['task-events'], { retryAttempts: 20, maxEventAge: Duration.hours(2) })],
    });
  }
}
