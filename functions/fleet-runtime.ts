/**
 * The composition root of the Lambdas: AWS adapters behind the same core services the local
 * fleet runs. Built once per Lambda container and reused across invocations.
 */
import { ControlPlaneClients } from '../core/aws/control-plane-clients.js';
import { ecsAdmissionIssues } from '../core/aws/ecs-admission.js';
import { fleetEventMetrics } from '../core/aws/emf-metrics.js';
import { DynamoDbCampaignStore } from '../core/aws/dynamodb-campaign-store.js';
import { DynamoDbScheduleStore } from '../core/aws/dynamodb-schedule-store.js';
import { EcsTaskLauncher } from '../core/aws/ecs-task-launcher.js';
import { SqsLaunchQueue } from '../core/aws/sqs-launch-queue.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { FleetContext } from '../core/fleet/fleet-context.js';
import { fleetServices, type FleetServices } from '../core/fleet/fleet-services.js';
import type { CampaignRecord, ShardRecord } from '../core/model/records.js';
import { lambdaEnvironment, type LambdaEnvironment } from './lambda-environment.js';
import { createLambdaLog, type LambdaLog } from './lambda-log.js';
import { taskClockEnvironment } from '../core/fleet/task-clock.js';

/** The runtime of a Lambda container; `C` is its clients (the reporter's add S3: `AwsClients`). */
export interface FleetRuntime<C extends ControlPlaneClients = ControlPlaneClients> extends FleetServices {
  env: LambdaEnvironment;
  clients: C;
  /** Powertools' logger behind core's port (`context.log`); handlers stamp correlation ids with it. */
  log: LambdaLog;
  store: DynamoDbCampaignStore;
  /** The schedules' table (`scheduler-schedules.ts`). */
  scheduleStore: DynamoDbScheduleStore;
  context: FleetContext;
}

/**
 * What an engine task on Fargate needs beyond its identity: where its config is, the store, the
 * campaign's times. The config goes by reference (`ARBFLEET_CONFIG_FROM=store`: the engine reads
 * it from the campaign's record), so its size never meets ECS's 8,192-character overrides limit.
 */
export function ecsTaskEnvironment(tablePrefix: string) {
  return (campaign: CampaignRecord, shard: ShardRecord): Record<string, string> => ({
    ARBFLEET_CONFIG_FROM: 'store',
    ARBFLEET_STORE: `dynamodb:${tablePrefix}`,
    ARBFLEET_METRICS: 'emf',
    ARBFLEET_SHARD_INDEX: String(shard.index),
    ...(campaign.startedAt !== undefined ? { ARBFLEET_STARTED_AT: String(campaign.startedAt) } : {}),
    ...(campaign.endsAt !== undefined ? { ARBFLEET_ENDS_AT: String(campaign.endsAt) } : {}),
    ...taskClockEnvironment(campaign.config),
  });
}

/** Builds the runtime from the environment (or the given one, for tests against an emulator). */
export function createFleetRuntime<C extends ControlPlaneClients = ControlPlaneClients>(
  env: LambdaEnvironment = lambdaEnvironment(),
  clock: Clock = systemClock,
  clients: C = new ControlPlaneClients() as C,
  log: LambdaLog = createLambdaLog(),
): FleetRuntime<C> {
  const store = new DynamoDbCampaignStore({ clients, tablePrefix: env.tablePrefix, clock });
  const context: FleetContext = {
    store,
    queue: new SqsLaunchQueue({
      clients,
      queueUrl: env.launchQueueUrl,
      ...(env.launchDeadLetterQueueUrl ? { deadLetterQueueUrl: env.launchDeadLetterQueueUrl } : {}),
    }),
    launcher: new EcsTaskLauncher({
      clients,
      cluster: env.cluster,
      taskDefinition: env.taskDefinition,
      containerName: env.containerName,
      subnets: env.subnets,
      securityGroups: env.securityGroups,
      assignPublicIp: env.assignPublicIp,
      clock,
    }),
    clock,
    log: log.port,
    taskEnvironment: ecsTaskEnvironment(env.tablePrefix),
    events: fleetEventMetrics(),
  };
  context.admit = (campaign, shards) => ecsAdmissionIssues(campaign, shards, context.taskEnvironment, env.containerName);
  return {
    env,
    clients,
    log,
    store,
    scheduleStore: new DynamoDbScheduleStore({ clients, tablePrefix: env.tablePrefix, clock }),
    context,
    // Dead letters are read once per watchdog invocation (`functions/watchdog.ts`): peeking at SQS waits a second.
    ...fleetServices(context, { watchdog: { deadLettersEachPass: false } }),
  };
}

let shared: FleetRuntime | undefined;

/** The runtime of this Lambda container, built on first use. */
export function fleetRuntime(): FleetRuntime {
  shared ??= createFleetRuntime();
  return shared;
}
