/**
 * A campaign's own engine image on ECS, over the wire against the emulator: the launcher registers
 * the image's task definition in its family (derived from the stack's, the agent as entrypoint),
 * RunTask uses it, later launches reuse it (a cold launcher too), a redeployed base makes a new
 * revision and the stale one is deregistered, and a revision deregistered behind its back is
 * registered again. moto's DescribeTaskDefinition of a family returns its latest revision whatever
 * its status (ECS: the latest ACTIVE one); the launcher checks the status either way.
 */
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { EcsTaskLauncher, type EcsTaskLauncherOptions } from '../../../core/aws/ecs-task-launcher.js';
import { AGENT_COMMAND, AGENT_ENTRYPOINT, AGENT_WORKING_DIRECTORY, engineFamilyOf } from '../../../core/aws/engine-task-definitions.js';
import { VirtualClock } from '../../../core/clock.js';
import type { TaskSpec } from '../../../core/ports.js';
import { motoTaskTransition, setUpMotoEcs } from '../../support/moto-ecs.js';

const CLUSTER = 'arbfleet-images';
const BASE_FAMILY = 'arbfleet-images-engine';
const CONTAINER = 'engine';
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/arbfleet/python-engine@sha256:${'cd'.repeat(32)}`;
const clients = new AwsClients();
const clock = new VirtualClock();
let network: Pick<EcsTaskLauncherOptions, 'subnets' | 'securityGroups'>;
/** The base as the stack's redeploys leave it: revision 1 from setUpMotoEcs, then the one registered here. */
let baseArn = '';

const baseContainer: ContainerDefinition = {
  name: CONTAINER,
  image: 'arbfleet/engine:test',
  essential: true,
  memory: 512,
  environment: [{ name: 'ARBFLEET_STORE', value: 'dynamodb:Arbfleet-' }],
  healthCheck: { command: ['CMD', 'node', 'engine-task/dist/healthcheck.mjs'], interval: 15, timeout: 5, retries: 3, startPeriod: 30 },
  stopTimeout: 30,
};

const spec = (shardId: string, image: string | null = IMAGE): TaskSpec => ({
  key: { campaignId: 'c-images', shardId },
  generation: 0,
  symbols: ['BTC'],
  env: { ARBFLEET_CONFIG_FROM: 'store' },
  ...(image !== null ? { image } : {}),
});

/** A launcher as a fresh Lambda container builds it: nothing known of any image's definition yet. */
function coldLauncher(taskDefinition = baseArn): EcsTaskLauncher {
  return new EcsTaskLauncher({
    clients,
    cluster: CLUSTER,
    taskDefinition,
    containerName: CONTAINER,
    ...network,
    assignPublicIp: 'DISABLED',
    clock,
    sleep: async (ms) => clock.advance(ms),
  });
}

async function registerBase(): Promise<string> {
  const { taskDefinition } = await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: BASE_FAMILY,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      taskRoleArn: 'arn:aws:iam::123456789012:role/engine-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/engine-execution',
      containerDefinitions: [baseContainer],
    }),
  );
  return taskDefinition?.taskDefinitionArn as string;
}

async function activeRevisions(family: string): Promise<number[]> {
  const { taskDefinitionArns = [] } = await clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }));
  return taskDefinitionArns.map((arn) => Number(arn.slice(arn.lastIndexOf(':') + 1))).sort((a, b) => a - b);
}

/** The family's revisions ECS keeps INACTIVE (deregistered, not deleted). */
async function inactiveRevisions(family: string): Promise<number[]> {
  const { taskDefinitionArns = [] } = await clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'INACTIVE' }));
  return taskDefinitionArns.map((arn) => Number(arn.slice(arn.lastIndexOf(':') + 1))).sort((a, b) => a - b);
}

/** Whether ECS still knows `family:revision` (ACTIVE or INACTIVE; a deleted one is gone). */
async function exists(family: string, revision: number): Promise<boolean> {
  return clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${family}:${revision}` })).then(
    () => true,
    () => false,
  );
}

async function taskDefinitionOfTask(taskArn: string): Promise<string> {
  const { tasks = [] } = await clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }));
  return tasks[0]?.taskDefinitionArn as string;
}

beforeAll(async () => {
  network = await setUpMotoEcs(clients, CLUSTER, BASE_FAMILY, CONTAINER);
  baseArn = await registerBase();
});

afterAll(async () => {
  await motoTaskTransition(undefined);
  clients.destroy();
});

describe("an engine image's task definition, registered by the launcher on the emulator", () => {
  const family = () => engineFamilyOf(baseArn, IMAGE);

  it("registers revision 1 of the image's family, the agent as entrypoint, the base's roles, size, environment and health check; RunTask uses it", async () => {
    const { taskId } = await coldLauncher().launch(spec('shard-000'));
    const used = await taskDefinitionOfTask(taskId);
    expect(used).toMatch(new RegExp(`:task-definition/${family()}:1$`));
    const { taskDefinition } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: used }));
    expect(taskDefinition).toMatchObject({
      family: family(),
      status: 'ACTIVE',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      taskRoleArn: 'arn:aws:iam::123456789012:role/engine-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/engine-execution',
    });
    expect(taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      name: CONTAINER,
      image: IMAGE,
      entryPoint: [...AGENT_ENTRYPOINT],
      command: [...AGENT_COMMAND],
      workingDirectory: AGENT_WORKING_DIRECTORY,
      environment: baseContainer.environment,
      healthCheck: baseContainer.healthCheck,
      dockerLabels: expect.objectContaining({ 'arbfleet.engine-image': IMAGE, 'arbfleet.base-task-definition': baseArn }),
    });
  });

  it('reuses it for the next launches, from a warm launcher and from a cold one: no second revision', async () => {
    const warm = coldLauncher();
    const first = await warm.launch(spec('shard-001'));
    const second = await warm.launch(spec('shard-002'));
    const cold = await coldLauncher().launch(spec('shard-003'));
    for (const { taskId } of [first, second, cold]) expect(await taskDefinitionOfTask(taskId)).toMatch(new RegExp(`:task-definition/${family()}:1$`));
    expect(await activeRevisions(family())).toEqual([1]);
  });

  it('registers one revision for launches of a new image at once (launchMany shares the look-up)', async () => {
    const other = IMAGE.replace('python-engine', 'other-engine');
    const results = await coldLauncher().launchMany([1, 2, 3].map((n) => spec(`shard-1${n}`, other)));
    expect(results.map((r) => ('error' in r ? String(r.error) : 'launched'))).toEqual(['launched', 'launched', 'launched']);
    expect(await activeRevisions(engineFamilyOf(baseArn, other))).toEqual([1]);
  });

  it('runs a spec without an image on the base itself', async () => {
    const { taskId } = await coldLauncher().launch(spec('shard-004', null));
    expect(await taskDefinitionOfTask(taskId)).toBe(baseArn);
  });

  it("after a redeploy (a new base revision) registers the image's next revision, deregisters the stale one and deletes it", async () => {
    const before = family();
    baseArn = await registerBase();
    expect(family(), 'the family is per image, whatever the base revision').toBe(before);
    const { taskId } = await coldLauncher().launch(spec('shard-005'));
    expect(await taskDefinitionOfTask(taskId)).toMatch(new RegExp(`:task-definition/${family()}:2$`));
    expect(await activeRevisions(family())).toEqual([2]);
    expect(await inactiveRevisions(family()), 'no INACTIVE revision left behind').toEqual([]);
    expect(await exists(family(), 1), 'revision 1 deleted (DeleteTaskDefinitions)').toBe(false);
  });

  it('registers the definition again when its revision was deregistered behind its back, and deletes that INACTIVE one', async () => {
    await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `${family()}:2` }));
    expect(await inactiveRevisions(family())).toEqual([2]);
    const { taskId } = await coldLauncher().launch(spec('shard-006'));
    expect(await taskDefinitionOfTask(taskId)).toMatch(new RegExp(`:task-definition/${family()}:3$`));
    expect(await activeRevisions(family())).toEqual([3]);
    expect(await inactiveRevisions(family())).toEqual([]);
    expect(await exists(family(), 2)).toBe(false);
  });

  it('deletes at most 10 INACTIVE revisions per registration (one DeleteTaskDefinitions call), the oldest first; the rest at the next one', async () => {
    const other = IMAGE.replace('python-engine', 'many-revisions');
    const many = engineFamilyOf(baseArn, other);
    // 12 revisions of the image's family made and deregistered by hand (as ECS would keep them after older cleanups without deletion).
    for (let n = 0; n < 12; n++) {
      const { taskDefinition } = await clients.ecs.send(
        new RegisterTaskDefinitionCommand({ family: many, containerDefinitions: [{ ...baseContainer, image: other }], memory: '512' }),
      );
      await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinition?.taskDefinitionArn as string }));
    }
    expect(await inactiveRevisions(many)).toHaveLength(12);
    await coldLauncher().launch(spec('shard-007', other));
    expect(await activeRevisions(many)).toEqual([13]);
    expect(await inactiveRevisions(many), 'the 2 newest wait for the next registration').toEqual([11, 12]);
    baseArn = await registerBase();
    await coldLauncher().launch(spec('shard-008', other));
    expect(await activeRevisions(many)).toEqual([14]);
    expect(await inactiveRevisions(many)).toEqual([]);
  });
});
