/**
 * The seed-shaped Python engine on AWS, on the emulator (issue 18): a campaign whose `engine.image`
 * is the Python example's image (`examples/python-engine/Dockerfile`, laid out without Docker on
 * the staged engine image: the agent bundle in `/app`, the client, the example and its real candles
 * where the Dockerfile copies them) goes through the fleet's own path: POST /campaigns (the api
 * handler), the launch message (SQS) → the launcher handler registers the image's task definition
 * and runs it (moto's ECS) → the agent bundle, started as that definition says with the task's
 * environment and the template's engine task role (IAM enforced by moto, as in
 * `deployed-artifacts.test.ts`), runs `python3 examples/python-engine/engine.py` as its child (the
 * client on PYTHONPATH, importable as `pip install ./clients/python` makes it) on
 * 6 hours of real 15-minute candles (24 per venue) → heartbeats and fills in DynamoDB. One fault:
 * the Python child SIGKILLed after its first commit: the agent ends `crashed` naming SIGKILL (exit
 * 1, not completed), the ECS Task State Change (task-events handler) restarts the shard as CRASHED,
 * the relaunched agent's child resumes from its checkpoint and ends the replay `done`, and its
 * exit 0 completes the shard. The ledger: gap-free, every trade's legs once, no recorded candle
 * traded twice.
 *
 * The control plane runs in this process (the handlers' code, with an operator's credentials); the
 * bundles under their own roles are `deployed-artifacts.test.ts`'s. The template is synthesised in
 * process (no Lambda bundling: only its tables, roles, policies, cluster and task definition are used).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { engineFamilyOf } from '../../../core/aws/engine-task-definitions.js';
import { systemClock } from '../../../core/clock.js';
import { ENGINE_EXIT } from '../../../core/exit-codes.js';
import type { Fill } from '../../../core/model/fill.js';
import { apiHandlerFor } from '../../../functions/api.js';
import { createFleetRuntime, type FleetRuntime } from '../../../functions/fleet-runtime.js';
import { lambdaEnvironment } from '../../../functions/lambda-environment.js';
import { launcherHandlerFor } from '../../../functions/launcher.js';
import { handleTaskEvent } from '../../../functions/task-events.js';
import { logicalIdOf } from '../../../infra/constructs/control-plane.js';
import { synthArbfleet } from '../../infra/support/synth-stack.js';
import { resourcesOfType, type CloudFormationTemplate } from '../../support/cloud-assembly.js';
import { PhysicalResources, resolveString } from '../../support/cloudformation-values.js';
import { deployTemplateToMoto, engineTaskRoleOf, layOutImageCopies, emulatorSettings, useCredentials } from '../../support/emulated-deployment.js';
import { assumeTemplateRole, createOperator, enforceIam, type RoleCredentials } from '../../support/emulated-roles.js';
import { MOTO_ACCOUNT_ID, type RegisteredTaskDefinition } from '../../support/emulated-stack.js';
import { stageEngineImage, startEngineImage } from '../../support/engine-image.js';
import { ENGINE_BUNDLE, ROOT, waitFor, type NodeProcess } from '../../support/engine-process.js';
import { apiGatewayProxyEvent, sqsEvent, taskStateChangeEvent } from '../../support/lambda-events.js';
import { CONDITION_DEADLINE_MS, LOADED_TEST_TIMEOUT_MS } from '../../support/loaded-machine.js';
import { motoTaskTransitionAt } from '../../support/moto-task-transition.js';
import { startMotoServer, type MotoServer } from '../../support/moto-server.js';

const REGION = 'us-east-1';
const STACK = 'Arbfleet';
const { stack, json } = synthArbfleet();
const template = json as unknown as CloudFormationTemplate;
const resources = new PhysicalResources({ accountId: MOTO_ACCOUNT_ID, region: REGION, stackName: STACK });

let moto: MotoServer;
let operator: AwsClients;
let runtime: FleetRuntime;
let engineTask: RegisteredTaskDefinition;
let engineRole: RoleCredentials;
let launchQueue: { url: string; arn: string };
/** The Python example's image: the staged engine image (`/app`) with what its Dockerfile copies. */
let image: { appDir: string; main: string };
let allowedImages = '';
const agents: NodeProcess[] = [];

/**
 * `configs/python-engine.yaml` as a user would send it to the deployed API: its engine in its own
 * image (pinned by digest under the stack's prefix), feed paths as the image holds them (from
 * `/app`), run_once at 1 ms (the loop's pace is its own sleeps, 0.05–0.1 s a candle), 6 hours of
 * candles, and the shipped rule without the EWMA baseline so that trades come from the first candles.
 */
function pythonCampaign(engineImage: string) {
  const shipped = parse(readFileSync(path.join(ROOT, 'configs/python-engine.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  const feed = shipped.feed as { sources: { path: string }[] };
  return {
    ...shipped,
    name: 'python-engine-on-aws',
    engine: { kind: 'command', command: ['python3', 'examples/python-engine/engine.py', '--run-once-ms', '1'], image: engineImage },
    strategy: { ...shipped.strategy, premiumBaseline: { kind: 'none' }, maxHolding: '1h' },
    feed: { ...feed, to: '2025-08-22T03:30:00Z', sources: feed.sources.map((s) => ({ ...s, path: s.path.replace(/^\.\.\//, '') })) },
    // Nothing here is judged by staleness: a loaded machine's slow moto must not restart a shard as LOST.
    watchdog: { heartbeatInterval: '0.5s', staleAfter: '10s', launchTimeout: '120s', maxRestarts: 3, backoff: { initial: 0 } },
  };
}

/** Receives `count` launch messages as the SQS event source would and hands them to the launcher handler. */
async function launchFromQueue(count: number): Promise<void> {
  const messages: Message[] = [];
  await waitFor(
    `${count} launch message(s)`,
    async () => {
      const { Messages = [] } = await operator.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: launchQueue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      messages.push(...Messages);
      return messages.length >= count ? true : undefined;
    },
    CONDITION_DEADLINE_MS,
  );
  const { batchItemFailures } = await launcherHandlerFor(runtime)(sqsEvent(messages, launchQueue.arn, REGION));
  expect(batchItemFailures).toEqual([]);
}

async function taskOf(key: { campaignId: string; shardId: string }): Promise<Task> {
  const shard = await runtime.store.getShard(key);
  if (!shard?.taskId) throw new Error(`${key.shardId} has no task`);
  const { tasks = [] } = await operator.ecs.send(new DescribeTasksCommand({ cluster: runtime.env.cluster, tasks: [shard.taskId] }));
  if (!tasks[0]) throw new Error(`moto knows no task ${shard.taskId}`);
  return tasks[0];
}

/** Starts the agent bundle as ECS would start `task`: its definition's environment, then RunTask's overrides, the task role's credentials. */
async function startAgentOfTask(task: Task): Promise<NodeProcess> {
  const { taskDefinition } = await operator.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn as string }));
  const container = taskDefinition?.containerDefinitions?.find((c) => c.name === engineTask.container.name);
  const definitionEnv = Object.fromEntries((container?.environment ?? []).map((e) => [e.name as string, e.value as string]));
  const override = task.overrides?.containerOverrides?.find((o) => o.name === container?.name);
  const overrides = Object.fromEntries((override?.environment ?? []).map((e) => [e.name as string, e.value as string]));
  // PYTHONPATH: the client importable as `pip install ./clients/python` makes it in an image (the example's own fallback path unused).
  const installed = { PYTHONPATH: path.join(image.appDir, 'clients/python/src') };
  const agent = startEngineImage(image, { ...installed, ...definitionEnv, ...overrides, AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION, ...engineRole });
  agents.push(agent);
  return agent;
}

/** The agent's children (its engine's process group leader): from /proc, as `ps --ppid` reads them. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** What ECS reports when the task's essential container exits `exitCode`, handed to the task-events handler. */
async function taskExited(task: Task, exitCode: number, version: number): Promise<string> {
  await operator.ecs.send(new StopTaskCommand({ cluster: task.clusterArn, task: task.taskArn, reason: 'Essential container in task exited' }));
  return (await handleTaskEvent(runtime, taskStateChangeEvent(await taskOfArn(task), exitCode, version, REGION))).verdict;
}

async function taskOfArn(task: Task): Promise<Task> {
  const { tasks = [] } = await operator.ecs.send(new DescribeTasksCommand({ cluster: task.clusterArn, tasks: [task.taskArn as string] }));
  return tasks[0] ?? task;
}

const explain = (agent: NodeProcess) => `\n--- agent stderr ---\n${agent.stderr().slice(-2500)}\n--- agent stdout ---\n${agent.stdout().slice(-1500)}`;

beforeAll(async () => {
  // A large count: setup runs unauthenticated; enforceIam() then switches checking on at once.
  moto = await startMotoServer({ INITIAL_NO_AUTH_ACTION_COUNT: '1000000' });
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = REGION;
  useCredentials({ AWS_ACCESS_KEY_ID: 'setup', AWS_SECRET_ACCESS_KEY: 'setup' });
  const setup = new AwsClients(emulatorSettings(moto.endpoint, REGION));
  await motoTaskTransitionAt(moto.endpoint, { progression: 'manual', times: 1_000_000 });
  engineTask = await deployTemplateToMoto(template, resources, moto.endpoint, STACK, setup);
  setup.destroy();
  engineRole = await assumeTemplateRole(resources, moto.endpoint, engineTaskRoleOf(template), 'engine-task');

  // The control plane as the launcher function's environment in the template says, resolved.
  const launcherId = logicalIdOf(stack.controlPlane.functions.launcher);
  const launcherFunction = resourcesOfType(template, 'AWS::Lambda::Function').find(([id]) => id === launcherId)?.[1];
  const variables = (launcherFunction?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolveString(v, resources)]));
  allowedImages = environment.ARBFLEET_ENGINE_IMAGES as string;
  process.env.ARBFLEET_ENGINE_IMAGES = allowedImages;
  const [queueId] = resourcesOfType(template, 'AWS::SQS::Queue').find(([id]) => resources.ref(id) === environment.ARBFLEET_LAUNCH_QUEUE_URL) ?? [];
  launchQueue = { url: environment.ARBFLEET_LAUNCH_QUEUE_URL as string, arn: resources.getAtt(queueId as string, 'Arn') };

  useCredentials(await createOperator(moto.endpoint));
  await enforceIam(moto.endpoint);
  operator = new AwsClients(emulatorSettings(moto.endpoint, REGION));
  runtime = createFleetRuntime(lambdaEnvironment(environment), systemClock, operator);

  image = stageEngineImage(path.dirname(ENGINE_BUNDLE));
  layOutImageCopies(image.appDir, 'examples/python-engine/Dockerfile');
}, 240_000);

afterAll(async () => {
  for (const agent of agents) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
  operator?.destroy();
  await moto?.stop();
});

describe('the Python example under the agent bundle on the emulator, through the fleet', () => {
  it(
    'its child SIGKILLed is a crash (not a completion), restarted from the checkpoint; the replay then ends done and the shard COMPLETED, every fill once',
    async () => {
      const engineImage = `${allowedImages}python-engine@sha256:${'5e'.repeat(32)}`;
      const created = await apiHandlerFor(runtime)(
        apiGatewayProxyEvent({ method: 'POST', path: '/campaigns', resource: '/campaigns', region: REGION, body: pythonCampaign(engineImage) }),
      );
      expect(created.statusCode, created.body).toBe(201);
      const campaignId = JSON.parse(created.body).campaign.campaignId as string;
      const key = { campaignId, shardId: 'shard-000' };

      // Generation 0: the launcher registers the image's task definition and runs it.
      await launchFromQueue(1);
      const task0 = await taskOf(key);
      expect(task0.taskDefinitionArn).toMatch(new RegExp(`task-definition/${engineFamilyOf(engineTask.arn, engineImage)}:1$`));
      const agent0 = await startAgentOfTask(task0);
      await waitFor(
        "the Python engine's heartbeats and its first fills committed through the agent",
        async () => {
          const shard = await runtime.store.getShard(key);
          const fills = await runtime.store.readLedger(key);
          return shard?.heartbeat?.progress.engine?.name === 'python-seed-engine' && fills.length >= 2 ? true : undefined;
        },
        CONDITION_DEADLINE_MS,
      ).catch((error: Error) => {
        throw new Error(`${error.message}${explain(agent0)}`);
      });
      const [python] = childrenOf(agent0.child.pid as number);
      expect(python, `the agent's child${explain(agent0)}`).toBeDefined();
      process.kill(python as number, 'SIGKILL');
      const exit0 = await agent0.exited;
      expect(exit0.code, explain(agent0)).toBe(ENGINE_EXIT.FATAL);
      expect(agent0.stderr()).toMatch(/arbfleet-agent: crashed: engine was killed by SIGKILL/);
      expect(agent0.stdout()).not.toMatch(/"stop":\{"by":"feed-done"\}/);
      const killedAt = (await runtime.store.readLedger(key)).length;

      expect(await taskExited(task0, exit0.code as number, 3)).toBe('restart');
      const restarted = await runtime.store.getShard(key);
      expect(restarted?.generation).toBe(1);
      expect(restarted?.restarts.map((r) => [r.cause, r.fromGeneration, r.detail.exitCode])).toEqual([['CRASHED', 0, ENGINE_EXIT.FATAL]]);

      // Generation 1: relaunched on the same revision, resumed from the checkpoint, to the replay's end.
      await launchFromQueue(1);
      const task1 = await taskOf(key);
      expect(task1.taskDefinitionArn).toBe(task0.taskDefinitionArn);
      const agent1 = await startAgentOfTask(task1);
      const exit1 = await agent1.exited;
      expect(exit1.code, explain(agent1)).toBe(ENGINE_EXIT.OK);
      expect(agent1.stderr()).toMatch(/python-seed-engine: restored from its checkpoint/);
      expect(agent1.stderr()).toMatch(/python-seed-engine: feed-done/);
      const final = await runtime.store.getShard(key);
      expect(final?.heartbeat?.progress.stop).toEqual({ by: 'feed-done' });

      expect(await taskExited(task1, 0, 3)).toBe('complete');
      expect((await runtime.store.getShard(key))?.status).toBe('COMPLETED');

      // The ledger: gap-free seqs, fills of both generations, each trade's legs once, no candle traded twice.
      const ledger = await runtime.store.readLedger(key);
      expect(ledger.length).toBeGreaterThan(killedAt);
      expect(ledger.map((f) => f.seq)).toEqual(ledger.map((_, i) => i));
      expect([...new Set(ledger.map((f) => f.generation))].sort()).toEqual([0, 1]);
      const legs = ledger.map((f: Fill) => `${f.tradeId}/${f.kind}/${f.venue}`);
      expect(
        legs.filter((leg, i) => legs.indexOf(leg) !== i),
        'a trade leg written twice',
      ).toEqual([]);
      const wentBack = ledger.filter((f, i) => i > 0 && (f.eventTs ?? 0) < (ledger[i - 1]?.eventTs ?? 0));
      expect(wentBack, 'a recorded moment traded again after the restart').toEqual([]);
      expect(ledger.filter((f) => f.kind === 'CLOSE').length, 'trades closed, at the replay end at the latest').toBe(
        ledger.filter((f) => f.kind === 'OPEN').length,
      );
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});
