import { describe, expect, it } from 'vitest';
import { parseTaskStateChange } from '../../../core/aws/ecs-task-event.js';
import { ValidationError } from '../../../core/errors.js';
import { campaignStopReason, classifyStop } from '../../../core/fleet/watchdog-policy.js';

const TASK_ARN = 'arn:aws:ecs:us-east-1:111122223333:task/arbfleet/5b1e1a6e0c3a4f1f9d2b8d1c2e3f4a5b';
const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:111122223333:cluster/arbfleet';

type Json = Record<string, unknown>;

/**
 * An "ECS Task State Change" event of a Fargate task as EventBridge delivers it (the shape of the
 * example in the ECS developer guide, "Amazon ECS task state change events"), for an arbfleet
 * task whose engine was killed by the OOM killer. `detail` overrides are merged in.
 */
function stoppedEvent(detail: Json = {}, container: Json = {}): Json {
  return {
    version: '0',
    id: '3317b2af-7005-947d-b652-f55e762e571a',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '111122223333',
    time: '2026-01-01T00:20:05Z',
    region: 'us-east-1',
    resources: [TASK_ARN],
    detail: {
      attachments: [
        {
          id: '1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8',
          type: 'eni',
          status: 'DELETED',
          details: [
            { name: 'subnetId', value: 'subnet-abcd1234' },
            { name: 'networkInterfaceId', value: 'eni-abcd1234' },
            { name: 'privateIPv4Address', value: '10.0.0.139' },
          ],
        },
      ],
      attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
      availabilityZone: 'us-east-1b',
      clusterArn: CLUSTER_ARN,
      connectivity: 'CONNECTED',
      connectivityAt: '2026-01-01T00:00:03.000Z',
      containers: [
        {
          containerArn: 'arn:aws:ecs:us-east-1:111122223333:container/arbfleet/5b1e1a6e/0a1b2c3d',
          exitCode: 137,
          lastStatus: 'STOPPED',
          name: 'engine',
          image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/arbfleet-engine:latest',
          imageDigest: 'sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6',
          runtimeId: '5b1e1a6e0c3a4f1f9d2b8d1c2e3f4a5b-1234567890',
          reason: 'OutOfMemoryError: Container killed due to memory usage',
          taskArn: TASK_ARN,
          networkInterfaces: [{ attachmentId: '1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8', privateIpv4Address: '10.0.0.139' }],
          cpu: '0',
          ...container,
        },
        {
          containerArn: 'arn:aws:ecs:us-east-1:111122223333:container/arbfleet/5b1e1a6e/9f8e7d6c',
          exitCode: 0,
          lastStatus: 'STOPPED',
          name: 'log-router',
          image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
          taskArn: TASK_ARN,
          cpu: '0',
        },
      ],
      cpu: '1024',
      createdAt: '2026-01-01T00:00:00.412Z',
      desiredStatus: 'STOPPED',
      enableExecuteCommand: false,
      ephemeralStorage: { sizeInGiB: 20 },
      executionStoppedAt: '2026-01-01T00:20:01.000Z',
      group: 'arbfleet:c-1',
      launchType: 'FARGATE',
      lastStatus: 'STOPPED',
      memory: '2048',
      overrides: {
        containerOverrides: [
          {
            name: 'engine',
            environment: [
              { name: 'ARBFLEET_CAMPAIGN_ID', value: 'c-1' },
              { name: 'ARBFLEET_GENERATION', value: '3' },
              { name: 'ARBFLEET_SHARD_ID', value: 'shard-002' },
              { name: 'ARBFLEET_STORE', value: 'dynamodb:arbfleet' },
              { name: 'ARBFLEET_SYMBOLS', value: 'BTC,ETH' },
            ],
          },
        ],
      },
      platformVersion: '1.4.0',
      pullStartedAt: '2026-01-01T00:00:05.000Z',
      pullStoppedAt: '2026-01-01T00:00:09.000Z',
      startedAt: '2026-01-01T00:00:10.000Z',
      startedBy: 'arbfleet-0123456789abcdef0123456789a',
      stopCode: 'EssentialContainerExited',
      stoppedAt: '2026-01-01T00:20:04.000Z',
      stoppedReason: 'Essential container in task exited',
      stoppingAt: '2026-01-01T00:20:02.000Z',
      taskArn: TASK_ARN,
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/arbfleet-engine:7',
      updatedAt: '2026-01-01T00:20:04.000Z',
      version: 5,
      ...detail,
    },
  };
}

describe('parseTaskStateChange', () => {
  it('reads an OOM-killed engine: shard and generation from the overrides, exit code of the engine container, oom', () => {
    const parsed = parseTaskStateChange(stoppedEvent());
    expect(parsed).toEqual({
      event: {
        taskId: TASK_ARN,
        state: 'STOPPED',
        key: { campaignId: 'c-1', shardId: 'shard-002' },
        generation: 3,
        exitCode: 137,
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited (container engine: OutOfMemoryError: Container killed due to memory usage)',
        oom: true,
        stoppedAt: Date.parse('2026-01-01T00:20:04.000Z'),
      },
      detailVersion: 5,
      group: 'arbfleet:c-1',
      startedAt: Date.parse('2026-01-01T00:00:10.000Z'),
      clusterArn: CLUSTER_ARN,
    });
    const stop = classifyStop(parsed!.event);
    expect(stop).toMatchObject({ cause: 'OOM', detail: { exitCode: 137, stopCode: 'EssentialContainerExited' } });
  });

  it('reads a clean exit 0 as a completion, not a restart', () => {
    const parsed = parseTaskStateChange(stoppedEvent({}, { exitCode: 0, reason: undefined }));
    expect(parsed?.event).toMatchObject({ exitCode: 0, oom: false, stoppedReason: 'Essential container in task exited' });
    expect(classifyStop(parsed!.event)).toBe('completed');
  });

  it('carries the reason the control plane gave StopTask, so a campaign stop is completion', () => {
    const parsed = parseTaskStateChange(
      stoppedEvent({ stopCode: 'UserInitiated', stoppedReason: campaignStopReason('ended') }, { exitCode: 143, reason: undefined }),
    );
    expect(parsed?.event).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'arbfleet: campaign ended', exitCode: 143 });
    expect(classifyStop(parsed!.event)).toBe('completed');
  });

  it('reads a task that never started: no exit code, the pull error as evidence', () => {
    const parsed = parseTaskStateChange(
      stoppedEvent(
        { stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)', startedAt: undefined },
        { exitCode: undefined, reason: undefined },
      ),
    );
    expect(parsed?.event.exitCode).toBeUndefined();
    expect(parsed?.startedAt).toBeUndefined();
    expect(classifyStop(parsed!.event)).toMatchObject({
      cause: 'CRASHED',
      detail: { stopCode: 'TaskFailedToStart', note: expect.stringMatching(/without an exit code/) },
    });
  });

  it('ignores a task that has not stopped yet', () => {
    for (const lastStatus of ['PROVISIONING', 'PENDING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING']) {
      expect(parseTaskStateChange(stoppedEvent({ lastStatus, desiredStatus: 'STOPPED' }))).toBeUndefined();
    }
  });

  it('ignores tasks that are not ours and events that are not task state changes', () => {
    expect(parseTaskStateChange(stoppedEvent({ overrides: { containerOverrides: [] } }))).toBeUndefined();
    expect(parseTaskStateChange(stoppedEvent({ overrides: undefined }))).toBeUndefined();
    expect(parseTaskStateChange({ ...stoppedEvent(), 'detail-type': 'ECS Container Instance State Change' })).toBeUndefined();
    expect(parseTaskStateChange({ ...stoppedEvent(), source: 'my.app' })).toBeUndefined();
    for (const junk of [undefined, null, 'STOPPED', 42, [], {}]) expect(parseTaskStateChange(junk)).toBeUndefined();
  });

  it('keeps detail.version so that duplicates and older events can be told apart', () => {
    const first = parseTaskStateChange(stoppedEvent({ version: 5 }));
    const duplicate = parseTaskStateChange(stoppedEvent({ version: 5 }));
    const older = parseTaskStateChange(stoppedEvent({ version: 4 }));
    expect(duplicate).toEqual(first);
    expect(older!.detailVersion).toBeLessThan(first!.detailVersion);
  });

  it('rejects an arbfleet task event whose fields are not what ECS sends, naming the field', () => {
    const badGeneration = stoppedEvent({
      overrides: {
        containerOverrides: [
          {
            name: 'engine',
            environment: [
              { name: 'ARBFLEET_CAMPAIGN_ID', value: 'c-1' },
              { name: 'ARBFLEET_SHARD_ID', value: 's' },
              { name: 'ARBFLEET_GENERATION', value: 'two' },
            ],
          },
        ],
      },
    });
    expect(() => parseTaskStateChange(badGeneration)).toThrow(ValidationError);
    expect(() => parseTaskStateChange(badGeneration)).toThrow(/ARBFLEET_GENERATION: expected a whole number, found "two"/);
    expect(() => parseTaskStateChange(stoppedEvent({ version: 'five' }))).toThrow(/detail\.version/);
    expect(() => parseTaskStateChange(stoppedEvent({ stoppedAt: 'yesterday' }))).toThrow(/detail\.stoppedAt/);
  });
});
