/**
 * The whole AWS path on the emulator, with the real Lambda handlers and a real engine process:
 * POST /campaigns (api) → shards and launch messages (SQS) → launcher → RunTask in ECS → the
 * engine, started locally with that task's environment against the emulator's DynamoDB, heartbeats
 * → it is killed → task-events (fed the real task ARN) and, for the other shard, the watchdog alone
 * detect it and restart it exactly once with generation + 1 → relaunched engines resume from their
 * checkpoints → the campaign is stopped, the scheduler ends it, the reporter stores the report.
 */
import { randomBytes } from 'node:crypto';
import { ListTasksCommand, DescribeTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { createTables } from '../../../core/aws/dynamodb-tables.js';
import { createLaunchQueues } from '../../../core/aws/sqs-launch-queue.js';
import { systemClock } from '../../../core/clock.js';
import type { ShardKey } from '../../../core/ports.js';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import { apiHandlerFor } from '../../../functions/api.js';
import { createFleetRuntime, type FleetRuntime } from '../../../functions/fleet-runtime.js';
import { launcherHandlerFor } from '../../../functions/launcher.js';
import { storeReports } from '../../../functions/reporter.js';
import { runScheduler } from '../../../functions/scheduler.js';
import { handleTaskEvent } from '../../../functions/task-events.js';
import { runWatchdog } from '../../../functions/watchdog.js';
import { emulatorCampaignInput } from '../../support/campaigns.js';
import { startEngine, waitFor, type EngineProcess } from '../../support/engine-process.js';
import { CONDITION_DEADLINE_MS, LOADED_TEST_TIMEOUT_MS } from '../../support/loaded-machine.js';
import { motoTaskTransition, setUpMotoEcs } from '../../support/moto-ecs.js';

const CLUSTER = 'arbfleet-e2e';
const FAMILY = 'arbfleet-engine';
const CONTAINER = 'engine';
const PREFIX = `e2e-${randomBytes(3).toString('hex')}-`;
const BUCKET = `arbfleet-reports-${randomBytes(3).toString('hex')}`;
const clients = new AwsClients();
const engines: EngineProcess[] = [];
let runtime: FleetRuntime<AwsClients>;
let api: ReturnType<typeof apiHandlerFor>;
let launcher: ReturnType<typeof launcherHandlerFor>;
let queueUrl: string;
let campaignId: string;

// Nothing here may be judged by speed: staleAfter 10 s (not 3 s), so an engine whose heartbeat or
// commit a loaded machine or a slow moto delays by seconds is not restarted as LOST (nor ends
// commit-failed at its bound, staleAfter x 0.6), and launchTimeout 120 s, so a relaunched engine
// that takes long to start is not LOST before its first heartbeat. The only restarts are the two
// this suite causes, and their causes are what it checks.
const config = {
  ...emulatorCampaignInput('emulator-e2e', 5),
  watchdog: { heartbeatInterval: '0.5s', staleAfter: '10s', launchTimeout: '120s', maxRestarts: 3, backoff: { initial: 0 } },
};

function apiEvent(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    queryStringParameters: null,
  } as unknown as APIGatewayProxyEvent;
}

/** Receives what the launch queue holds, as the SQS event source would hand it to the Lambda. */
async function receiveLaunches(expected: number): Promise<SQSEvent> {
  const records: SQSEvent['Records'] = [];
  await waitFor(
    `${expected} launch messages`,
    async () => {
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      for (const m of Messages) {
        records.push({
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
          body: m.Body ?? '',
          attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:launch',
          awsRegion: 'us-east-1',
          md5OfBody: '',
          messageAttributes: {},
        } as unknown as SQSEvent['Records'][number]);
      }
      return records.length >= expected ? true : undefined;
    },
    CONDITION_DEADLINE_MS,
  );
  return { Records: records };
}

async function tasksOf(key: ShardKey) {
  const { taskArns = [] } = await clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER }));
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
  return tasks.filter((t) => t.overrides?.containerOverrides?.[0]?.environment?.some((e) => e.name === 'ARBFLEET_SHARD_ID' && e.value === key.shardId));
}

/** Starts the real engine as the ECS task of this shard would run: with that task's environment. */
async function startEngineOfTask(key: ShardKey): Promise<{ engine: EngineProcess; taskArn: string; env: Record<string, string> }> {
  const shard = await runtime.store.getShard(key);
  const [task] = await (await tasksOf(key)).filter((t) => t.taskArn === shard?.taskId);
  if (!task?.taskArn) throw new Error(`no ECS task for ${key.shardId}`);
  const env = Object.fromEntries((task.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name as string, e.value as string]));
  const engine = startEngine(['--json'], { ...env, ARBFLEET_HEALTH_FILE: '' });
  engines.push(engine);
  return { engine, taskArn: task.taskArn, env };
}

/** For a failed wait: each shard's status, generation and restarts, and the end of each engine's output. */
async function fleetState(): Promise<string> {
  const shards = await runtime.store.listShards(campaignId);
  const lines = shards.map((s) => `${s.shardId}: ${s.status} g${s.generation} restarts ${JSON.stringify(s.restarts.map((r) => [r.cause, r.detail]))}`);
  const logs = engines.map(
    (e, i) => `engine ${i} (exit ${e.child.exitCode ?? e.child.signalCode ?? 'running'}): ${e.stderr().slice(-600)} ${e.stdout().slice(-600)}`,
  );
  return [...lines, ...logs].join('\n');
}

function taskStoppedEvent(taskArn: string, env: Record<string, string>, version: number) {
  return {
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [taskArn],
    detail: {
      clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`,
      taskArn,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      stoppedAt: new Date().toISOString(),
      group: `arbfleet:${env.ARBFLEET_CAMPAIGN_ID}`,
      containers: [{ name: CONTAINER, exitCode: 137, lastStatus: 'STOPPED' }],
      overrides: { containerOverrides: [{ name: CONTAINER, environment: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
      version,
    },
  };
}

beforeAll(async () => {
  const network = await setUpMotoEcs(clients, CLUSTER, FAMILY, CONTAINER);
  await createTables(clients, PREFIX);
  queueUrl = (await createLaunchQueues(clients, `${PREFIX}launch`, { maxReceives: 5, visibilityTimeoutSec: 30 })).queueUrl;
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  runtime = createFleetRuntime(
    {
      tablePrefix: PREFIX,
      launchQueueUrl: queueUrl,
      cluster: CLUSTER,
      taskDefinition: FAMILY,
      containerName: CONTAINER,
      ...network,
      assignPublicIp: 'DISABLED',
      reportBucket: BUCKET,
    },
    systemClock,
    clients,
  );
  api = apiHandlerFor(runtime);
  launcher = launcherHandlerFor(runtime);
});

afterAll(async () => {
  await motoTaskTransition(undefined);
  for (const e of engines) if (e.child.exitCode === null) e.child.kill('SIGKILL');
  clients.destroy();
});

describe('the fleet on the AWS API emulator', () => {
  it('creates one campaign for a retried POST with the same Idempotency-Key', async () => {
    const first = await api(apiEvent('POST', '/campaigns', config, { 'Idempotency-Key': 'start-1' }));
    expect(first.statusCode, first.body).toBe(201);
    const retried = await api(apiEvent('POST', '/campaigns', config, { 'Idempotency-Key': 'start-1' }));
    expect(retried.statusCode).toBe(200);
    campaignId = JSON.parse(first.body).campaign.campaignId;
    expect(JSON.parse(retried.body).campaign.campaignId).toBe(campaignId);
    const list = await api(apiEvent('GET', '/campaigns'));
    expect(JSON.parse(list.body).campaigns).toHaveLength(1);
    expect((await runtime.store.listShards(campaignId)).map((s) => s.status)).toEqual(['PENDING', 'PENDING']);
  });

  it(
    'launches one ECS task per shard, even when a launch message is delivered twice',
    async () => {
      const event = await receiveLaunches(2);
      const twice: SQSEvent = { Records: [...event.Records, event.Records[0] as SQSEvent['Records'][number]] };
      const response = await launcher(twice);
      expect(response.batchItemFailures).toEqual([]);
      for (const shardId of ['shard-000', 'shard-001']) {
        expect(await tasksOf({ campaignId, shardId })).toHaveLength(1);
        expect((await runtime.store.getShard({ campaignId, shardId }))?.status).toBe('LAUNCHING');
      }
      expect((await runtime.store.getCampaign(campaignId))?.status).toBe('RUNNING');
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'runs the real engine as those tasks: heartbeats land in DynamoDB and the watchdog sees the shards RUNNING',
    async () => {
      for (const shardId of ['shard-000', 'shard-001']) await startEngineOfTask({ campaignId, shardId });
      await waitFor(
        'both shards RUNNING with progress',
        async () => {
          await runWatchdog(runtime);
          const shards = await runtime.store.listShards(campaignId);
          return shards.every((s) => s.status === 'RUNNING' && (s.heartbeat?.progress.ticks ?? 0) > 0) ? shards : undefined;
        },
        CONDITION_DEADLINE_MS,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await fleetState()}`);
      });
      await waitFor(
        'some fills committed',
        async () => ((await runtime.store.readLedger({ campaignId, shardId: 'shard-000' })).length > 0 ? true : undefined),
        CONDITION_DEADLINE_MS,
      );
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'restarts a killed shard exactly once from its ECS Task State Change event; duplicates and stale versions change nothing',
    async () => {
      const key = { campaignId, shardId: 'shard-000' };
      const shard = await runtime.store.getShard(key);
      const victim = engines[0] as EngineProcess;
      victim.child.kill('SIGKILL');
      await victim.exited;
      await clients.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: shard?.taskId, reason: 'Essential container in task exited' }));
      const env = Object.fromEntries((await tasksOf(key))[0]?.overrides?.containerOverrides?.[0]?.environment?.map((e) => [e.name, e.value]) ?? []);
      const event = taskStoppedEvent(shard?.taskId as string, env as Record<string, string>, 3);
      expect(await handleTaskEvent(runtime, event)).toEqual({ verdict: 'restart' });
      expect(await handleTaskEvent(runtime, event)).toEqual({ verdict: 'ignore' }); // delivered again
      expect(await handleTaskEvent(runtime, taskStoppedEvent(shard?.taskId as string, env as Record<string, string>, 2))).toEqual({ verdict: 'ignore' });
      const after = await runtime.store.getShard(key);
      expect(after?.generation).toBe(1);
      expect(after?.status).toBe('RESTARTING');
      expect(after?.restarts.map((r) => [r.cause, r.fromGeneration, r.detail.exitCode])).toEqual([['CRASHED', 0, 137]]);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'restarts a silently dead shard exactly once through the watchdog alone (ECS still says RUNNING)',
    async () => {
      const key = { campaignId, shardId: 'shard-001' };
      const victim = engines[1] as EngineProcess;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const verdicts: string[] = [];
      await waitFor(
        'the watchdog to restart shard-001',
        async () => {
          const { verdicts: v } = await runWatchdog(runtime);
          verdicts.push(...Object.keys(v));
          return (await runtime.store.getShard(key))?.generation === 1 ? true : undefined;
        },
        CONDITION_DEADLINE_MS,
      );
      expect(verdicts).toContain('suspect'); // confirmed before the kill, not on the first stale reading
      await runWatchdog(runtime);
      await runWatchdog(runtime);
      const after = await runtime.store.getShard(key);
      expect(after?.generation).toBe(1);
      expect(after?.restarts.map((r) => r.cause)).toEqual(['LOST']);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'relaunches generation 1 of both shards, which resume from their checkpoints',
    async () => {
      const event = await receiveLaunches(2);
      expect((await launcher(event)).batchItemFailures).toEqual([]);
      const before = await Promise.all(['shard-000', 'shard-001'].map((shardId) => runtime.store.readCheckpoint({ campaignId, shardId })));
      for (const shardId of ['shard-000', 'shard-001']) {
        expect(await tasksOf({ campaignId, shardId })).toHaveLength(2); // generation 0's (stopped or not) and generation 1's
        await startEngineOfTask({ campaignId, shardId });
      }
      const restoredTicks = before.map((cp) => cp?.symbols.reduce((n, s) => n + s.ticks, 0) ?? 0);
      expect(restoredTicks.every((t) => t > 0)).toBe(true);
      await waitFor(
        'both shards RUNNING at generation 1 and counting on from their checkpoints',
        async () => {
          await runWatchdog(runtime);
          const shards = await runtime.store.listShards(campaignId);
          return shards.every((s, i) => s.status === 'RUNNING' && s.heartbeat?.generation === 1 && s.heartbeat.progress.ticks > (restoredTicks[i] as number))
            ? shards
            : undefined;
        },
        CONDITION_DEADLINE_MS,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await fleetState()}`);
      });
      for (const shardId of ['shard-000', 'shard-001']) {
        const shard = await runtime.store.getShard({ campaignId, shardId });
        expect(shard?.generation).toBe(1);
        expect(shard?.restarts[0]?.restartedAt).toBeDefined();
      }
      for (const engine of engines.slice(2)) engine.child.kill('SIGTERM');
      for (const engine of engines.slice(2)) expect((await engine.exited).code).toBe(0);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'ends the stopped campaign (scheduler) and stores its report with both restarts and an exact ledger (reporter)',
    async () => {
      expect((await api(apiEvent('POST', `/campaigns/${campaignId}/stop`))).statusCode).toBe(200);
      await waitFor(
        'the campaign to end',
        async () => {
          await runWatchdog(runtime);
          await runScheduler(runtime);
          const c = await runtime.store.getCampaign(campaignId);
          return c?.status === 'CANCELLED' ? c : undefined;
        },
        CONDITION_DEADLINE_MS,
      );
      expect(await storeReports(runtime)).toEqual({ reported: [campaignId] });
      expect(await storeReports(runtime)).toEqual({ reported: [] }); // once
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${campaignId}/report.json` }));
      const report = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString()) as CampaignReport;
      expect(report.shards.map((s) => s.restarts.map((r) => r.cause))).toEqual([['CRASHED'], ['LOST']]);
      expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, pass: true });
      expect(report.ledger.fillsInLedger).toBeGreaterThan(0);
      const viaApi = await api(apiEvent('GET', `/campaigns/${campaignId}/report`));
      expect(JSON.parse(viaApi.body).ledger.fillsInLedger).toBe(report.ledger.fillsInLedger);
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});
