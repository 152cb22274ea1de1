/**
 * The arbfleet stack: state, fleet, control plane, API, schedules, alarms and dashboard, each a
 * construct of its own (`infra/constructs/`), wired here and nowhere else.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { engineMetricsService, METRICS_NAMESPACE } from './fleet-metrics.js';
import { Alarms } from './constructs/alarms.js';
import { Api } from './constructs/api.js';
import { ControlPlane } from './constructs/control-plane.js';
import { Dashboard } from './constructs/dashboard.js';
import { Fleet } from './constructs/fleet.js';
import { Schedules } from './constructs/schedules.js';
import { State } from './constructs/state.js';
import { tablePrefixOf, type StackSettings } from './stack-settings.js';

export interface ArbfleetStackProps extends StackProps {
  settings: StackSettings;
}

export class ArbfleetStack extends Stack {
  readonly state: State;
  readonly fleet: Fleet;
  readonly controlPlane: ControlPlane;
  readonly api: Api;
  readonly schedules: Schedules;
  readonly alarms: Alarms;
  readonly dashboard: Dashboard;
  /** `<stackName>-`: the tables are `<prefix><logicalName>`, the engine's store is `dynamodb:<prefix>`. */
  readonly tablePrefix: string;

  constructor(scope: Construct, id: string, props: ArbfleetStackProps) {
    super(scope, id, {
      ...props,
      stackName: props.settings.stackName,
      description: props.description ?? 'arbfleet: trading-engine campaigns as a fleet of watched, restartable Fargate tasks',
    });
    const { settings } = props;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;
    this.tablePrefix = tablePrefixOf(this.stackName);
    // The `service` dimension of the EMF metrics: one per stack, so two deployments in an account never mix.
    const metricsService = this.stackName;
    const engineService = engineMetricsService(metricsService);

    this.state = new State(this, 'State', { tablePrefix: this.tablePrefix, destroyTables: settings.destroyTables });
    this.fleet = new Fleet(this, 'Fleet', {
      state: this.state,
      tablePrefix: this.tablePrefix,
      metricsNamespace: METRICS_NAMESPACE,
      metricsService: engineService,
      ...(settings.vpcId ? { vpcId: settings.vpcId } : {}),
      vpcEndpoints: settings.vpcEndpoints,
      taskEgress: settings.taskEgress,
      taskCpu: settings.taskCpu,
      taskMemoryMiB: settings.taskMemoryMiB,
      logRetention,
    });
    this.controlPlane = new ControlPlane(this, 'ControlPlane', {
      state: this.state,
      fleet: this.fleet,
      tablePrefix: this.tablePrefix,
      logRetention,
      reservedConcurrency: settings.reservedConcurrency,
      metricsService,
      metricsNamespace: METRICS_NAMESPACE,
      watchdogIntervalSec: settings.watchdogIntervalSec,
    });
    const { functions } = this.controlPlane;
    this.api = new Api(this, 'Api', {
      handler: functions.api,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      logRetention,
      accountRole: settings.apiGatewayAccountRole,
    });
    this.schedules = new Schedules(this, 'Schedules', { functions, cluster: this.fleet.cluster });
    const taskFamily = this.fleet.taskDefinition.family;
    this.alarms = new Alarms(this, 'Alarms', {
      functions,
      deadLetterQueue: this.controlPlane.deadLetterQueue,
      clusterName: this.fleet.cluster.clusterName,
      taskFamily,
      metricsService,
      engineMetricsService: engineService,
      restartThreshold: settings.restartAlarmThreshold,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      alarms: this.alarms.alarms,
      functions,
      launchQueue: this.controlPlane.launchQueue,
      deadLetterQueue: this.controlPlane.deadLetterQueue,
      restApi: this.api.restApi,
      clusterName: this.fleet.cluster.clusterName,
      taskFamily,
      metricsService,
      engineMetricsService: engineService,
    });

    new CfnOutput(this, 'TablePrefix', { value: this.tablePrefix, description: 'DynamoDB table prefix (tables are <prefix><logicalName>)' });
    new CfnOutput(this, 'ReportBucketName', {
      value: this.state.reportBucket.bucketName,
      description: 'Campaign reports: <campaignId>/report.json|md|html, events.jsonl',
    });
    new CfnOutput(this, 'ClusterArn', { value: this.fleet.cluster.clusterArn });
    new CfnOutput(this, 'TaskDefinitionArn', { value: this.fleet.taskDefinition.taskDefinitionArn });
    new CfnOutput(this, 'EngineImagePrefix', {
      value: this.fleet.engineImagePrefix,
      description: 'engine.image must start with this (an ECR repository <stack>/… of this account and region) and be pinned by digest',
    });
    new CfnOutput(this, 'LaunchQueueUrl', { value: this.controlPlane.launchQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.controlPlane.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'EngineLogGroupName', { value: this.fleet.engineLogGroup.logGroupName });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
  }
}
