import { DescribeTasksCommand, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { ECS_UNKNOWN_TASK_REASON, EcsTaskLauncher, launchIdentity, type EcsTaskLauncherOptions } from '../../../core/aws/ecs-task-launcher.js';
import { VirtualClock } from '../../../core/clock.js';
import { ValidationError } from '../../../core/errors.js';
import { campaignStopReason, classifyStop } from '../../../core/fleet/watchdog-policy.js';
import type { TaskSpec } from '../../../core/ports.js';
import { motoTaskTransition, setUpMotoEcs } from '../../support/moto-ecs.js';

/**
 * EcsTaskLauncher against the emulator. What moto 5.2.5 does and does not do, and how the suite
 * copes:
 * - RunTask with awsvpc needs a real subnet (moto creates an ENI in it): the default VPC's, found
 *   through EC2's query API (the project has no EC2 client).
 * - moto needs a container-level `memory` in the task definition (Fargate itself does not).
 * - moto moves a task one step towards STOPPED on every DescribeTasks by default; the suite sets
 *   that transition to manual so that tasks stay RUNNING until stopped, and restores it after.
 * - moto ignores `clientToken`, returns no `failures` for unknown tasks, sets no `stopCode` or
 *   `stoppedAt`, reports exit code 0 for every container, and answers StopTask on an unknown task
 *   with an HTTP 500 where ECS says "The referenced task was not found": idempotency here rests on
 *   the ListTasks lookup alone, and the unit suite covers the rest against a scripted endpoint.
 */

const CLUSTER = 'arbfleet-test';
const FAMILY = 'arbfleet-engine';
const CONTAINER = 'engine';
const clients = new AwsClients();
const clock = new VirtualClock();
let network: Pick<EcsTaskLauncherOptions, 'subnets' | 'securityGroups'>;

const spec = (shardId: string, generation = 0, env: Record<string, string> = {}): TaskSpec => ({
  key: { campaignId: 'c-ecs', shardId },
  generation,
  symbols: ['BTC', 'ETH'],
  env: { ARBFLEET_STORE: 'dynamodb:test', ...env },
});

function launcher(options: Partial<EcsTaskLauncherOptions> = {}): EcsTaskLauncher {
  return new EcsTaskLauncher({
    clients,
    cluster: CLUSTER,
    taskDefinition: FAMILY,
    containerName: CONTAINER,
    ...network,
    assignPublicIp: 'DISABLED',
    clock,
    sleep: async (ms) => clock.advance(ms), // the rate limiter's waits pass on virtual time
    ...options,
  });
}

async function describeTask(taskArn: string): Promise<Task> {
  const { tasks = [] } = await clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn], include: ['TAGS'] }));
  expect(tasks).toHaveLength(1);
  return tasks[0] as Task;
}

beforeAll(async () => {
  network = await setUpMotoEcs(clients, CLUSTER, FAMILY, CONTAINER);
});

afterAll(async () => {
  await motoTaskTransition(undefined);
  clients.destroy();
});

describe('EcsTaskLauncher over the wire', () => {
  it('launches a Fargate task carrying the shard identity in its environment, tags, group and startedBy', async () => {
    const { taskId } = await launcher().launch(spec('shard-000', 0, { ARBFLEET_ENDS_AT: '1767229200000' }));
    expect(taskId).toMatch(/^arn:aws:ecs:[^:]+:\d+:task\//);

    const task = await describeTask(taskId);
    expect(task.launchType).toBe('FARGATE');
    expect(task.group).toBe('arbfleet:c-ecs');
    expect(task.startedBy).toBe(launchIdentity({ campaignId: 'c-ecs', shardId: 'shard-000' }, 0).startedBy);
    const override = task.overrides?.containerOverrides?.find((o) => o.name === CONTAINER);
    expect(Object.fromEntries((override?.environment ?? []).map((v) => [v.name, v.value]))).toEqual({
      ARBFLEET_CAMPAIGN_ID: 'c-ecs',
      ARBFLEET_SHARD_ID: 'shard-000',
      ARBFLEET_GENERATION: '0',
      ARBFLEET_SYMBOLS: 'BTC,ETH',
      ARBFLEET_STORE: 'dynamodb:test',
      ARBFLEET_ENDS_AT: '1767229200000',
    });
    expect(task.tags).toEqual(
      expect.arrayContaining([
        { key: 'arbfleet:campaign', value: 'c-ecs' },
        { key: 'arbfleet:shard', value: 'shard-000' },
        { key: 'arbfleet:generation', value: '0' },
      ]),
    );
    expect(task.attachments?.[0]?.details).toEqual(expect.arrayContaining([{ name: 'subnetId', value: network.subnets[0] }]));
    expect(await launcher().describe([taskId])).toEqual([{ taskId, state: 'RUNNING' }]);
  });

  it("runs the task at the campaign's size: cpu and memory travel as RunTask overrides", async () => {
    const { taskId } = await launcher().launch({ ...spec('shard-sized', 0), size: { cpu: 1024, memoryMiB: 3072 } });
    const task = await describeTask(taskId);
    expect({ cpu: task.overrides?.cpu, memory: task.overrides?.memory }).toEqual({ cpu: '1024', memory: '3072' });
  });

  it('launches each (campaign, shard, generation) once: a retried launch gets the running task back', async () => {
    const first = await launcher().launch(spec('shard-001', 4));
    const retried = await launcher().launch(spec('shard-001', 4));
    expect(retried).toEqual(first);
    const { startedBy } = launchIdentity({ campaignId: 'c-ecs', shardId: 'shard-001' }, 4);
    const { taskArns } = await clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy }));
    expect(taskArns).toEqual([first.taskId]);

    const next = await launcher().launch(spec('shard-001', 5));
    expect(next.taskId).not.toBe(first.taskId);
  });

  it('stops a task with the reason given; a later stop keeps the first reason, as the local launcher does', async () => {
    const ecs = launcher();
    const { taskId } = await ecs.launch(spec('shard-002'));
    await ecs.stop(taskId, campaignStopReason('ended'));
    await ecs.stop(taskId, 'a later reason');

    const [status] = await ecs.describe([taskId]);
    expect(status).toMatchObject({ taskId, state: 'STOPPED', stoppedReason: campaignStopReason('ended'), oom: false });
    expect(classifyStop(status!)).toBe('completed');
    expect((await describeTask(taskId)).desiredStatus).toBe('STOPPED');
  });

  it('describes a task on its way down (DEACTIVATING, STOPPING, DEPROVISIONING) as exiting, then STOPPED with its exit code', async () => {
    const ecs = launcher();
    const { taskId } = await ecs.launch(spec('shard-003'));
    expect(await ecs.describe([taskId])).toEqual([{ taskId, state: 'RUNNING' }]); // moto's container already has its exit code 0: not exiting while RUNNING
    await motoTaskTransition({ progression: 'manual', times: 1 }); // one step towards STOPPED on each DescribeTasks from here
    try {
      // Only the launcher describes from here: each of its DescribeTasks moves the task one state down.
      const seen: unknown[] = [];
      for (let i = 0; i < 6 && (seen.at(-1) as { state?: string } | undefined)?.state !== 'STOPPED'; i++) seen.push((await ecs.describe([taskId]))[0]);
      // DEACTIVATING, STOPPING, DEPROVISIONING: the engine container has its exit code, the task's end not yet reported.
      expect(seen.slice(0, -1)).toEqual([
        { taskId, state: 'RUNNING', exiting: true },
        { taskId, state: 'RUNNING', exiting: true },
        { taskId, state: 'RUNNING', exiting: true },
      ]);
      expect(seen.at(-1)).toMatchObject({ taskId, state: 'STOPPED', exitCode: 0 });
    } finally {
      await motoTaskTransition({ progression: 'manual', times: 1_000_000 });
    }
  });

  it('cuts a stop reason to the 255 characters ECS keeps', async () => {
    const ecs = launcher();
    const { taskId } = await ecs.launch(spec('shard-004'));
    await ecs.stop(taskId, `restart: ${'x'.repeat(400)}`);
    expect((await describeTask(taskId)).stoppedReason).toHaveLength(255);
  });

  it('reports a task ECS does not know as STOPPED, saying so', async () => {
    const unknown = `arn:aws:ecs:${process.env.AWS_REGION}:123456789012:task/${CLUSTER}/0123456789abcdef0123456789abcdef`;
    const [status] = await launcher().describe([unknown]);
    expect(status).toMatchObject({ taskId: unknown, state: 'STOPPED' });
    expect(status?.stoppedReason).toContain(ECS_UNKNOWN_TASK_REASON);
    expect(status?.exitCode).toBeUndefined();
  });

  it('refuses overrides above ECS limit before starting anything', async () => {
    const big = spec('shard-005', 0, { ARBFLEET_CONFIG_JSON: 'x'.repeat(9_000) });
    await expect(launcher().launch(big)).rejects.toThrow(ValidationError);
    await expect(launcher().launch(big)).rejects.toThrow(/above ECS's limit of 8192.*ARBFLEET_CONFIG_JSON \(9000 chars\)/);
    const { startedBy } = launchIdentity(big.key, 0);
    expect((await clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy }))).taskArns).toEqual([]);
  });

  it('launches a whole fleet within Fargate launch rates and describes it in batches of 100', async () => {
    const ecs = launcher();
    const specs = Array.from({ length: 130 }, (_, i) => spec(`fleet-${String(i).padStart(3, '0')}`));
    const startedAt = clock.now();
    const results = await ecs.launchMany(specs);

    const taskIds = results.map((r) => ('taskId' in r ? r.taskId : `failed: ${r.error.message}`));
    expect(taskIds.every((id) => id.startsWith('arn:'))).toBe(true);
    expect(new Set(taskIds).size).toBe(130);
    // 20 RunTask calls at once, then 20 a second: 130 launches take at least 5.5 s of (virtual) time.
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(5_500);

    const statuses = await ecs.describe([...taskIds, taskIds[0] as string]);
    expect(statuses).toHaveLength(131);
    expect(statuses.every((s) => s.state === 'RUNNING')).toBe(true);
    expect(statuses.map((s) => s.taskId)).toEqual([...taskIds, taskIds[0]]);
  });
});
