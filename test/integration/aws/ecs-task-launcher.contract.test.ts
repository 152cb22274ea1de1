import { afterAll, beforeAll } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { EcsTaskLauncher, type EcsTaskLauncherOptions } from '../../../core/aws/ecs-task-launcher.js';
import { VirtualClock } from '../../../core/clock.js';
import { motoTaskTransition, setUpMotoEcs } from '../../support/moto-ecs.js';
import { describeTaskLauncherContract } from '../../contract/task-launcher.contract.js';

/**
 * The TaskLauncher contract for EcsTaskLauncher against the emulator. moto keeps tasks RUNNING
 * until stopped (manual transition, set by `setUpMotoEcs`) and moves a stopped task to STOPPED at
 * once, so `settle` has nothing to wait for. moto answers StopTask on an unknown task with an
 * HTTP 500 (ECS: "not found", which the adapter takes as done; its unit suite covers that reply).
 */
const CLUSTER = 'arbfleet-contract';
const clients = new AwsClients();
const clock = new VirtualClock();
let network: Pick<EcsTaskLauncherOptions, 'subnets' | 'securityGroups'>;

beforeAll(async () => {
  network = await setUpMotoEcs(clients, CLUSTER, 'arbfleet-engine-contract', 'engine');
});

afterAll(async () => {
  await motoTaskTransition(undefined);
  clients.destroy();
});

describeTaskLauncherContract(
  'EcsTaskLauncher (ECS on the emulator)',
  async () => ({
    launcher: new EcsTaskLauncher({
      clients,
      cluster: CLUSTER,
      taskDefinition: 'arbfleet-engine-contract',
      containerName: 'engine',
      ...network,
      assignPublicIp: 'DISABLED',
      clock,
      sleep: async (ms) => clock.advance(ms),
    }),
    unknownTaskId: `arn:aws:ecs:${process.env.AWS_REGION}:123456789012:task/${CLUSTER}/0123456789abcdef0123456789abcdef`,
    settle: async () => undefined,
    cleanup: async () => undefined,
  }),
  { stopsUnknownTasks: false },
);
