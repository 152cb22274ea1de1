/**
 * What `cdk deploy` ships, run on moto with IAM enforced: the six Lambda bundles of the cloud
 * assembly (`npx cdk synth`, once), each copied alone into a /var/task-like folder and invoked in
 * its own Node process with real event shapes, its environment resolved from the template and the
 * credentials of its own role; the engine bundle built by engine-task/build.mjs, staged with only
 * its production dependency, run with the task's environment (the task definition's, then the
 * launcher's overrides) and the task role's credentials. Tables, queues, bucket, cluster, task
 * definition, roles and policies all come from the template's own resource definitions.
 *
 * Path: POST /campaigns (api) → launch messages (SQS) → launcher → RunTask (moto's ECS) → the
 * built engine heartbeats into DynamoDB → SIGKILL → task-events (ECS Task State Change) restarts
 * the shard at generation 1 → launcher relaunches it → watchdog (scheduled) → a Spot interruption
 * (SIGTERM to the other engine, exit 0, TerminationNotice) → task-events restarts it as PREEMPTED →
 * a StopTask arbfleet did not issue → the watchdog restarts that shard as PREEMPTED → POST …/stop (api) →
 * scheduler and watchdog end the campaign → reporter stores the report in S3. Then a campaign of an
 * engine in its own image (issue 18): the api bundle refuses a foreign or unpinned `engine.image`;
 * the launcher bundle, one cold invocation per launch, registers the image's task definition once
 * (moto checks the launcher role's ECS actions) and runs both shards on it; the built bundle,
 * started as that definition says, is the agent of a child engine (the built-in engine over
 * `--protocol stdio`) whose heartbeats and fills land in DynamoDB under the task role. Then every
 * metric an alarm or the dashboard reads must be among the EMF lines the bundles and the engine printed.
 *
 * IAM, as moto 5.2.5 enforces it (own moto server, INITIAL_NO_AUTH_ACTION_COUNT, then
 * /moto-api/reset-auth once the emulator is set up): the signature and the ACTION of every call
 * are checked against the role's policies from the template, so an action a role lacks fails the
 * bundle. moto does NOT check: resource ARNs for DynamoDB and ECS (it authorises those against `*`,
 * so the test widens their statements' Resource to `*`; SQS queue ARNs and S3 object ARNs it does
 * check, and they stay as the template wrote them), any Condition (ecs:cluster, iam:PassedToService),
 * implied actions (RunTask's iam:PassRole / ecs:TagResource), resource policies; and it asks for
 * `dynamodb:TransactWriteItems` where IAM asks for the parts' actions (granted by the test to
 * roles that may write items). test/infra/iam.test.ts walks the template for exactly those:
 * resources named one by one, wildcards only where IAM has nothing narrower, the conditions.
 * Details in test/support/emulated-roles.ts.
 *
 * DynamoDB resources, on the wire: the bundles and the engine reach moto through a recording
 * proxy (test/support/recording-proxy.ts: every request forwarded unchanged, the answer streamed
 * back). For each DynamoDB request it records the access key id (from the SigV4 Credential=), the
 * action IAM asks for and every table or index the request names (each part of a
 * TransactWriteItems by its own action: Put → PutItem, ConditionCheck → ConditionCheckItem, …;
 * each table of a BatchWriteItem). The test knows which credentials it handed to whom, so each
 * call is checked against ITS role's statements in the synthesised template, resource ARNs
 * resolved, as IAM would check them (conditions aside): a grant missing at table or index level,
 * which moto lets through, fails here naming the function, the role, the action and the table.
 * And each role's DynamoDB statements must be exactly its `TABLE_ACCESS` entry (control-plane.ts;
 * the engine's `TASK_TABLE_ACTIONS`, fleet.ts). What this proves: every DynamoDB call on the path
 * this run takes is allowed. What it does not: calls on paths the run does not take (schedules,
 * the report and list routes of the api, a split or racing create and its rollback, lost
 * compare-and-sets, dead letters, failures); those grants come from reading the code
 * (TABLE_ACCESS says which code path needs which), and the run prints them as "never exercised".
 *
 * Its own moto (IAM on) rather than the project's shared one; in the `aws` project so it runs
 * alone among the emulator suites (it is the heaviest: one synth, a build, ~30 processes).
 * `ARBFLEET_CLOUD_ASSEMBLY=<cdk.out>` reuses a synthesised assembly.
 */
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { TABLE_ACCESS, type FunctionName } from '../../../infra/constructs/control-plane.js';
import { TASK_TABLE_ACTIONS } from '../../../infra/constructs/fleet.js';
import { DynamoDbCampaignStore } from '../../../core/aws/dynamodb-campaign-store.js';
import { AGENT_COMMAND, AGENT_ENTRYPOINT, engineFamilyOf } from '../../../core/aws/engine-task-definitions.js';
import { systemClock } from '../../../core/clock.js';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import { emulatorCampaignInput } from '../../support/campaigns.js';
import { cloudAssembly, deployedFunctions, resourcesOfType, type CloudAssembly, type DeployedFunction } from '../../support/cloud-assembly.js';
import { PhysicalResources, resolveString } from '../../support/cloudformation-values.js';
import {
  arnOfUse,
  dynamoDbGrantUses,
  isAllowed,
  statementsOfTemplateRole,
  tableArnsByName,
  tableResourceOfArn,
  type DynamoDbGrantUse,
} from '../../support/dynamodb-grants.js';
import { metricKey, metricsOfEmfLines } from '../../support/emf-lines.js';
import { deployTemplateToMoto, engineTaskRoleOf, emulatorSettings, useCredentials } from '../../support/emulated-deployment.js';
import { MOTO_ACCOUNT_ID, type RegisteredTaskDefinition } from '../../support/emulated-stack.js';
import { assumeTemplateRole, createOperator, enforceIam, type RoleCredentials } from '../../support/emulated-roles.js';
import { buildEngineBundle, stageEngineImage, startEngineImage } from '../../support/engine-image.js';
import { waitFor, type NodeProcess } from '../../support/engine-process.js';
import { apiGatewayProxyEvent, scheduledEvent, sqsEvent, taskStateChangeEvent } from '../../support/lambda-events.js';
import { invokeLambda, layOutLambdaTask, type LambdaInvocation, type LambdaTask } from '../../support/lambda-bundle.js';
import { CONDITION_DEADLINE_MS, LOADED_TEST_TIMEOUT_MS } from '../../support/loaded-machine.js';
import { motoTaskTransitionAt } from '../../support/moto-task-transition.js';
import { startMotoServer, type MotoServer } from '../../support/moto-server.js';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.js';
import { alarmMetrics, AWS_SERVICE_NAMESPACES, dashboardMetrics, readsMetric } from '../../support/template-metrics.js';

const REGION = 'us-east-1';
/** The remaining time a watchdog invocation is given here: enough for one pass of its minute (functions/watchdog.ts). */
const WATCHDOG_ONE_PASS_MS = 10_000;
const SHARDS = ['shard-000', 'shard-001'];

let moto: MotoServer;
/** Between the bundles and the engine and moto: records what each DynamoDB request needs IAM to allow. */
let proxy: RecordingProxy;
const grantUses: DynamoDbGrantUse[] = [];
/** Who holds each access key id: the role's logical id, and the function (or `engine`) it was handed to. */
const holders = new Map<string, { role: string; name: FunctionName | 'engine' }>();
let assembly: CloudAssembly;
let operator: AwsClients;
let store: DynamoDbCampaignStore;
const resources = new PhysicalResources({ accountId: MOTO_ACCOUNT_ID, region: REGION, stackName: 'Arbfleet' });
let engineTask: RegisteredTaskDefinition;
let engineImage: { appDir: string; main: string };
let engineRole: RoleCredentials;
let launchQueue: { url: string; arn: string };
const functions = new Map<string, { deployed: DeployedFunction; task: LambdaTask; environment: Record<string, string> }>();
const engines = new Map<string, NodeProcess>();
/** Every stdout line of every bundle invocation and engine: where the EMF lines are. */
const printed: string[] = [];
let campaignId = '';

// staleAfter 10 s (not the emulator suites' 3 s): this suite detects nothing by staleness, and an
// engine's commit bound (staleAfter × 0.6) must outlast moto's slowest TransactWriteItems on a busy
// CI machine, or a shard ends commit-failed and the ledger check counts its last fills lost.
// launchTimeout 300 s: shard-000's generation 1 is launched but never given an engine, and must not
// be restarted as LOST for it however long a loaded machine takes to reach the StopTask case.
const config = {
  ...emulatorCampaignInput('deployed-artifacts', 11),
  watchdog: { heartbeatInterval: '0.5s', staleAfter: '10s', launchTimeout: '300s', maxRestarts: 3, backoff: { initial: 0 } },
};

/** Invokes a function's bundle; fails the test on a handler error, naming the function and printing its output. */
async function invoke<T>(name: string, event: unknown, timeoutMs?: number): Promise<LambdaInvocation<T>> {
  const fn = functions.get(name);
  if (!fn) throw new Error(`no deployed function ${name}`);
  const invocation = await invokeLambda<T>(fn.task, event, fn.environment, timeoutMs);
  printed.push(...invocation.stdoutLines);
  if (invocation.error)
    throw new Error(
      `${name} bundle threw ${invocation.error.errorType}: ${invocation.error.errorMessage}\n${invocation.stdoutLines.slice(-15).join('\n')}\n${invocation.stderr.slice(-1500)}`,
    );
  return invocation;
}

/** Calls the api bundle; the answer's message carries the bundle's last log lines (a 500 says why only there). */
async function apiCall(method: string, path: string, resource: string, body?: unknown, pathParameters?: Record<string, string>) {
  const invocation = await invoke<{ statusCode: number; body: string }>(
    'api',
    apiGatewayProxyEvent({ method, path, resource, region: REGION, ...(body !== undefined ? { body } : {}), ...(pathParameters ? { pathParameters } : {}) }),
  );
  return {
    statusCode: invocation.result?.statusCode,
    body: invocation.result?.body ?? '',
    explained: `${invocation.result?.body}\n${invocation.stdoutLines
      .filter((l) => !l.includes('"_aws"'))
      .slice(-5)
      .join('\n')}`,
  };
}

function ruleArnOf(functionLogicalId: string): string {
  const rule = resourcesOfType(assembly.template, 'AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties?.Targets ?? []).includes(functionLogicalId));
  return `arn:aws:events:${REGION}:${MOTO_ACCOUNT_ID}:rule/Arbfleet-${rule?.[0] ?? 'schedule'}`;
}

/**
 * Receives `count` launch messages as the SQS event source would, and hands them to the launcher
 * bundle (`perReceive` at most per receive: 1 makes it one message per invocation, as deployed).
 */
async function launchFromQueue(count: number, perReceive = 10) {
  const messages: Message[] = [];
  await waitFor(
    `${count} launch messages`,
    async () => {
      const { Messages = [] } = await operator.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: launchQueue.url, MaxNumberOfMessages: perReceive, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      messages.push(...Messages);
      return messages.length >= count ? true : undefined;
    },
    CONDITION_DEADLINE_MS,
  );
  return invoke<{ batchItemFailures: unknown[] }>('launcher', sqsEvent(messages, launchQueue.arn, REGION));
}

async function taskOfShard(shardId: string): Promise<Task> {
  const shard = await store.getShard({ campaignId, shardId });
  if (!shard?.taskId) throw new Error(`${shardId} has no task`);
  const { tasks = [] } = await operator.ecs.send(new DescribeTasksCommand({ cluster: resources.ref(clusterLogicalId()), tasks: [shard.taskId] }));
  if (!tasks[0]) throw new Error(`moto knows no task ${shard.taskId}`);
  return tasks[0];
}

function clusterLogicalId(): string {
  const [cluster] = resourcesOfType(assembly.template, 'AWS::ECS::Cluster');
  return cluster?.[0] as string;
}

/** Starts the built engine as ECS would start this task: the task definition's environment, then the RunTask overrides. */
function startEngineOfTask(task: Task): NodeProcess {
  const definitionEnv = Object.fromEntries((engineTask.container.environment ?? []).map((e) => [e.name as string, e.value as string]));
  const override = task.overrides?.containerOverrides?.find((o) => o.name === engineTask.container.name);
  expect(override, `RunTask overrides address the container ${engineTask.container.name}`).toBeDefined();
  const overrides = Object.fromEntries((override?.environment ?? []).map((e) => [e.name as string, e.value as string]));
  const engine = startEngineImage(engineImage, { ...definitionEnv, ...overrides, AWS_ENDPOINT_URL: proxy.endpoint, ...engineRole });
  engines.set(`${overrides.ARBFLEET_SHARD_ID}#${overrides.ARBFLEET_GENERATION}`, engine);
  return engine;
}

beforeAll(async () => {
  // A large count: setup runs unauthenticated; enforceIam() then switches checking on at once.
  moto = await startMotoServer({ INITIAL_NO_AUTH_ACTION_COUNT: '1000000' });
  proxy = await startRecordingProxy(moto.endpoint, (request) => grantUses.push(...dynamoDbGrantUses(request)));
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = REGION;
  useCredentials({ AWS_ACCESS_KEY_ID: 'setup', AWS_SECRET_ACCESS_KEY: 'setup' });
  assembly = await cloudAssembly();
  engineImage = stageEngineImage(buildEngineBundle());

  const setup = new AwsClients(emulatorSettings(moto.endpoint, REGION));
  await motoTaskTransitionAt(moto.endpoint, { progression: 'manual', times: 1_000_000 });
  engineTask = await deployTemplateToMoto(assembly.template, resources, moto.endpoint, assembly.stackName, setup);
  setup.destroy();

  const taskRole = engineTaskRoleOf(assembly.template);
  engineRole = await assumeTemplateRole(resources, moto.endpoint, taskRole, 'engine-task');
  holders.set(engineRole.AWS_ACCESS_KEY_ID, { role: taskRole, name: 'engine' });
  for (const deployed of deployedFunctions(assembly)) {
    const variables = Object.fromEntries(Object.entries(deployed.environment).map(([k, v]) => [k, resolveString(v, resources)]));
    const credentials = await assumeTemplateRole(resources, moto.endpoint, deployed.roleLogicalId, deployed.name);
    holders.set(credentials.AWS_ACCESS_KEY_ID, { role: deployed.roleLogicalId, name: deployed.name as FunctionName });
    functions.set(deployed.name, {
      deployed,
      task: layOutLambdaTask(deployed.name, deployed.bundleDir),
      environment: { ...variables, AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: REGION, ...credentials },
    });
  }
  const queueEnv = functions.get('api')?.environment.ARBFLEET_LAUNCH_QUEUE_URL as string;
  const [queueId] = resourcesOfType(assembly.template, 'AWS::SQS::Queue').find(([id]) => resources.ref(id) === queueEnv) ?? [];
  launchQueue = { url: queueEnv, arn: resources.getAtt(queueId as string, 'Arn') };

  const operatorCredentials = await createOperator(moto.endpoint);
  await enforceIam(moto.endpoint);
  useCredentials(operatorCredentials);
  operator = new AwsClients(emulatorSettings(moto.endpoint, REGION));
  store = new DynamoDbCampaignStore({ clients: operator, tablePrefix: `${assembly.stackName}-`, clock: systemClock });
}, 240_000);

afterAll(async () => {
  for (const engine of engines.values()) if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGKILL');
  operator?.destroy();
  await proxy?.stop();
  await moto?.stop();
  assembly?.dispose();
});

describe('the cloud assembly', () => {
  it('holds the six control-plane bundles, each laid out alone as Lambda would', () => {
    expect([...functions.keys()].sort()).toEqual(['api', 'launcher', 'reporter', 'scheduler', 'task-events', 'watchdog']);
  });
});

describe('IAM on the emulator', () => {
  it(
    'is enforced: a role is refused an action its template policy does not grant',
    async () => {
      const reporter = functions.get('reporter')?.environment as Record<string, string>;
      const asReporter = new AwsClients(emulatorSettings(moto.endpoint, REGION));
      const saved = { ...process.env };
      useCredentials({
        AWS_ACCESS_KEY_ID: reporter.AWS_ACCESS_KEY_ID as string,
        AWS_SECRET_ACCESS_KEY: reporter.AWS_SECRET_ACCESS_KEY as string,
        AWS_SESSION_TOKEN: reporter.AWS_SESSION_TOKEN as string,
      });
      try {
        // moto answers an IAM refusal in IAM's XML whatever the service's protocol: read the status, not the message.
        const refusal = await asReporter.sqs.send(new SendMessageCommand({ QueueUrl: launchQueue.url, MessageBody: '{}' })).then(
          () => undefined,
          (error: { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } }) =>
            error.$response?.statusCode ?? error.$metadata?.httpStatusCode,
        );
        expect(refusal, 'the reporter role has no sqs:SendMessage').toBe(403);
      } finally {
        process.env = saved;
        asReporter.destroy();
      }
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});

describe('the deployed artifacts, end to end on the emulator', () => {
  it(
    'api bundle: POST /campaigns answers 201 and queues one launch per shard',
    async () => {
      const created = await apiCall('POST', '/campaigns', '/campaigns', config);
      expect(created.statusCode, created.explained).toBe(201);
      campaignId = JSON.parse(created.body).campaign.campaignId;
      expect((await store.listShards(campaignId)).map((s) => s.shardId)).toEqual(SHARDS);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'api bundle: a replay file under configs/ that the image does not hold is a 400 naming the field (the list the stack embedded)',
    async () => {
      const refused = await apiCall('POST', '/campaigns', '/campaigns', {
        ...config,
        name: 'missing-replay',
        feed: { kind: 'replay', path: 'configs/not-in-the-image.csv' },
      });
      expect(refused.statusCode, refused.explained).toBe(400);
      expect(refused.body).toMatch(/feed\.path.*configs\/not-in-the-image\.csv.*is not in the deployed engine image: its configs\/ holds \d+ file\(s\)/);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'launcher bundle: the SQS batch becomes one RunTask per shard in ECS',
    async () => {
      const { result } = await launchFromQueue(SHARDS.length);
      expect(result?.batchItemFailures).toEqual([]);
      const { taskArns = [] } = await operator.ecs.send(new ListTasksCommand({ cluster: resources.ref(clusterLogicalId()) }));
      expect(taskArns).toHaveLength(SHARDS.length);
      for (const shardId of SHARDS) expect((await store.getShard({ campaignId, shardId }))?.status).toBe('LAUNCHING');
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'engine bundle: started with each task’s environment and role, it heartbeats into DynamoDB',
    async () => {
      for (const shardId of SHARDS) startEngineOfTask(await taskOfShard(shardId));
      await waitFor(
        'both shards heartbeating with progress',
        async () => {
          const shards = await store.listShards(campaignId);
          return shards.every((s) => (s.heartbeat?.progress.ticks ?? 0) > 0) ? shards : undefined;
        },
        CONDITION_DEADLINE_MS,
      ).catch((error: Error) => {
        const logs = [...engines.values()].map((e) => `${e.stderr().slice(-800)}${e.stdout().slice(-800)}`).join('\n---\n');
        throw new Error(`${error.message}\n${logs}`);
      });
      await waitFor(
        'fills committed',
        async () => ((await store.readLedger({ campaignId, shardId: 'shard-000' })).length > 0 ? true : undefined),
        CONDITION_DEADLINE_MS,
      );
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'task-events bundle: a SIGKILLed task’s ECS Task State Change restarts its shard at generation 1',
    async () => {
      const engine = engines.get('shard-000#0') as NodeProcess;
      engine.child.kill('SIGKILL');
      await engine.exited;
      const task = await taskOfShard('shard-000');
      await operator.ecs.send(new StopTaskCommand({ cluster: task.clusterArn, task: task.taskArn, reason: 'Essential container in task exited' }));
      const { result } = await invoke<{ verdict: string }>('task-events', taskStateChangeEvent(await taskOfShard('shard-000'), 137, 3, REGION));
      expect(result).toEqual({ verdict: 'restart' });
      const shard = await store.getShard({ campaignId, shardId: 'shard-000' });
      expect(shard?.generation).toBe(1);
      expect(shard?.restarts.map((r) => [r.cause, r.fromGeneration])).toEqual([['CRASHED', 0]]);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'launcher bundle relaunches generation 1; watchdog bundle (scheduled) judges the live shard healthy',
    async () => {
      const { result } = await launchFromQueue(1);
      expect(result?.batchItemFailures).toEqual([]);
      expect((await store.getShard({ campaignId, shardId: 'shard-000' }))?.status).toBe('LAUNCHING');
      // A Lambda context with 10 s left: at most one pass fits (the minute's later passes are left to
      // the next invocation); on a loaded machine none may, so invocations until one pass was made.
      const passes = await waitFor(
        'a watchdog bundle invocation with one pass',
        async () => {
          const watchdog = await invoke<{ passes: { verdicts: Record<string, number> }[] }>(
            'watchdog',
            scheduledEvent(ruleArnOf(functions.get('watchdog')?.deployed.logicalId as string), REGION),
            WATCHDOG_ONE_PASS_MS,
          );
          expect(watchdog.result?.passes.length ?? 0).toBeLessThanOrEqual(1);
          return watchdog.result?.passes.length === 1 ? watchdog.result.passes : undefined;
        },
        CONDITION_DEADLINE_MS,
      );
      expect(passes[0]?.verdicts.healthy ?? 0).toBeGreaterThanOrEqual(1);
      expect(passes[0]?.verdicts.restart ?? 0).toBe(0);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'task-events bundle: a Spot interruption (SIGTERM, exit 0, stop code TerminationNotice) restarts shard-001 as PREEMPTED, not complete',
    async () => {
      const engine = engines.get('shard-001#0') as NodeProcess;
      engine.child.kill('SIGTERM'); // what ECS sends the container on a Spot interruption
      expect((await engine.exited).code).toBe(0);
      expect(engine.stdout()).toMatch(/"event":"summary".*"stop":\{"by":"signal","signal":"SIGTERM"\}/);
      const task = await taskOfShard('shard-001');
      await operator.ecs.send(new StopTaskCommand({ cluster: task.clusterArn, task: task.taskArn, reason: 'Your Spot Task was interrupted.' }));
      const event = taskStateChangeEvent(await taskOfShard('shard-001'), 0, 4, REGION);
      const spot = { ...event, detail: { ...event.detail, stopCode: 'TerminationNotice', stoppedReason: 'Your Spot Task was interrupted.' } };
      const { result } = await invoke<{ verdict: string }>('task-events', spot);
      expect(result).toEqual({ verdict: 'restart' });
      const shard = await store.getShard({ campaignId, shardId: 'shard-001' });
      expect(shard?.generation).toBe(1);
      expect(shard?.restarts.map((r) => [r.cause, r.fromGeneration, r.detail.stopCode, r.detail.exitCode])).toEqual([['PREEMPTED', 0, 'TerminationNotice', 0]]);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'watchdog bundle: a StopTask arbfleet did not issue restarts shard-000 as PREEMPTED, naming the stop reason',
    async () => {
      const task = await taskOfShard('shard-000');
      const reason = 'Host EC2 (instance i-0abc) stopped/terminated';
      await operator.ecs.send(new StopTaskCommand({ cluster: task.clusterArn, task: task.taskArn, reason }));
      // Passes until one has judged it (on a loaded machine an invocation's 10 s may not fit a pass).
      const restarts: number[] = [];
      await waitFor(
        'the watchdog bundle to restart shard-000',
        async () => {
          const watchdog = await invoke<{ passes: { verdicts: Record<string, number> }[] }>(
            'watchdog',
            scheduledEvent(ruleArnOf(functions.get('watchdog')?.deployed.logicalId as string), REGION),
            WATCHDOG_ONE_PASS_MS,
          );
          restarts.push(...(watchdog.result?.passes ?? []).map((p) => p.verdicts.restart ?? 0));
          return (await store.getShard({ campaignId, shardId: 'shard-000' }))?.generation === 2 ? true : undefined;
        },
        CONDITION_DEADLINE_MS,
      );
      expect(restarts.reduce((a, b) => a + b, 0)).toBe(1);
      const shard = await store.getShard({ campaignId, shardId: 'shard-000' });
      expect(shard?.generation).toBe(2);
      expect(shard?.restarts.map((r) => [r.cause, r.detail.stoppedReason ?? null])).toEqual([
        ['CRASHED', 'Essential container in task exited'],
        ['PREEMPTED', reason],
      ]);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'api bundle: POST /campaigns/{id}/stop answers 200 (it stops the ECS tasks of the campaign)',
    async () => {
      const stop = await apiCall('POST', `/campaigns/${campaignId}/stop`, '/campaigns/{campaignId}/stop', undefined, { campaignId });
      expect(stop.statusCode, stop.explained).toBe(200);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'scheduler and watchdog bundles end the stopped campaign',
    async () => {
      // What ECS does with a stopped task (whether or not the api's StopTask got through above):
      // the task is STOPPED, its container gets SIGTERM, the engine checkpoints and exits 0.
      const { taskArns = [] } = await operator.ecs.send(new ListTasksCommand({ cluster: resources.ref(clusterLogicalId()), desiredStatus: 'RUNNING' }));
      for (const task of taskArns)
        await operator.ecs.send(new StopTaskCommand({ cluster: resources.ref(clusterLogicalId()), task, reason: 'stopped by the test for the campaign stop' }));
      for (const engine of engines.values()) if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGTERM');
      await waitFor(
        'the campaign to end',
        async () => {
          await invoke('watchdog', scheduledEvent(ruleArnOf(functions.get('watchdog')?.deployed.logicalId as string), REGION), WATCHDOG_ONE_PASS_MS);
          await invoke('scheduler', scheduledEvent(ruleArnOf(functions.get('scheduler')?.deployed.logicalId as string), REGION));
          const campaign = await store.getCampaign(campaignId);
          return campaign?.status === 'CANCELLED' ? campaign : undefined;
        },
        CONDITION_DEADLINE_MS,
      );
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'reporter bundle stores the ended campaign’s report in the bucket',
    async () => {
      const reporter = await invoke<{ reported: string[] }>(
        'reporter',
        scheduledEvent(ruleArnOf(functions.get('reporter')?.deployed.logicalId as string), REGION),
      );
      expect(reporter.result).toEqual({ reported: [campaignId] });
      const bucket = functions.get('reporter')?.environment.ARBFLEET_REPORT_BUCKET as string;
      const object = await operator.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${campaignId}/report.json` }));
      const report = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString()) as CampaignReport;
      expect(report.shards.map((s) => s.restarts.map((r) => r.cause))).toEqual([['CRASHED', 'PREEMPTED'], ['PREEMPTED']]);
      expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, pass: true });
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});

describe('an engine in its own image (issue 18): the launcher bundle registers its task definition, the agent bundle runs it', () => {
  /** The built-in engine over the task protocol, as a user's engine: the agent's child, started from the task's working directory. */
  const childEngine = [process.execPath, 'engine-task/dist/main.mjs', '--protocol', 'stdio'];
  const allowedPrefix = () => functions.get('api')?.environment.ARBFLEET_ENGINE_IMAGES as string;
  const image = () => `${allowedPrefix()}builtin-stdio@sha256:${'0f'.repeat(32)}`;
  const ownImageConfig = (name: string, engineImage: string) => ({
    ...config,
    name,
    engine: { kind: 'command', command: childEngine, image: engineImage },
  });
  let ownImageCampaign = '';
  const agents: NodeProcess[] = [];

  afterAll(async () => {
    for (const agent of agents) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.exited));
  });

  it(
    'api bundle: an engine.image outside the stack’s ECR prefix, or not pinned by digest, is a 400 naming engine.image',
    async () => {
      expect(allowedPrefix()).toBe(`${MOTO_ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/arbfleet/`);
      for (const refused of [`docker.io/library/python@sha256:${'0f'.repeat(32)}`, `${allowedPrefix()}builtin-stdio:latest`]) {
        const answer = await apiCall('POST', '/campaigns', '/campaigns', ownImageConfig('foreign-image', refused));
        expect(answer.statusCode, answer.explained).toBe(400);
        expect(answer.body).toMatch(/engine\.image/);
      }
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'launcher bundle, one cold invocation per launch: the first registers the image’s family (the agent as entrypoint) and RunTask runs it; the second reuses it',
    async () => {
      const created = await apiCall('POST', '/campaigns', '/campaigns', ownImageConfig('own-image', image()));
      expect(created.statusCode, created.explained).toBe(201);
      ownImageCampaign = JSON.parse(created.body).campaign.campaignId;
      // One message per invocation until both shards are launched (the queue may still hold the first campaign's stale restarts: dropped).
      await waitFor(
        'both shards launched',
        async () => {
          expect((await launchFromQueue(1, 1)).result?.batchItemFailures).toEqual([]);
          const shards = await store.listShards(ownImageCampaign);
          return shards.every((s) => s.status === 'LAUNCHING') ? true : undefined;
        },
        CONDITION_DEADLINE_MS,
      );

      const family = engineFamilyOf(engineTask.arn, image());
      const { taskDefinitionArns = [] } = await operator.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }));
      expect(taskDefinitionArns, 'one revision for both launches').toEqual([expect.stringMatching(new RegExp(`task-definition/${family}:1$`))]);
      const { taskDefinition } = await operator.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArns[0] }));
      const container = taskDefinition?.containerDefinitions?.find((c) => c.name === engineTask.container.name);
      expect(container).toMatchObject({ image: image(), entryPoint: [...AGENT_ENTRYPOINT], command: [...AGENT_COMMAND], workingDirectory: '/app' });
      expect(taskDefinition?.taskRoleArn).toBeDefined();
      for (const shardId of SHARDS) {
        const shard = await store.getShard({ campaignId: ownImageCampaign, shardId });
        expect(shard?.status, shardId).toBe('LAUNCHING');
        const { tasks = [] } = await operator.ecs.send(
          new DescribeTasksCommand({ cluster: resources.ref(clusterLogicalId()), tasks: [shard?.taskId as string] }),
        );
        expect(tasks[0]?.taskDefinitionArn, `${shardId}'s task runs the image's definition`).toBe(taskDefinitionArns[0]);
      }
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'agent bundle: started as that task definition says, with the task role, its child engine over stdio heartbeats and commits into DynamoDB through it',
    async () => {
      const shardId = SHARDS[0] as string;
      const shard = await store.getShard({ campaignId: ownImageCampaign, shardId });
      const { tasks = [] } = await operator.ecs.send(
        new DescribeTasksCommand({ cluster: resources.ref(clusterLogicalId()), tasks: [shard?.taskId as string] }),
      );
      const { taskDefinition } = await operator.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: tasks[0]?.taskDefinitionArn as string }));
      const container = taskDefinition?.containerDefinitions?.find((c) => c.name === engineTask.container.name);
      const definitionEnv = Object.fromEntries((container?.environment ?? []).map((e) => [e.name as string, e.value as string]));
      const override = tasks[0]?.overrides?.containerOverrides?.find((o) => o.name === container?.name);
      const overrides = Object.fromEntries((override?.environment ?? []).map((e) => [e.name as string, e.value as string]));
      // The staged image's main.mjs with --json: the definition's entryPoint and command (checked above), in its working directory.
      const agent = startEngineImage(engineImage, { ...definitionEnv, ...overrides, AWS_ENDPOINT_URL: proxy.endpoint, ...engineRole });
      agents.push(agent);
      const key = { campaignId: ownImageCampaign, shardId };
      await waitFor(
        'the agent’s heartbeats carrying the child’s progress, and its fills committed',
        async () => {
          const current = await store.getShard(key);
          const fills = await store.readLedger(key);
          return (current?.heartbeat?.progress.ticks ?? 0) > 0 && fills.length > 0 ? true : undefined;
        },
        CONDITION_DEADLINE_MS,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${agent.stderr().slice(-1500)}\n${agent.stdout().slice(-1500)}`);
      });
      agent.child.kill('SIGTERM');
      expect((await agent.exited).code, agent.stderr().slice(-800)).toBe(0);
      const committed = await store.readLedger(key);
      expect(
        committed.map((f) => f.seq - (committed[0]?.seq ?? 0)),
        'the child’s fills, gap-free',
      ).toEqual(committed.map((_, i) => i));
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});

describe('metrics the alarms and the dashboard read', () => {
  it('are all emitted as EMF by the bundles and the engine during the run (AWS service metrics excepted)', () => {
    for (const engine of engines.values()) printed.push(...engine.stdout().split('\n'));
    const emitted = metricsOfEmfLines(printed);
    const pseudo = resources.pseudo;
    const read = [...alarmMetrics(assembly.template, pseudo), ...dashboardMetrics(assembly.template, pseudo)];
    const ours = read.filter((m) => !AWS_SERVICE_NAMESPACES.includes(m.namespace));
    expect(ours.length).toBeGreaterThan(5);
    // A restart's Cause says which fault happened; this run makes CRASHED and PREEMPTED restarts, so any Cause stands for all.
    const missing = ours.filter((m) => !emitted.some((e) => readsMetric(m, e, ['Cause'])));
    const describeRef = (m: (typeof ours)[number]) =>
      `${m.where}: ${m.namespace}/${m.name}{${Object.entries(m.dimensions)
        .map(([k, v]) => `${k}=${v ?? '*'}`)
        .join(',')}}`;
    expect(missing.map(describeRef), `emitted: ${[...new Set(emitted.map(metricKey))].join(' ')}`).toEqual([]);
  });
});

describe('DynamoDB calls on the wire, against each role’s template statements resource by resource', () => {
  const who = (use: DynamoDbGrantUse) => holders.get(use.accessKeyId);
  const tablePrefix = () => functions.get('api')?.environment.ARBFLEET_TABLE_PREFIX as string;

  it('every table and index a bundle or the engine touched is granted, for that action, by its own role (moto checks only the action)', () => {
    expect(proxy.recordErrors.map(String), 'requests the recorder could not read').toEqual([]);
    expect(
      grantUses.filter((use) => !who(use)).map((use) => `${use.accessKeyId} ${use.operation} ${use.table}`),
      'calls with credentials the test did not hand out',
    ).toEqual([]);
    expect(new Set(grantUses.map((use) => who(use)?.name)), 'every role made DynamoDB calls through the recorder').toEqual(
      new Set([...holders.values()].map((h) => h.name)),
    );
    const tableArns = tableArnsByName(assembly.template, resources);
    const statements = new Map([...holders.values()].map((h) => [h.role, statementsOfTemplateRole(assembly.template, resources, h.role)]));
    const refused = new Map<string, number>();
    for (const use of grantUses) {
      const holder = who(use) as { role: string; name: string };
      if (isAllowed(statements.get(holder.role) ?? [], use.action, arnOfUse(use, tableArns))) continue;
      const what = `${holder.name} (role ${holder.role}): ${use.action} on table ${use.table}${use.index ? ` index ${use.index}` : ''} (in ${use.operation})`;
      refused.set(what, (refused.get(what) ?? 0) + 1);
    }
    expect(
      [...refused].map(([what, calls]) => `${what}, ${calls} call(s)`),
      'DynamoDB calls no Allow statement of the role names at resource level',
    ).toEqual([]);
  });

  it('each role’s DynamoDB statements are exactly its TABLE_ACCESS (the engine’s, TASK_TABLE_ACTIONS); the grants this run never used are printed', () => {
    const tableArns = tableArnsByName(assembly.template, resources);
    const unused: string[] = [];
    for (const holder of holders.values()) {
      const declared: Readonly<Record<string, readonly string[] | undefined>> = holder.name === 'engine' ? TASK_TABLE_ACTIONS : TABLE_ACCESS[holder.name];
      const expected = Object.entries(declared)
        .flatMap(([resource, actions]) => (actions ?? []).map((action) => `${action} ${resource}`))
        .sort();
      const granted = statementsOfTemplateRole(assembly.template, resources, holder.role)
        .filter((s) => s.effect === 'Allow')
        .flatMap((s) =>
          s.actions
            .filter((a) => a.startsWith('dynamodb:'))
            .flatMap((action) => s.resources.map((arn) => `${action} ${tableResourceOfArn(arn, tablePrefix())}`)),
        );
      expect(
        [...new Set(granted)].sort(),
        `${holder.name} (role ${holder.role}): template grants vs ${holder.name === 'engine' ? 'TASK_TABLE_ACTIONS' : 'TABLE_ACCESS'}`,
      ).toEqual(expected);
      const used = new Set(
        grantUses.filter((use) => who(use)?.role === holder.role).map((use) => `${use.action} ${tableResourceOfArn(arnOfUse(use, tableArns), tablePrefix())}`),
      );
      const notUsed = expected.filter((grant) => !used.has(grant));
      if (notUsed.length > 0) unused.push(`${holder.name}: ${notUsed.join(', ')}`);
    }
    console.info(`DynamoDB grants this run never exercised (granted from reading the code; no call on this run's path needed them):\n  ${unused.join('\n  ')}`);
  });
});
