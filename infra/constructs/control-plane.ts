/**
 * Control plane: the six Lambdas (`functions/*.ts`, bundled locally with esbuild: no Docker) and
 * the SQS launch queue with its dead-letter queue. Each function has its own role and log group.
 * Each role names the actions and resources that function's code path uses: its DynamoDB grants
 * come from `TABLE_ACCESS` (table or index, action by action, derived from what the handler and
 * the core services it calls make `DynamoDbCampaignStore` send), the rest from `FunctionAccess`.
 * `test/integration/aws/deployed-artifacts.test.ts` records the DynamoDB calls each bundle makes
 * on the emulator and checks every one against its role's statements, resource by resource.
 */
import * as path from 'node:path';
import { ArnFormat, type CfnElement, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { awsClientSettings, worstCallMs, type AwsClientSettings } from '../../core/aws/aws-clients.js';
import { DEFAULT_LAUNCH_ATTEMPTS, ECS_LAUNCHER_ACTIONS, launchBackoffBudgetMs } from '../../core/aws/ecs-task-launcher.js';
import { ENGINE_DEFINITION_CALLS } from '../../core/aws/engine-task-definitions.js';
import { ACTIVE_SHARDS_INDEX, LISTED_SCHEDULES_INDEX, LIVE_CAMPAIGNS_INDEX, TABLES } from '../../core/aws/table-design.js';
import { ENGINE_CONTAINER_NAME, imageDataFiles, REPO_ROOT, type Fleet } from './fleet.js';
import type { State, TableName } from './state.js';

/**
 * The Lambdas' runtime: the one Node.js line arbfleet ships on (package.json `engines.node`), as the
 * engine image's base (engine-task/Dockerfile) and the test run (scripts/node-runtime.mjs);
 * test/infra/runtime-line.test.ts keeps them equal. Node 24 is LTS to April 2028 (22: April 2027)
 * and the newest Node.js runtime CDK knows, so cdk-nag's AwsSolutions-L1 finds nothing to acknowledge.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild's target for the Lambda bundles: the runtime's line. */
export const LAMBDA_BUNDLE_TARGET = 'node24';

export type FunctionName = 'api' | 'scheduler' | 'launcher' | 'watchdog' | 'task-events' | 'reporter';

/**
 * The DynamoDB actions a role is granted, by IAM's names. A TransactWriteItems needs the action
 * of each of its parts on that part's table (Put → PutItem, Update → UpdateItem, Delete →
 * DeleteItem, ConditionCheck → ConditionCheckItem); BatchWriteItem is its own action.
 */
export type DynamoAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

/** A table, or one of its indexes named as its ARN ends (`<table>/index/<index>`). */
export type TableResource =
  | TableName
  | `campaigns/index/${typeof LIVE_CAMPAIGNS_INDEX}`
  | `shards/index/${typeof ACTIVE_SHARDS_INDEX}`
  | `schedules/index/${typeof LISTED_SCHEDULES_INDEX}`;

/** A role's DynamoDB grants: per table or index, the actions it may take there, and nowhere else. */
export type TableAccess = Readonly<Partial<Record<TableResource, readonly DynamoAction[]>>>;

const GET = 'dynamodb:GetItem';
const QUERY = 'dynamodb:Query';
const SCAN = 'dynamodb:Scan';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';
const DELETE = 'dynamodb:DeleteItem';
const BATCH_WRITE = 'dynamodb:BatchWriteItem';

/**
 * What each function's code path sends to DynamoDB, table by table (`DynamoDbCampaignStore`):
 * `getCampaign`/`getShard`/`getSchedule`/`readCheckpoint` GetItem; `listShards`, `listEvents`,
 * `readLedger`, `readHeartbeats` Query the table; `listLiveCampaigns`, `listActiveShards`,
 * `listSchedules` Query an index; `listCampaigns` Scans `campaigns`; `updateCampaign` and
 * `updateShard` UpdateItem (and GetItem after a lost compare-and-set); `createSchedule` and
 * `updateSchedule` GetItem then PutItem; `appendEvents` BatchWriteItem on `events`;
 * `createCampaign` one TransactWriteItems of shard Puts and campaign (+ `idem#` key) Puts, a
 * GetItem of the key or campaign when the create is split or loses a race, and DeleteItem of the
 * shards an early part of a split create wrote when the last part fails. No function changes a
 * campaign's idempotency key (the one `updateCampaign` that is a transaction, with a Delete on
 * `campaigns`), and none writes the ledger, checkpoints or heartbeats: only the engine's task role
 * does (`TASK_TABLE_ACTIONS` in fleet.ts). A grant here that a code path stops using is found by
 * reading; one it starts needing fails test/integration/aws/deployed-artifacts.test.ts when the
 * run takes that path (it prints the grants it never exercised).
 */
export const TABLE_ACCESS: Readonly<Record<FunctionName, TableAccess>> = {
  // CampaignService (create, get, stop, report) and ScheduleService (create, get, pause, resume,
  // trigger, delete) behind the routes, and the live page. List, live page and schedule views:
  // Scan of campaigns; trigger: live runs from the index, then a run's create and stops; report:
  // loadReportInput reads every table of the campaign; every change appends events.
  api: {
    campaigns: [GET, SCAN, PUT, UPDATE],
    [`campaigns/index/${LIVE_CAMPAIGNS_INDEX}`]: [QUERY],
    shards: [QUERY, PUT, DELETE],
    events: [QUERY, BATCH_WRITE],
    ledger: [QUERY],
    checkpoints: [GET],
    heartbeats: [QUERY],
    schedules: [GET, PUT],
    [`schedules/index/${LISTED_SCHEDULES_INDEX}`]: [QUERY],
  },
  // SchedulerService.tick over the live index: campaign transitions (UpdateItem), the shards of a
  // starting or stopping campaign (Query; UpdateItem when one ends without a task). Then
  // ScheduleService.tick over the listed schedules: claims (GetItem, PutItem), a run's campaign
  // create (the transaction, its rollback) and the previous run's stop. No Scan.
  scheduler: {
    campaigns: [GET, PUT, UPDATE],
    [`campaigns/index/${LIVE_CAMPAIGNS_INDEX}`]: [QUERY],
    shards: [GET, QUERY, PUT, UPDATE, DELETE],
    events: [BATCH_WRITE],
    schedules: [GET, PUT],
    [`schedules/index/${LISTED_SCHEDULES_INDEX}`]: [QUERY],
  },
  // LaunchService.handle: reads campaign and shard, records the launch on the shard, and on a
  // campaign's last launch lists its shards and marks it RUNNING.
  launcher: {
    campaigns: [GET, UPDATE],
    shards: [GET, QUERY, UPDATE],
    events: [BATCH_WRITE],
  },
  // WatchdogService: dead-lettered launches (GetItem, UpdateItem), passes over the active-shards
  // index (and the fleet gauges from it), each shard's campaign, verdicts on the shard (read again
  // consistently before a restart or fail), a failed campaign's other shards (Query).
  watchdog: {
    campaigns: [GET, UPDATE],
    shards: [GET, QUERY, UPDATE],
    [`shards/index/${ACTIVE_SHARDS_INDEX}`]: [QUERY],
    events: [BATCH_WRITE],
  },
  // WatchdogService.onTaskStopped: the watchdog's verdicts for one shard, without the index.
  'task-events': {
    campaigns: [GET, UPDATE],
    shards: [GET, QUERY, UPDATE],
    events: [BATCH_WRITE],
  },
  // storeReports: listCampaigns (Scan), loadReportInput and listEvents for each ended campaign,
  // then marks it reported (UpdateItem).
  reporter: {
    campaigns: [GET, SCAN, UPDATE],
    shards: [QUERY],
    events: [QUERY],
    ledger: [QUERY],
    checkpoints: [GET],
    heartbeats: [QUERY],
  },
};

/** What a function may do beyond writing its own logs and its `TABLE_ACCESS`. */
interface FunctionAccess {
  sendLaunches: boolean;
  /** `SqsLaunchQueue.deadLetters`: receive the dead-letter queue's messages and make them visible again. */
  readDeadLetters: boolean;
  /** `EcsTaskLauncher.stop` (its actions come from `ECS_LAUNCHER_ACTIONS.stop`: DescribeTasks, then StopTask). */
  stopTasks: boolean;
  /** `EcsTaskLauncher.describe`. */
  describeTasks: boolean;
  /**
   * RunTask of the engine task definition and of the engine images' (`<family>-*`), with ListTasks
   * to find a launch that already ran (idempotency), and the engine images' task definitions
   * (`ECS_LAUNCHER_ACTIONS.defineEngine`: describe, register, list, deregister; `deleteEngineRevisions`
   * on those families only).
   */
  runTasks: boolean;
  storeReports: boolean;
}

interface FunctionSpec {
  description: string;
  timeout: Duration;
  memoryMiB: number;
  /** Reserve one concurrent execution: a pass that must not overlap with the next one. */
  singleFlight: boolean;
  access: FunctionAccess;
  /**
   * Powertools Logger's threshold (`POWERTOOLS_LOG_LEVEL`, functions/lambda-log.ts): lines below
   * it are dropped in the function. INFO when unset; DEBUG adds e.g. each launch message received.
   */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * Launch messages per launcher invocation: one. A launch can take a while (RunTask retried with
 * backoff for throttling and capacity), and in a batch every message behind a slow one would wait,
 * time out with it and be delivered again, burning receive counts toward the dead-letter queue for
 * nothing it did. One at a time, a launch that overruns costs only its own attempt; parallelism
 * comes from concurrent invocations (`LAUNCHER_MAX_CONCURRENCY`), paced by Fargate's RunTask quota.
 */
export const LAUNCH_BATCH_SIZE = 1;
/** Launcher invocations at once (each paces its RunTask calls; 5 × a few launches/s stays near Fargate's 20/s). */
export const LAUNCHER_MAX_CONCURRENCY = 5;
/**
 * AWS calls on one launch's path, besides RunTask's own attempts: read campaign and shard, ListTasks
 * (a launch already made), update the shard, append its event, and on a campaign's last launch
 * list its shards, read, update and append again; for an engine image, its task definition's
 * calls at worst (`ENGINE_DEFINITION_CALLS`: describe, register, list, deregister stale revisions,
 * list and delete inactive ones).
 */
const LAUNCH_PATH_CALLS = 9 + ENGINE_DEFINITION_CALLS;

/** Lambda's longest timeout. */
const LAMBDA_MAX_TIMEOUT_MS = 15 * 60_000;

/**
 * The launcher's timeout, derived rather than guessed, so that a launch cannot time out half done:
 * RunTask's own backoff between its attempts (`launchBackoffBudgetMs`, 15 s) plus every AWS call
 * on the path (the path's calls and each RunTask attempt) at its worst (`worstCallMs`: all the
 * SDK's attempts at their full connection and request timeouts, with its retry backoff: 35 s with
 * the defaults), rounded up to the minute: 22 × 35 + 15 = 785 s, so 14 minutes (an engine image's
 * task definition calls are 8 of the 22: `ENGINE_DEFINITION_CALLS`). One launch per
 * invocation never waits for the Fargate rate limiter (its buckets hold 20 calls). The launch
 * queue's visibility timeout is six times it (AWS's advice for SQS event sources).
 * @throws Error when the settings make the bound longer than Lambda's 15 minutes.
 */
export function launcherTimeout(
  settings: Pick<AwsClientSettings, 'maxAttempts' | 'connectionTimeoutMs' | 'requestTimeoutMs'> = awsClientSettings({}),
): Duration {
  const worstMs = launchBackoffBudgetMs() + (LAUNCH_PATH_CALLS + DEFAULT_LAUNCH_ATTEMPTS) * worstCallMs(settings);
  if (worstMs > LAMBDA_MAX_TIMEOUT_MS) {
    throw new Error(
      `a launch may take ${Math.ceil(worstMs / 1000)} s with these AWS client settings, over Lambda's 15 minutes: fewer attempts or shorter timeouts`,
    );
  }
  return Duration.minutes(Math.ceil(worstMs / 60_000));
}

/** The launcher's timeout (see `launcherTimeout`). */
export const LAUNCHER_TIMEOUT = launcherTimeout();
/** Deliveries of a launch message before it moves to the dead-letter queue. */
export const LAUNCH_MAX_RECEIVES = 5;

const NONE: FunctionAccess = { sendLaunches: false, readDeadLetters: false, stopTasks: false, describeTasks: false, runTasks: false, storeReports: false };

export const FUNCTION_SPECS: Readonly<Record<FunctionName, FunctionSpec>> = {
  api: {
    description: 'arbfleet HTTP API (API Gateway, IAM-authorised): create, list, get, stop campaigns, reports, live page',
    timeout: Duration.seconds(25),
    memoryMiB: 1024,
    singleFlight: false,
    access: { ...NONE, sendLaunches: true, stopTasks: true },
  },
  scheduler: {
    description: 'arbfleet scheduler (every minute): starts due campaigns, ends them at max runtime, completes them; starts due schedule runs',
    timeout: Duration.seconds(50),
    memoryMiB: 512,
    singleFlight: true,
    // Schedule runs create campaigns (sendLaunches) and cancel previous runs (stopTasks).
    access: { ...NONE, sendLaunches: true, stopTasks: true },
  },
  launcher: {
    description: 'arbfleet launcher (SQS launch queue): RunTask for the current generation of a shard',
    timeout: LAUNCHER_TIMEOUT,
    memoryMiB: 512,
    singleFlight: false,
    access: { ...NONE, sendLaunches: true, stopTasks: true, runTasks: true },
  },
  watchdog: {
    description: 'arbfleet watchdog (every minute, several passes): judges every active shard, restarts or fails, publishes fleet gauges',
    // Passes up to 45 s into the minute (15 s cadence), each only if it fits: ends before the next minute's invocation.
    timeout: Duration.seconds(58),
    memoryMiB: 512,
    singleFlight: true,
    access: { ...NONE, sendLaunches: true, readDeadLetters: true, stopTasks: true, describeTasks: true },
  },
  'task-events': {
    description: 'arbfleet task events (ECS Task State Change STOPPED): the immediate path of the watchdog',
    timeout: Duration.seconds(30),
    memoryMiB: 512,
    singleFlight: false,
    access: { ...NONE, sendLaunches: true, stopTasks: true },
  },
  reporter: {
    description: 'arbfleet reporter (every 5 minutes): stores the report of every ended campaign in the report bucket',
    timeout: Duration.minutes(4),
    memoryMiB: 1024,
    singleFlight: true,
    access: { ...NONE, storeReports: true },
  },
};

export interface ControlPlaneProps {
  state: State;
  fleet: Fleet;
  tablePrefix: string;
  logRetention: logs.RetentionDays;
  /** Reserve concurrency 1 for the single-flight functions (needs unreserved concurrency to spare in the account). */
  reservedConcurrency: boolean;
  /** Powertools' `service` dimension of every EMF metric (the alarms select on it). */
  metricsService: string;
  metricsNamespace: string;
  /** Seconds between the watchdog's passes within its one-minute invocation (`watchdog-cadence.ts`). */
  watchdogIntervalSec: number;
}

export class ControlPlane extends Construct {
  readonly functions: Readonly<Record<FunctionName, nodejs.NodejsFunction>>;
  readonly launchQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'LaunchDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.launchQueue = new sqs.Queue(this, 'LaunchQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * LAUNCHER_TIMEOUT.toSeconds()),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: LAUNCH_MAX_RECEIVES },
    });

    const { fleet } = props;
    const environment: Record<string, string> = {
      ARBFLEET_TABLE_PREFIX: props.tablePrefix,
      ARBFLEET_LAUNCH_QUEUE_URL: this.launchQueue.queueUrl,
      ARBFLEET_LAUNCH_DLQ_URL: this.deadLetterQueue.queueUrl,
      ARBFLEET_CLUSTER: fleet.cluster.clusterArn,
      ARBFLEET_TASK_DEFINITION: fleet.taskDefinition.taskDefinitionArn,
      ARBFLEET_CONTAINER_NAME: ENGINE_CONTAINER_NAME,
      ARBFLEET_ENGINE_IMAGES: fleet.engineImagePrefix,
      ARBFLEET_SUBNETS: Fn.join(',', fleet.subnetIds()),
      ARBFLEET_SECURITY_GROUPS: fleet.taskSecurityGroup.securityGroupId,
      ARBFLEET_ASSIGN_PUBLIC_IP: fleet.assignPublicIp ? 'ENABLED' : 'DISABLED',
      ARBFLEET_REPORT_BUCKET: props.state.reportBucket.bucketName,
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      POWERTOOLS_SERVICE_NAME: props.metricsService,
      ARBFLEET_WATCHDOG_INTERVAL_SEC: String(props.watchdogIntervalSec),
      NODE_OPTIONS: '--enable-source-maps',
    };

    const functions = {} as Record<FunctionName, nodejs.NodejsFunction>;
    for (const [name, spec] of Object.entries(FUNCTION_SPECS) as [FunctionName, FunctionSpec][]) {
      functions[name] = this.addFunction(name, spec, environment, props);
    }
    this.functions = functions;

    functions.launcher.addEventSource(
      new SqsEventSource(this.launchQueue, { batchSize: LAUNCH_BATCH_SIZE, reportBatchItemFailures: true, maxConcurrency: LAUNCHER_MAX_CONCURRENCY }),
    );
  }

  private addFunction(name: FunctionName, spec: FunctionSpec, environment: Record<string, string>, props: ControlPlaneProps): nodejs.NodejsFunction {
    const id = pascal(name);
    const logGroup = new logs.LogGroup(this, `${id}LogGroup`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `arbfleet ${name} Lambda: its own log group and the actions its code path uses`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    grantTableAccess(role, TABLE_ACCESS[name], props.state);
    this.grantAccess(role, spec.access, props);

    const fn = new nodejs.NodejsFunction(this, `${id}Function`, {
      entry: path.join(REPO_ROOT, 'functions', `${name}.ts`),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: spec.description,
      timeout: spec.timeout,
      memorySize: spec.memoryMiB,
      role,
      logGroup,
      environment: { ...environment, POWERTOOLS_LOG_LEVEL: spec.logLevel ?? 'INFO' },
      ...(spec.singleFlight && props.reservedConcurrency ? { reservedConcurrentExecutions: 1 } : {}),
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: LAMBDA_BUNDLE_TARGET,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The files the engine image built in this deploy holds, for the front door's replay check.
        define: { 'process.env.ARBFLEET_IMAGE_FILES': JSON.stringify(JSON.stringify(imageDataFiles())) },
        // Bundle the pinned AWS SDK rather than rely on the runtime's copy; better-sqlite3 is local-only.
        externalModules: ['better-sqlite3'],
        banner: "import { createRequire as __arbfleetRequire } from 'node:module'; const require = __arbfleetRequire(import.meta.url);",
      },
    });
    return fn;
  }

  private grantAccess(role: iam.Role, access: FunctionAccess, props: ControlPlaneProps): void {
    const { state, fleet } = props;
    const stack = Stack.of(this);
    const statement = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));

    if (access.sendLaunches) statement('QueueLaunches', ['sqs:SendMessage'], [this.launchQueue.queueArn]);
    if (access.readDeadLetters) statement('ReadDeadLetters', ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'], [this.deadLetterQueue.queueArn]);

    // Task ids are unknown until RunTask: the tasks of this cluster, and the ecs:cluster condition besides.
    const tasksOfCluster = stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${fleet.cluster.clusterName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const onCluster = { ArnEquals: { 'ecs:cluster': fleet.cluster.clusterArn } };
    const taskActions = [
      ...new Set([...(access.stopTasks ? ECS_LAUNCHER_ACTIONS.stop : []), ...(access.describeTasks ? ECS_LAUNCHER_ACTIONS.describe : [])]),
    ].sort();
    const acknowledged: { finding: string; why: string }[] = [];
    const clusterId = logicalIdOf(fleet.cluster);
    const tasksFinding = `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${clusterId}>/*`;
    if (taskActions.length > 0) {
      statement('FleetTasks', taskActions, [tasksOfCluster], onCluster);
      acknowledged.push({ finding: tasksFinding, why: 'ECS task ids are unknown until RunTask: task/<this cluster>/*, with an ecs:cluster condition.' });
    }
    if (access.runTasks) {
      const { taskDefinition } = fleet;
      // ECS_LAUNCHER_ACTIONS.launch, each on the narrowest resource it takes.
      statement('RunEngineTask', ['ecs:RunTask'], [taskDefinition.taskDefinitionArn], onCluster);
      // Engine images' definitions: one family per image, <base family>-<hash> (engine-task-definitions.ts).
      const imageFamilies = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${taskDefinition.family}-*:*` });
      statement('RunEngineImageTask', ['ecs:RunTask'], [imageFamilies], onCluster);
      const imageFamiliesFinding = `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${taskDefinition.family}-*:*`;
      acknowledged.push({
        finding: imageFamiliesFinding,
        why: "Engine images' task definitions are registered at launch, one family per image named <engine family>-<hash of the image>: those families' revisions only.",
      });
      // ECS_LAUNCHER_ACTIONS.defineEngine: none of them takes a resource narrower than * in IAM.
      statement('DefineEngineImageTasks', [...ECS_LAUNCHER_ACTIONS.defineEngine], ['*']);
      // ECS_LAUNCHER_ACTIONS.deleteEngineRevisions: DeleteTaskDefinitions takes a task-definition resource (Service Authorization Reference).
      statement('DeleteEngineImageRevisions', [...ECS_LAUNCHER_ACTIONS.deleteEngineRevisions], [imageFamilies]);
      statement('TagEngineImageTaskDefinitions', ['ecs:TagResource'], [imageFamilies], { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } });
      // ListTasks has no task-level resource (its resource type is the container instance, absent on Fargate).
      statement('FindLaunchedTask', ['ecs:ListTasks'], ['*'], onCluster);
      acknowledged.push({
        finding: 'Resource::*',
        why:
          'ecs:ListTasks (finding a launch that already ran) takes no task resource; the ecs:cluster condition limits it to this cluster. ' +
          "ecs:Describe/Register/List/DeregisterTaskDefinition take no resource in IAM; the launcher's code touches only its engine image families.",
      });
      statement('TagEngineTaskAtLaunch', ['ecs:TagResource'], [tasksOfCluster], { StringEquals: { 'ecs:CreateAction': 'RunTask' } });
      if (taskActions.length === 0)
        acknowledged.push({ finding: tasksFinding, why: 'Tags are set on the task RunTask creates, whose id is unknown before: task/<this cluster>/*.' });
      const executionRole = taskDefinition.executionRole;
      const passable = [taskDefinition.taskRole.roleArn, ...(executionRole ? [executionRole.roleArn] : [])];
      statement('PassEngineTaskRoles', ['iam:PassRole'], passable, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
    if (access.storeReports) {
      statement('StoreReports', ['s3:PutObject'], [state.reportBucket.arnForObjects('*')]);
      acknowledged.push({
        finding: `Resource::<${logicalIdOf(state.reportBucket)}.Arn>/*`,
        why: 'Report keys are <campaignId>/<file>, one prefix per campaign: the objects of the report bucket, and nothing else.',
      });
    }
    for (const { finding, why } of acknowledged) Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: why });
  }
}

/**
 * One statement per table or index of `access`, naming that one ARN and its actions: `Table<Name>`
 * or `Index<Name>` (an index ARN is `<table ARN>/index/<name>`; never `index/*`).
 */
function grantTableAccess(role: iam.Role, access: TableAccess, state: State): void {
  for (const [resource, actions] of Object.entries(access) as [TableResource, readonly DynamoAction[]][]) {
    const [table, index] = resource.split('/index/') as [TableName, string | undefined];
    const design = TABLES.find((t) => t.logicalName === table);
    if (!design || (index !== undefined && !design.indexes.some((i) => i.name === index))) {
      throw new Error(`TABLE_ACCESS names ${resource}, which is not a table or index of TABLES (core/aws/table-design.ts)`);
    }
    const tableArn = state.tables[table].tableArn;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: index === undefined ? `Table${pascal(table)}` : `Index${pascal(index)}`,
        actions: [...actions].sort(),
        resources: [index === undefined ? tableArn : `${tableArn}/index/${index}`],
      }),
    );
  }
}

/** The logical id CloudFormation will know a construct's resource by (what cdk-nag's findings name). */
export function logicalIdOf(construct: Construct): string {
  const stack = Stack.of(construct);
  return stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string;
}

/** `task-events` → `TaskEvents`. */
function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');
}
