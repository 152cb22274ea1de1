import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { ecsAdmissionIssues } from '../../../core/aws/ecs-admission.js';
import {
  AGENT_COMMAND,
  AGENT_ENTRYPOINT,
  AGENT_WORKING_DIRECTORY,
  allowedEngineImages,
  definitionHashOf,
  engineFamilyOf,
  engineImageIssues,
  engineTaskDefinitionInput,
  familyOf,
} from '../../../core/aws/engine-task-definitions.js';
import type { CampaignRecord, ShardRecord } from '../../../core/model/records.js';

const PREFIX = '123456789012.dkr.ecr.us-east-1.amazonaws.com/arbfleet/';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `${PREFIX}python-engine@${DIGEST}`;
const BASE_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/Arbfleet-engine:7';

const base: TaskDefinition = {
  taskDefinitionArn: BASE_ARN,
  family: 'Arbfleet-engine',
  revision: 7,
  status: 'ACTIVE',
  taskRoleArn: 'arn:aws:iam::123456789012:role/task',
  executionRoleArn: 'arn:aws:iam::123456789012:role/execution',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '512',
  memory: '1024',
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  containerDefinitions: [
    {
      name: 'engine',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-assets:abc',
      essential: true,
      environment: [{ name: 'ARBFLEET_STORE', value: 'dynamodb:Arbfleet-' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'engine-logs' } },
      healthCheck: { command: ['CMD', 'node', 'engine-task/dist/healthcheck.mjs'], interval: 15 },
      stopTimeout: 30,
    },
    { name: 'sidecar', image: 'public.ecr.aws/sidecar:1', essential: false },
  ],
};

describe('engine images a stack accepts (engine.image at the front door)', () => {
  it('accepts an image under an allowed prefix pinned by digest', () => {
    expect(engineImageIssues(IMAGE, [PREFIX])).toEqual([]);
  });

  it('refuses a tag instead of a digest, naming engine.image and why', () => {
    const issues = engineImageIssues(`${PREFIX}python-engine:latest`, [PREFIX]);
    expect(issues).toEqual([{ path: 'engine.image', message: expect.stringMatching(/pinned by digest.*found ".*python-engine:latest"/) }]);
  });

  it('refuses an image of another registry or repository prefix, naming the allowed prefix', () => {
    for (const image of [`docker.io/library/python@${DIGEST}`, `123456789012.dkr.ecr.us-east-1.amazonaws.com/other/python-engine@${DIGEST}`]) {
      const issues = engineImageIssues(image, [PREFIX]);
      expect(issues, image).toEqual([{ path: 'engine.image', message: expect.stringContaining(`expected a reference starting with "${PREFIX}"`) }]);
    }
  });

  it('refuses every image when the stack allows none', () => {
    expect(engineImageIssues(IMAGE, [])).toEqual([{ path: 'engine.image', message: expect.stringContaining('allows no engine image') }]);
  });

  it('reads the allowed prefixes from ARBFLEET_ENGINE_IMAGES, comma-separated', () => {
    expect(allowedEngineImages({ ARBFLEET_ENGINE_IMAGES: ` ${PREFIX}, 2.dkr.ecr.eu-west-1.amazonaws.com/x/ ` })).toEqual([
      PREFIX,
      '2.dkr.ecr.eu-west-1.amazonaws.com/x/',
    ]);
    expect(allowedEngineImages({})).toEqual([]);
  });

  it('is checked by the ECS admission for a command engine with an image; its replay data is then its own image’s', () => {
    const campaign = (engine: unknown) =>
      ({
        campaignId: 'c-1',
        config: { engine, feed: { kind: 'replay', path: '../data/own.csv' }, task: { cpu: 512, memoryMiB: 1024 } },
      }) as unknown as CampaignRecord;
    const shard = { shardId: 'shard-000', generation: 0, symbols: ['BTC'] } as unknown as ShardRecord;
    const env = () => ({});
    const own = ecsAdmissionIssues(campaign({ kind: 'command', command: ['python3', 'e.py'], image: `${PREFIX}x:latest` }), [shard], env, 'engine', new Set(), [
      PREFIX,
    ]);
    expect(own.map((i) => i.path)).toEqual(['engine.image']);
    const stackImage = ecsAdmissionIssues(campaign({ kind: 'command', command: ['python3', 'e.py'] }), [shard], env, 'engine', new Set(), [PREFIX]);
    expect(stackImage.map((i) => i.path)).toEqual(['feed.path']);
  });
});

describe("an engine image's task definition, derived from the stack's", () => {
  it('lives in a family of its own: <base family>-<16 hex of the image hash>, the same for every spelling of the base', () => {
    const family = engineFamilyOf(BASE_ARN, IMAGE);
    expect(family).toMatch(/^Arbfleet-engine-[0-9a-f]{16}$/);
    expect(engineFamilyOf('Arbfleet-engine:3', IMAGE)).toBe(family);
    expect(engineFamilyOf('Arbfleet-engine', IMAGE)).toBe(family);
    expect(engineFamilyOf(BASE_ARN, `${PREFIX}other@${DIGEST}`)).not.toBe(family);
    expect(familyOf(`arn:aws:ecs:us-east-1:1:task-definition/${family}:12`)).toBe(family);
  });

  it("keeps the base's roles, size, platform, environment, logs, health check and other containers; runs the image under the agent", () => {
    const input = engineTaskDefinitionInput(base, IMAGE, 'engine');
    expect(input).toMatchObject({
      family: engineFamilyOf(BASE_ARN, IMAGE),
      taskRoleArn: base.taskRoleArn,
      executionRoleArn: base.executionRoleArn,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      runtimePlatform: base.runtimePlatform,
    });
    const [engine, sidecar] = input.containerDefinitions ?? [];
    expect(engine).toMatchObject({
      name: 'engine',
      image: IMAGE,
      entryPoint: [...AGENT_ENTRYPOINT],
      command: [...AGENT_COMMAND],
      workingDirectory: AGENT_WORKING_DIRECTORY,
      environment: base.containerDefinitions?.[0]?.environment,
      logConfiguration: base.containerDefinitions?.[0]?.logConfiguration,
      healthCheck: base.containerDefinitions?.[0]?.healthCheck,
      stopTimeout: 30,
      dockerLabels: { 'arbfleet.base-task-definition': BASE_ARN, 'arbfleet.engine-image': IMAGE },
    });
    expect(sidecar).toEqual(base.containerDefinitions?.[1]);
    expect(input.tags).toEqual([
      { key: 'arbfleet:base-task-definition', value: BASE_ARN },
      { key: 'arbfleet:engine-image', value: IMAGE },
    ]);
  });

  it('is keyed by its content: the same base and image give the same hash, a redeployed base or another image another', () => {
    const hash = definitionHashOf(engineTaskDefinitionInput(base, IMAGE, 'engine'), 'engine');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(definitionHashOf(engineTaskDefinitionInput(base, IMAGE, 'engine'), 'engine')).toBe(hash);
    const redeployed = { ...base, taskDefinitionArn: BASE_ARN.replace(':7', ':8'), revision: 8 };
    expect(definitionHashOf(engineTaskDefinitionInput(redeployed, IMAGE, 'engine'), 'engine')).not.toBe(hash);
    expect(definitionHashOf(engineTaskDefinitionInput(base, `${PREFIX}other@${DIGEST}`, 'engine'), 'engine')).not.toBe(hash);
  });

  it('fails naming the base and the container when the base has no such container', () => {
    expect(() => engineTaskDefinitionInput(base, IMAGE, 'missing')).toThrow(`task definition ${BASE_ARN}: no container named "missing"`);
  });
});
