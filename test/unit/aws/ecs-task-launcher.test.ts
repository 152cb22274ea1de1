import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import {
  ECS_UNKNOWN_TASK_REASON,
  EcsTaskLauncher,
  launchIdentity,
  launchOverrides,
  TaskLaunchError,
  taskStatusOf,
  type EcsTaskLauncherOptions,
} from '../../../core/aws/ecs-task-launcher.js';
import { VirtualClock } from '../../../core/clock.js';
import { StateConflictError, ValidationError } from '../../../core/errors.js';
import type { TaskSpec } from '../../../core/ports.js';

const spec = (overrides: Partial<TaskSpec> = {}): TaskSpec => ({
  key: { campaignId: 'c-1', shardId: 'shard-000' },
  generation: 2,
  symbols: ['BTC', 'ETH'],
  env: { ARBFLEET_STORE: 'dynamodb:arbfleet' },
  ...overrides,
});

const TASK_ARN = 'arn:aws:ecs:us-east-1:111122223333:task/arbfleet/0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('launchIdentity', () => {
  it('derives a client token and a startedBy that ECS accepts, the same for every retry of a launch', () => {
    const id = launchIdentity({ campaignId: 'c-1', shardId: 'shard-000' }, 2);
    expect(id.clientToken).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(id.startedBy).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
    expect(id.group).toBe('arbfleet:c-1');
    expect(launchIdentity({ campaignId: 'c-1', shardId: 'shard-000' }, 2)).toEqual(id);
  });

  it('differs for every other launch, however the ids are cut', () => {
    const ids = [
      launchIdentity({ campaignId: 'c-1', shardId: 'shard-000' }, 3),
      launchIdentity({ campaignId: 'c-1', shardId: 'shard-001' }, 2),
      launchIdentity({ campaignId: 'c-2', shardId: 'shard-000' }, 2),
      launchIdentity({ campaignId: 'c-1', shardId: 'shard-0002' }, 0),
      launchIdentity({ campaignId: 'c-1s', shardId: 'hard-000' }, 2),
    ];
    expect(new Set(ids.map((i) => i.clientToken)).size).toBe(ids.length);
    expect(new Set(ids.map((i) => i.startedBy)).size).toBe(ids.length);
  });
});

describe('launchOverrides', () => {
  it("puts the spec's environment and the shard identity (which wins) on the engine container", () => {
    const overrides = launchOverrides(spec({ env: { ARBFLEET_STORE: 'dynamodb:x', ARBFLEET_SHARD_ID: 'forged' } }), 'engine');
    expect(overrides.containerOverrides).toEqual([
      {
        name: 'engine',
        environment: [
          { name: 'ARBFLEET_CAMPAIGN_ID', value: 'c-1' },
          { name: 'ARBFLEET_GENERATION', value: '2' },
          { name: 'ARBFLEET_SHARD_ID', value: 'shard-000' },
          { name: 'ARBFLEET_STORE', value: 'dynamodb:x' },
          { name: 'ARBFLEET_SYMBOLS', value: 'BTC,ETH' },
        ],
      },
    ]);
  });

  it("sends the campaign's task size as task-level cpu and memory (strings, as ECS takes them), and none without one", () => {
    const sized = launchOverrides(spec({ size: { cpu: 1024, memoryMiB: 4096 } }), 'engine');
    expect({ cpu: sized.cpu, memory: sized.memory }).toEqual({ cpu: '1024', memory: '4096' });
    const unsized = launchOverrides(spec(), 'engine');
    expect('cpu' in unsized || 'memory' in unsized).toBe(false);
  });

  it("refuses overrides above ECS's 8192 characters, naming the size and the largest variable", () => {
    const big = spec({ env: { ARBFLEET_CONFIG_JSON: 'x'.repeat(8_000), SMALL: 'y' } });
    expect(() => launchOverrides(big, 'engine')).toThrow(ValidationError);
    expect(() => launchOverrides(big, 'engine')).toThrow(
      /overrides are 8\d{3} characters of JSON, above ECS's limit of 8192; largest variables: ARBFLEET_CONFIG_JSON \(8000 chars\)/,
    );
    expect(() => launchOverrides(spec({ env: { ARBFLEET_CONFIG_JSON: 'x'.repeat(7_500) } }), 'engine')).not.toThrow();
  });
});

describe('taskStatusOf', () => {
  it('maps ECS lifecycle states onto PENDING, RUNNING and STOPPED', () => {
    const state = (lastStatus: string) => taskStatusOf({ taskArn: TASK_ARN, lastStatus }, 'engine').state;
    expect(['PROVISIONING', 'PENDING', 'ACTIVATING'].map(state)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(['RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING'].map(state)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    expect(state('STOPPED')).toBe('STOPPED');
  });

  it('says a task on its way down is exiting once its engine container has an exit code, and only then (not a sidecar’s)', () => {
    const down = (exitCode: number | undefined, name = 'engine') =>
      taskStatusOf({ taskArn: TASK_ARN, lastStatus: 'DEPROVISIONING', containers: [{ name: 'log-router' }, { name, exitCode }] }, 'engine');
    expect(down(4)).toEqual({ taskId: TASK_ARN, state: 'RUNNING', exiting: true });
    expect(down(undefined)).toEqual({ taskId: TASK_ARN, state: 'RUNNING' });
    expect(down(0, 'sidecar')).toEqual({ taskId: TASK_ARN, state: 'RUNNING' });
    // RUNNING is not on the way down, whatever a container says (moto's running task carries an exit code).
    expect(taskStatusOf({ taskArn: TASK_ARN, lastStatus: 'RUNNING', containers: [{ name: 'engine', exitCode: 0 }] }, 'engine')).toEqual({
      taskId: TASK_ARN,
      state: 'RUNNING',
    });
  });

  it("judges a stop from the engine container, not a sidecar, and sees ECS's OOM kill", () => {
    const status = taskStatusOf(
      {
        taskArn: TASK_ARN,
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        stoppedAt: new Date('2026-01-01T00:20:04Z'),
        containers: [
          { name: 'log-router', exitCode: 0 },
          { name: 'engine', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        ],
      },
      'engine',
    );
    expect(status).toEqual({
      taskId: TASK_ARN,
      state: 'STOPPED',
      exitCode: 137,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited (container engine: OutOfMemoryError: Container killed due to memory usage)',
      oom: true,
      stoppedAt: Date.parse('2026-01-01T00:20:04Z'),
    });
  });
});

/**
 * A stand-in for the ECS endpoint, over HTTP, for what no emulator does: throttling, capacity
 * failures, client-token conflicts and MISSING failures. The real SDK talks to it; each action
 * answers from a script (the last answer repeats).
 */
interface Answer {
  status?: number;
  body: Record<string, unknown>;
}
class FakeEcs {
  readonly requests: { action: string; body: Record<string, unknown> }[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private server!: Server;

  script(action: string, ...answers: Answer[]): void {
    this.scripts.set(action, answers);
  }

  calls(action: string): Record<string, unknown>[] {
    return this.requests.filter((r) => r.action === action).map((r) => r.body);
  }

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const action =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      this.requests.push({ action, body: JSON.parse((await readBody(req)) || '{}') });
      const script = this.scripts.get(action) ?? [{ body: {} }];
      const answer = (script.length > 1 ? script.shift() : script[0]) as Answer;
      const type = answer.body.__type;
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/x-amz-json-1.1',
        ...(typeof type === 'string' ? { 'x-amzn-errortype': type } : {}),
      });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });
}

const throttled: Answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
const noCapacity: Answer = {
  body: {
    tasks: [],
    failures: [
      {
        arn: 'arn:aws:ecs:us-east-1:111122223333:cluster/arbfleet',
        reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone',
      },
    ],
  },
};
const started: Answer = { body: { tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }], failures: [] } };
const noTasks: Answer = { body: { taskArns: [] } };

describe('EcsTaskLauncher against a scripted ECS endpoint', () => {
  let ecs: FakeEcs;
  let clients: AwsClients;
  let sleeps: number[];
  let clock: VirtualClock;

  beforeEach(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    ecs = new FakeEcs();
    const endpoint = await ecs.start();
    // One attempt per SDK call: the launcher's own retries are what is under test.
    clients = new AwsClients({ region: 'us-east-1', endpoint, maxAttempts: 1, connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
    sleeps = [];
    clock = new VirtualClock();
  });
  afterEach(async () => {
    clients.destroy();
    await ecs.stop();
    vi.unstubAllEnvs();
  });

  const launcher = (options: Partial<EcsTaskLauncherOptions> = {}) =>
    new EcsTaskLauncher({
      clients,
      cluster: 'arbfleet',
      taskDefinition: 'arbfleet-engine:7',
      containerName: 'engine',
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-1'],
      assignPublicIp: 'DISABLED',
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      random: () => 0.5,
      ...options,
    });

  it('sends RunTask with the idempotency token, startedBy, group, tags and the awsvpc network', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', started);
    expect(await launcher().launch(spec())).toEqual({ taskId: TASK_ARN });

    expect(ecs.calls('ListTasks')).toEqual([{ cluster: 'arbfleet', startedBy: launchIdentity(spec().key, 2).startedBy, desiredStatus: 'RUNNING' }]);
    const [run] = ecs.calls('RunTask');
    const identity = launchIdentity(spec().key, 2);
    expect(run).toMatchObject({
      cluster: 'arbfleet',
      taskDefinition: 'arbfleet-engine:7',
      launchType: 'FARGATE',
      count: 1,
      clientToken: identity.clientToken,
      startedBy: identity.startedBy,
      group: 'arbfleet:c-1',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
      tags: [
        { key: 'arbfleet:campaign', value: 'c-1' },
        { key: 'arbfleet:shard', value: 'shard-000' },
        { key: 'arbfleet:generation', value: '2' },
      ],
    });
  });

  it("an engine image's launch that ECS refuses (its definition deregistered by a concurrent cleanup) forgets the definition: the next launch looks it up again", async () => {
    const image = `111122223333.dkr.ecr.us-east-1.amazonaws.com/arbfleet/e@sha256:${'ef'.repeat(32)}`;
    const base = {
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/arbfleet-engine:7',
      containerDefinitions: [{ name: 'engine', image: 'stack-image' }],
    };
    const registered = { taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/arbfleet-engine-x:1', containerDefinitions: [] };
    const unknownFamily: Answer = { status: 400, body: { __type: 'ClientException', message: 'Unable to describe task definition.' } };
    ecs.script('ListTasks', noTasks);
    ecs.script('DescribeTaskDefinition', { body: { taskDefinition: base } }, unknownFamily, unknownFamily);
    ecs.script('RegisterTaskDefinition', { body: { taskDefinition: registered } });
    const inactive: Answer = { status: 400, body: { __type: 'ClientException', message: 'TaskDefinition is inactive' } };
    ecs.script('RunTask', inactive, started);
    const ecsLauncher = launcher();
    await expect(ecsLauncher.launch(spec({ image }))).rejects.toThrow('TaskDefinition is inactive');
    expect(await ecsLauncher.launch(spec({ image }))).toEqual({ taskId: TASK_ARN });
    // The base is described once; the image's family twice: once per launch, the failure having dropped what the first found.
    expect(ecs.calls('DescribeTaskDefinition').map((c) => c.taskDefinition)).toEqual([
      'arbfleet-engine:7',
      expect.stringMatching(/^arbfleet-engine-[0-9a-f]{16}$/),
      expect.stringMatching(/^arbfleet-engine-[0-9a-f]{16}$/),
    ]);
    expect(ecs.calls('RunTask').map((c) => c.taskDefinition)).toEqual([registered.taskDefinitionArn, registered.taskDefinitionArn]);
  });

  it('returns the task already running for the launch without calling RunTask', async () => {
    ecs.script('ListTasks', { body: { taskArns: [TASK_ARN] } });
    expect(await launcher().launch(spec())).toEqual({ taskId: TASK_ARN });
    expect(ecs.calls('RunTask')).toEqual([]);
  });

  it('retries a throttled RunTask with exponential backoff and full jitter, with the same client token', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', throttled, throttled, started);
    expect(await launcher().launch(spec())).toEqual({ taskId: TASK_ARN });
    expect(sleeps).toEqual([500, 1_000]); // random 0.5 × 1 s, × 2 s
    expect(new Set(ecs.calls('RunTask').map((r) => r.clientToken)).size).toBe(1);
  });

  it('retries a capacity failure, then surfaces it with ECS reason once the attempts are spent', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', noCapacity);
    const launch = launcher({ maxAttempts: 3 }).launch(spec());
    await expect(launch).rejects.toThrow(TaskLaunchError);
    await expect(launch).rejects.toMatchObject({ attempts: 3, reason: expect.stringMatching(/^Capacity is unavailable/) });
    await expect(launch).rejects.toThrow(/shard c-1\/shard-000 generation 2 after 3 attempts: Capacity is unavailable/);
    expect(ecs.calls('RunTask')).toHaveLength(3);
    expect(sleeps).toEqual([500, 1_000]);
  });

  it('caps the backoff', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', throttled);
    await expect(launcher({ maxAttempts: 8, random: () => 0.999_999 }).launch(spec())).rejects.toThrow(/after 8 attempts: ThrottlingException/);
    expect(sleeps).toEqual([999, 1_999, 3_999, 7_999, 15_999, 19_999, 19_999]);
  });

  it("keeps the SDK's error of the last attempt as the cause, retryable: the attempts ran out, not the reason", async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', throttled);
    const error = await launcher({ maxAttempts: 2 })
      .launch(spec())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskLaunchError);
    expect(error).toMatchObject({ kind: 'launch-failed', retryable: true, attempts: 2, cause: { name: 'ThrottlingException' } });
  });

  it('surfaces a failure that waiting cannot fix at once', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', { body: { tasks: [], failures: [{ arn: 'arn:aws:ecs:us-east-1:111122223333:cluster/arbfleet', reason: 'MISSING' }] } });
    await expect(launcher().launch(spec())).rejects.toMatchObject({ name: 'TaskLaunchError', reason: 'MISSING', attempts: 1, retryable: false });
    expect(sleeps).toEqual([]);
  });

  it('returns the task ECS holds the client token for when the token comes back with other parameters', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', {
      status: 400,
      body: { __type: 'ConflictException', message: 'The clientToken was used with different parameters', resourceIds: [TASK_ARN] },
    });
    expect(await launcher().launch(spec())).toEqual({ taskId: TASK_ARN });
  });

  it('refuses a client-token conflict it cannot resolve to a task', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', { status: 400, body: { __type: 'ConflictException', message: 'The clientToken was used with different parameters' } });
    await expect(launcher().launch(spec())).rejects.toThrow(StateConflictError);
  });

  it('reports a task ECS answers MISSING for as STOPPED with that reason', async () => {
    ecs.script('DescribeTasks', { body: { tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] } });
    expect(await launcher().describe([TASK_ARN])).toEqual([
      { taskId: TASK_ARN, state: 'STOPPED', unknown: true, stoppedReason: `${ECS_UNKNOWN_TASK_REASON}: MISSING` },
    ]);
  });

  it('stops a running task once: a task already stopping keeps its first reason', async () => {
    ecs.script(
      'DescribeTasks',
      { body: { tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }] } },
      { body: { tasks: [{ taskArn: TASK_ARN, lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED' }] } },
    );
    const ecsLauncher = launcher();
    await ecsLauncher.stop(TASK_ARN, `restart: STALLED ${'x'.repeat(300)}`);
    await ecsLauncher.stop(TASK_ARN, 'second reason');
    const stops = ecs.calls('StopTask');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ cluster: 'arbfleet', task: TASK_ARN });
    expect(String(stops[0]?.reason)).toHaveLength(255);
    expect(String(stops[0]?.reason)).toMatch(/^arbfleet: restart: STALLED x/); // a fleet stop reason, its prefix added by the launcher
  });

  it('still asks ECS to stop a task DescribeTasks does not show yet, and takes "not found" for done', async () => {
    ecs.script('DescribeTasks', { body: { tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] } });
    ecs.script('StopTask', { status: 400, body: { __type: 'InvalidParameterException', message: 'The referenced task was not found.' } });
    await expect(launcher().stop(TASK_ARN, 'restart: LOST')).resolves.toBeUndefined();
    expect(ecs.calls('StopTask')).toHaveLength(1);

    ecs.script('StopTask', { status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized to perform ecs:StopTask' } });
    await expect(launcher().stop(TASK_ARN, 'restart: LOST')).rejects.toThrow(/not authorized/);
  });

  it('launches many, keeping going past a failure, results in order', async () => {
    ecs.script('ListTasks', noTasks);
    ecs.script('RunTask', started, { body: { tasks: [], failures: [{ reason: 'ATTRIBUTE' }] } }, started);
    const results = await launcher({ launchConcurrency: 1 }).launchMany([spec(), spec({ generation: 3 }), spec({ generation: 4 })]);
    expect(results.map((r) => ('taskId' in r ? 'launched' : r.error.name))).toEqual(['launched', 'TaskLaunchError', 'launched']);
    expect(results.map((r) => r.spec.generation)).toEqual([2, 3, 4]);
  });
});
