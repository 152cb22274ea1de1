/**
 * Stops from outside on the AWS path (issue 16), with the real handlers, moto's ECS and DynamoDB,
 * and the real engine run with each task's environment: a Spot interruption (ECS sends SIGTERM,
 * the engine commits and exits 0, the STOPPED event says `TerminationNotice`) reaches task-events,
 * and a StopTask arbfleet did not issue is found by the watchdog's DescribeTasks alone. Both, at a
 * few seconds into a 10-minute campaign, restart their shard from its checkpoint as PREEMPTED
 * naming the stop code or reason, from the preemption budget. A stop the fleet made (the campaign
 * stopped through the API) still ends the shards as completion.
 */
import { randomBytes } from 'node:crypto';
import { DescribeTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { createTables } from '../../../core/aws/dynamodb-tables.js';
import { createLaunchQueues } from '../../../core/aws/sqs-launch-queue.js';
import { systemClock } from '../../../core/clock.js';
import type { ShardKey } from '../../../core/ports.js';
import { apiHandlerFor } from '../../../functions/api.js';
import { createFleetRuntime, type FleetRuntime } from '../../../functions/fleet-runtime.js';
import { launcherHandlerFor } from '../../../functions/launcher.js';
import { runScheduler } from '../../../functions/scheduler.js';
import { handleTaskEvent } from '../../../functions/task-events.js';
import { runWatchdog } from '../../../functions/watchdog.js';
import { emulatorCampaignInput } from '../../support/campaigns.js';
import { startEngine, waitFor, type EngineProcess } from '../../support/engine-process.js';
import { motoTaskTransition, setUpMotoEcs } from '../../support/moto-ecs.js';

const CLUSTER = 'arbfleet-preempt';
const FAMILY = 'arbfleet-engine';
const CONTAINER = 'engine';
const PREFIX = `pre-${randomBytes(3).toString('hex')}-`;
const clients = new AwsClients();
const engines = new Map<string, EngineProcess>();
let runtime: FleetRuntime;
let queueUrl: string;
let campaignId: string;

function apiEvent(method: string, path: string, body?: unknown): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    queryStringParameters: null,
  } as unknown as APIGatewayProxyEvent;
}

async function receiveLaunches(expected: number): Promise<SQSEvent> {
  const records: SQSEvent['Records'] = [];
  await waitFor(`${expected} launch messages`, async () => {
    const { Messages = [] } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of Messages)
      records.push({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: { ApproximateReceiveCount: '1' },
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:launch',
        awsRegion: 'us-east-1',
        md5OfBody: '',
        messageAttributes: {},
      } as unknown as SQSEvent['Records'][number]);
    return records.length >= expected ? true : undefined;
  });
  return { Records: records };
}

async function taskOf(key: ShardKey): Promise<Task> {
  const shard = await runtime.store.getShard(key);
  const { tasks = [] } = await clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [shard?.taskId as string] }));
  if (!tasks[0]) throw new Error(`no ECS task for ${key.shardId}`);
  return tasks[0];
}

function envOf(task: Task): Record<string, string> {
  return Object.fromEntries((task.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name as string, e.value as string]));
}

/** The STOPPED event ECS sends for `task`: the engine container's exit code, the task's stop code and reason. */
function stoppedEvent(task: Task, version: number, stop: { stopCode: string; stoppedReason: string; exitCode: number }) {
  return {
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [task.taskArn],
    detail: {
      clusterArn: task.clusterArn,
      taskArn: task.taskArn,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: stop.stopCode,
      stoppedReason: stop.stoppedReason,
      stoppedAt: new Date().toISOString(),
      group: task.group,
      containers: [{ name: CONTAINER, exitCode: stop.exitCode, lastStatus: 'STOPPED' }],
      overrides: task.overrides,
      version,
    },
  };
}

beforeAll(async () => {
  const network = await setUpMotoEcs(clients, CLUSTER, FAMILY, CONTAINER);
  await createTables(clients, PREFIX);
  queueUrl = (await createLaunchQueues(clients, `${PREFIX}launch`, { maxReceives: 5, visibilityTimeoutSec: 30 })).queueUrl;
  runtime = createFleetRuntime(
    {
      tablePrefix: PREFIX,
      launchQueueUrl: queueUrl,
      cluster: CLUSTER,
      taskDefinition: FAMILY,
      containerName: CONTAINER,
      ...network,
      assignPublicIp: 'DISABLED',
      reportBucket: 'none',
    },
    systemClock,
    clients,
  );
});

afterAll(async () => {
  await motoTaskTransition(undefined);
  for (const e of engines.values()) if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGKILL');
  clients.destroy();
});

describe('stops from outside on the emulator', () => {
  it('starts a 10-minute campaign: both shards launched in ECS and RUNNING on the real engine', async () => {
    const created = await apiHandlerFor(runtime)(apiEvent('POST', '/campaigns', emulatorCampaignInput('preemption', 17)));
    expect(created.statusCode, created.body).toBe(201);
    campaignId = JSON.parse(created.body).campaign.campaignId;
    expect((await launcherHandlerFor(runtime)(await receiveLaunches(2))).batchItemFailures).toEqual([]);
    for (const shardId of ['shard-000', 'shard-001'])
      engines.set(shardId, startEngine(['--json'], { ...envOf(await taskOf({ campaignId, shardId })), ARBFLEET_HEALTH_FILE: '' }));
    await waitFor(
      'both shards RUNNING with progress',
      async () => {
        await runWatchdog(runtime);
        const shards = await runtime.store.listShards(campaignId);
        return shards.every((s) => s.status === 'RUNNING' && (s.heartbeat?.progress.ticks ?? 0) > 0) ? shards : undefined;
      },
      30_000,
    );
  });

  it('a Spot interruption (SIGTERM, exit 0, stop code TerminationNotice) is a PREEMPTED restart from task-events, not a completion', async () => {
    const key = { campaignId, shardId: 'shard-000' };
    const engine = engines.get('shard-000') as EngineProcess;
    // What ECS does on a Spot interruption: SIGTERM to the container; the engine commits and exits 0.
    engine.child.kill('SIGTERM');
    expect((await engine.exited).code).toBe(0);
    const final = (await runtime.store.getShard(key))?.heartbeat?.progress;
    expect(final?.stop).toEqual({ by: 'signal', signal: 'SIGTERM' });
    const task = await taskOf(key);
    await clients.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn, reason: 'Your Spot Task was interrupted.' }));
    const campaign = await runtime.store.getCampaign(campaignId);
    expect(Date.now()).toBeLessThan((campaign?.endsAt as number) - 60_000);
    const spot = stoppedEvent(task, 4, { stopCode: 'TerminationNotice', stoppedReason: 'Your Spot Task was interrupted.', exitCode: 0 });
    expect(await handleTaskEvent(runtime, spot)).toEqual({ verdict: 'restart' });
    expect(await handleTaskEvent(runtime, spot)).toEqual({ verdict: 'ignore' }); // delivered again
    const after = await runtime.store.getShard(key);
    expect(after).toMatchObject({ status: 'RESTARTING', generation: 1, backoffSec: 0 });
    expect(after?.restarts).toHaveLength(1);
    expect(after?.restarts[0]).toMatchObject({
      cause: 'PREEMPTED',
      fromGeneration: 0,
      detail: {
        exitCode: 0,
        stopCode: 'TerminationNotice',
        stoppedReason: 'Your Spot Task was interrupted.',
        note: expect.stringMatching(/ECS stop code TerminationNotice/),
      },
    });
  });

  it('a StopTask arbfleet did not issue is a PREEMPTED restart found by the watchdog’s DescribeTasks alone', async () => {
    const key = { campaignId, shardId: 'shard-001' };
    const task = await taskOf(key);
    const reason = 'Host EC2 (instance i-0abc) stopped/terminated';
    await clients.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn, reason }));
    const engine = engines.get('shard-001') as EngineProcess;
    engine.child.kill('SIGTERM');
    expect((await engine.exited).code).toBe(0);
    const pass = await runWatchdog(runtime);
    expect(pass.verdicts).toMatchObject({ restart: 1 });
    const after = await runtime.store.getShard(key);
    expect(after).toMatchObject({ status: 'RESTARTING', generation: 1 });
    expect(after?.restarts.map((r) => [r.cause, r.detail.stoppedReason])).toEqual([['PREEMPTED', reason]]);
    expect(after?.restarts[0]?.detail.note).toMatch(/stopped from outside/);
  });

  it("relaunched, the fleet's own stop (the campaign stopped through the API) ends both shards as completion, with no further restart", async () => {
    expect((await launcherHandlerFor(runtime)(await receiveLaunches(2))).batchItemFailures).toEqual([]);
    for (const shardId of ['shard-000', 'shard-001'])
      engines.set(`${shardId}#1`, startEngine(['--json'], { ...envOf(await taskOf({ campaignId, shardId })), ARBFLEET_HEALTH_FILE: '' }));
    await waitFor(
      'both generation-1 shards RUNNING',
      async () => {
        await runWatchdog(runtime);
        const shards = await runtime.store.listShards(campaignId);
        return shards.every((s) => s.status === 'RUNNING' && s.generation === 1 && s.heartbeat?.generation === 1) ? true : undefined;
      },
      30_000,
    );
    // Each generation 1 resumed from its predecessor's checkpoint: the ticks it restored are those generation 0 made.
    for (const shardId of ['shard-000', 'shard-001']) {
      const started = (engines.get(`${shardId}#1`) as EngineProcess)
        .stdout()
        .split('\n')
        .find((l) => l.includes('"event":"shard started"'));
      expect(JSON.parse(started ?? '{}').restoredTicks, `${shardId} generation 1: ${started}`).toBeGreaterThan(0);
    }

    const stop = await apiHandlerFor(runtime)(apiEvent('POST', `/campaigns/${campaignId}/stop`));
    expect(stop.statusCode, stop.body).toBe(200);
    for (const shardId of ['shard-000', 'shard-001']) {
      const task = await taskOf({ campaignId, shardId });
      expect(task.stoppedReason).toMatch(/^arbfleet: campaign cancelled/);
      const engine = engines.get(`${shardId}#1`) as EngineProcess;
      engine.child.kill('SIGTERM'); // what ECS does after arbfleet's StopTask
      expect((await engine.exited).code).toBe(0);
    }
    await waitFor(
      'the campaign to end',
      async () => {
        await runWatchdog(runtime);
        await runScheduler(runtime);
        return (await runtime.store.getCampaign(campaignId))?.status === 'CANCELLED' ? true : undefined;
      },
      20_000,
    );
    const shards = await runtime.store.listShards(campaignId);
    expect(shards.map((s) => [s.status, s.restarts.map((r) => r.cause)])).toEqual([
      ['COMPLETED', ['PREEMPTED']],
      ['COMPLETED', ['PREEMPTED']],
    ]);
  });
});
