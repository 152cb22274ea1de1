/**
 * A DynamoDB throttling storm is not a crash (issue 20), on the emulator: the BUILT engine bundle
 * (engine-task/build.mjs, staged as the image holds it) runs each ECS task the product's launcher
 * started in moto, the product's handlers (api, launcher, watchdog, task-events) drive the fleet,
 * and a loopback proxy (test/support/holding-proxy.ts) answers every DynamoDB call of the engines
 * — in the second case, of the whole table: the control plane's too — with what DynamoDB sends
 * when it throttles (HTTP 400, `x-amz-json-1.0`, `{"__type": "…#ProvisionedThroughputExceededException",
 * "message": …}`, as documented under "Error components" in the DynamoDB developer guide) for
 * twice `staleAfter`, so the engines cannot ride it out.
 *
 * Measured before (issue 20): all 3 shards restarted as CRASHED, the engines ending
 * `commit-failed` with "last error: none (the commit did not finish)". What is asserted now: no
 * restart is CRASHED (nor LOST: the engine gives up at its self-fence, before the watchdog's kill,
 * `core/fleet/timeouts.ts`); each engine of the storm exits 4 (store unavailable), its last stderr
 * line naming the throttling ("DynamoDB throttled: ProvisionedThroughputExceededException ×N"),
 * and is restarted `STORE_UNAVAILABLE`; when the whole table was throttled, the watchdog's first
 * pass after the storm finds every shard stale at once and its mass-staleness rule restarts at
 * most `massRestartsPerPass` per pass, with its `watchdog.mass-staleness` event; after the storm
 * every shard runs again, on a later generation.
 *
 * How the fleet is driven (one turn at a time, as the Lambdas' triggers would): each engine's exit
 * so far handed to task-events as ECS's STOPPED event with the engine's real exit code, a watchdog
 * pass (its failure during the storm is what the Lambda would log), then the exits again (a
 * delivery that fails is tried again, as EventBridge retries the invocation), the moto task
 * stopped once the event was taken (moto's DescribeTasks carries no exit code; ECS's would show the same exit 4),
 * then the launch queue handed to the launcher and an engine started for each task it ran. The
 * storm starts and ends at a turn's start. Every wait is on a condition with a deadline meant for a
 * loaded machine (test/support/loaded-machine.ts); nothing is judged on speed.
 */
import { randomBytes } from 'node:crypto';
import { DescribeTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients, awsClientSettings } from '../../../core/aws/aws-clients.js';
import { createTables } from '../../../core/aws/dynamodb-tables.js';
import { createLaunchQueues } from '../../../core/aws/sqs-launch-queue.js';
import { systemClock } from '../../../core/clock.js';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';
import type { ShardRecord } from '../../../core/model/records.js';
import { apiHandlerFor } from '../../../functions/api.js';
import { createFleetRuntime, type FleetRuntime } from '../../../functions/fleet-runtime.js';
import { launcherHandlerFor } from '../../../functions/launcher.js';
import { handleTaskEvent } from '../../../functions/task-events.js';
import { runWatchdog } from '../../../functions/watchdog.js';
import { emulatorCampaignInput } from '../../support/campaigns.js';
import { buildEngineBundle, stageEngineImage, startEngineImage } from '../../support/engine-image.js';
import { waitFor, type NodeProcess } from '../../support/engine-process.js';
import { startHoldingProxy, type HeldRequest, type HoldDecision, type HoldingProxy } from '../../support/holding-proxy.js';
import { CONDITION_DEADLINE_MS } from '../../support/loaded-machine.js';
import { motoTaskTransition, setUpMotoEcs, type MotoEcs } from '../../support/moto-ecs.js';
import { emulatorEndpoint } from '../../support/moto-server.js';

const REGION = 'us-east-1';
const CLUSTER = 'arbfleet-throttle';
const FAMILY = 'arbfleet-engine';
const CONTAINER = 'engine';
/** The engines' attempt timeout: moto is slow on a loaded machine; a slow moto must not be the fault under test. */
const ENGINE_REQUEST_TIMEOUT_MS = '15000';

/**
 * Three shards (the mass-staleness rule needs `massStaleMinShards`, 3), heartbeats every second,
 * stale after 20 s: confirmation C 2 s, self-fence 21 s, watchdog kill 22 s. The storm lasts 2 × staleAfter.
 */
const config = {
  ...emulatorCampaignInput('throttling-storm', 23),
  symbols: ['BTC', 'ETH', 'XRP'],
  sharding: { symbolsPerShard: 1 },
  watchdog: { heartbeatInterval: '1s', staleAfter: '20s', launchTimeout: '120s', maxRestarts: 3, backoff: { initial: 0 } },
  monitor: { interval: '5s', flushInterval: '0.5s' },
};
const TIMEOUTS = shardTimeouts({ heartbeatInterval: 1, staleAfter: 20 });
const STORM_MS = 2 * TIMEOUTS.staleAfterSec * 1000;
/** The mass-staleness rule's default (`core/fleet/observer-policy.ts`). */
const MASS_RESTARTS_PER_PASS = 1;
/** A turn of the driver: one watchdog pass, the deliveries, the launches. */
const TURN_MS = 500;

/** DynamoDB's answer to a throttled request (HTTP 400, its JSON error body). */
const THROTTLED: HoldDecision = {
  kind: 'answer',
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'THROTTLED0000000000000000000000000000000000000000000' },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  }),
};

const direct = new AwsClients();
let network: MotoEcs;
let image: { appDir: string; main: string };
const proxies: HoldingProxy[] = [];
const everyEngine: NodeProcess[] = [];

beforeAll(async () => {
  network = await setUpMotoEcs(direct, CLUSTER, FAMILY, CONTAINER);
  image = stageEngineImage(buildEngineBundle());
}, 300_000);

afterAll(async () => {
  await motoTaskTransition(undefined);
  for (const engine of everyEngine) if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGKILL');
  for (const proxy of proxies) await proxy.stop();
  direct.destroy();
});

/** One engine the driver started: the task it runs, and whether its exit has been handed to task-events. */
interface Run {
  shardId: string;
  generation: number;
  taskArn: string;
  env: Record<string, string>;
  engine: NodeProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** The STOPPED event was taken by task-events, and the moto task stopped. */
  delivered: boolean;
  /** A delivery was tried and refused (the store throttled): EventBridge's retry backoff holds it past the next pass. */
  refused?: boolean;
}

/** A fleet on its own tables and queue, its engines and (when `control`) its control plane's DynamoDB calls behind the proxy. */
class StormFleet {
  storm = false;
  readonly runs: Run[] = [];
  /** Per watchdog pass: how many shards it restarted, or that it failed. */
  readonly passes: ({ restarts: number } | { failed: string })[] = [];
  throttled = { engines: 0, control: 0 };
  /** The generation-0 engines' store calls throttled during the storm, per shard, in order (each SDK attempt). */
  readonly throttledCalls = new Map<string, ('heartbeat' | 'commit')[]>();
  runtime!: FleetRuntime<AwsClients>;
  campaignId = '';
  private queueUrl = '';
  private version = 10;
  private enginesProxy!: HoldingProxy;
  private controlClients!: AwsClients;

  constructor(
    readonly name: string,
    private readonly throttleControlPlane: boolean,
  ) {}

  async start(): Promise<void> {
    const prefix = `thr-${this.name}-${randomBytes(3).toString('hex')}-`;
    const decide =
      (who: 'engines' | 'control') =>
      (request: HeldRequest): HoldDecision => {
        if (!this.storm || !request.operation.startsWith('DynamoDB_20120810.')) return { kind: 'pass' };
        if (who === 'control' && !this.throttleControlPlane) return { kind: 'pass' };
        this.throttled[who]++;
        const call = who === 'engines' ? callOf(request) : undefined;
        // Only the storm's first engines' (generation 0, until it exits): a relaunched one's restore reads would read as commits.
        if (call && this.runs.some((r) => r.shardId === call.shardId && r.generation === 0 && r.exit === undefined)) {
          this.throttledCalls.set(call.shardId, [...(this.throttledCalls.get(call.shardId) ?? []), call.kind]);
        }
        return THROTTLED;
      };
    this.enginesProxy = await startHoldingProxy(emulatorEndpoint(), decide('engines'));
    const controlProxy = await startHoldingProxy(emulatorEndpoint(), decide('control'));
    proxies.push(this.enginesProxy, controlProxy);
    this.controlClients = new AwsClients({ ...awsClientSettings({}), region: REGION, endpoint: controlProxy.endpoint });
    await createTables(direct, prefix);
    this.queueUrl = (await createLaunchQueues(direct, `${prefix}launch`, { maxReceives: 50, visibilityTimeoutSec: 30 })).queueUrl;
    this.runtime = createFleetRuntime(
      {
        tablePrefix: prefix,
        launchQueueUrl: this.queueUrl,
        cluster: CLUSTER,
        taskDefinition: FAMILY,
        containerName: CONTAINER,
        ...network,
        assignPublicIp: 'DISABLED',
        reportBucket: 'none',
      },
      systemClock,
      this.controlClients,
    );
    const created = await apiHandlerFor(this.runtime)(apiEvent('POST', '/campaigns', config));
    expect(created.statusCode, created.body).toBe(201);
    this.campaignId = JSON.parse(created.body).campaign.campaignId;
  }

  /** One turn: a watchdog pass, the exits handed to task-events, the launches made and their engines started. */
  async turn(): Promise<void> {
    // Exits that came since the last turn reach task-events before the pass, as ECS's STOPPED event
    // (seconds after the exit) comes before a watchdog that runs once a minute: a turn here lasts
    // seconds (the launcher's calls), and an exit held back for a whole turn would be judged LOST.
    // An event whose delivery was refused waits for the pass: EventBridge retries it with backoff.
    await this.deliverExits(true);
    try {
      const { verdicts } = await runWatchdog(this.runtime);
      this.passes.push({ restarts: verdicts.restart ?? 0 });
    } catch (error) {
      this.passes.push({ failed: (error as Error).name });
    }
    await this.deliverExits();
    const { Messages = [] } = await direct.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    if (Messages.length > 0) {
      const records = Messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:launch',
        awsRegion: REGION,
        md5OfBody: '',
        messageAttributes: {},
      }));
      // As the SQS event source does: the messages the Lambda did not report failed are deleted; a
      // Lambda that threw (every record failed, the store throttled) leaves them all to come back.
      const failed = await launcherHandlerFor(this.runtime)({ Records: records } as unknown as SQSEvent).then(
        (response) => new Set(response.batchItemFailures.map((f) => f.itemIdentifier)),
        () => new Set(records.map((r) => r.messageId)),
      );
      const done = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
      if (done.length > 0)
        await direct.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
        );
    }
    await this.startEnginesOfNewTasks();
  }

  /** Turns until `check` holds (returns a value), at most `timeoutMs`. */
  /** Each engine exit not yet delivered (`fresh`: never tried), handed to task-events as ECS's STOPPED event, then the moto task stopped. */
  private async deliverExits(fresh = false): Promise<void> {
    for (const run of this.runs) {
      if (run.exit === undefined || run.delivered || (fresh && run.refused)) continue;
      try {
        await handleTaskEvent(this.runtime, this.stoppedEvent(run));
      } catch {
        run.refused = true;
        continue; // throttled: EventBridge tries the invocation again
      }
      await direct.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: run.taskArn, reason: 'Essential container in task exited' }));
      run.delivered = true;
    }
  }

  async turnUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = CONDITION_DEADLINE_MS): Promise<T> {
    return waitFor(
      what,
      async () => {
        await this.turn();
        return check();
      },
      timeoutMs,
      TURN_MS,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await this.state()}`);
    });
  }

  /** Each shard's status, generation and restarts, and the end of each engine's stderr: for a failed wait. */
  async state(): Promise<string> {
    const shards = await this.runtime.store.listShards(this.campaignId).catch(() => [] as ShardRecord[]);
    const lines = shards.map((s) => `${s.shardId}: ${s.status} g${s.generation} restarts ${JSON.stringify(s.restarts.map((r) => [r.cause, r.detail.note]))}`);
    const logs = this.runs.map(
      (r) => `${r.shardId} g${r.generation} (exit ${r.exit ? (r.exit.code ?? r.exit.signal) : 'running'}): ${r.engine.stderr().slice(-400)}`,
    );
    return [...lines, ...logs, `passes: ${JSON.stringify(this.passes.slice(-20))}`].join('\n');
  }

  stopEngines(): void {
    for (const run of this.runs) if (run.exit === undefined) run.engine.child.kill('SIGKILL');
  }

  private async startEnginesOfNewTasks(): Promise<void> {
    for (const shard of await this.runtime.store.listShards(this.campaignId).catch(() => [] as ShardRecord[])) {
      if (shard.status !== 'LAUNCHING' || shard.taskId === undefined || this.runs.some((r) => r.taskArn === shard.taskId)) continue;
      const { tasks = [] } = await direct.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [shard.taskId] }));
      const task = tasks[0] as Task;
      const env = Object.fromEntries((task.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name as string, e.value as string]));
      const engine = startEngineImage(image, {
        ...env,
        ARBFLEET_HEALTH_FILE: '',
        ARBFLEET_AWS_REQUEST_TIMEOUT_MS: ENGINE_REQUEST_TIMEOUT_MS,
        AWS_ENDPOINT_URL: this.enginesProxy.endpoint,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      });
      everyEngine.push(engine);
      const run: Run = { shardId: shard.shardId, generation: shard.generation, taskArn: shard.taskId, env, engine, delivered: false };
      void engine.exited.then((exit) => (run.exit = exit));
      this.runs.push(run);
    }
  }

  /** ECS's STOPPED event for `run`'s task: the engine container's exit code (137 for a kill). */
  private stoppedEvent(run: Run) {
    const exitCode = run.exit?.code ?? 137;
    return {
      version: '0',
      id: randomBytes(8).toString('hex'),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '123456789012',
      time: new Date().toISOString(),
      region: REGION,
      resources: [run.taskArn],
      detail: {
        clusterArn: `arn:aws:ecs:${REGION}:123456789012:cluster/${CLUSTER}`,
        taskArn: run.taskArn,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        stoppedAt: new Date().toISOString(),
        group: `arbfleet:${this.campaignId}`,
        containers: [{ name: CONTAINER, exitCode, lastStatus: 'STOPPED' }],
        overrides: { containerOverrides: [{ name: CONTAINER, environment: Object.entries(run.env).map(([name, value]) => ({ name, value })) }] },
        version: this.version++,
      },
    };
  }
}

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

/**
 * An engine's store call and its shard: a heartbeat (a transaction writing the `heartbeats` table),
 * else a call of its commit (the head or ledger read first, then the transactions); undefined for a
 * request that names no shard.
 */
function callOf(request: HeldRequest): { kind: 'heartbeat' | 'commit'; shardId: string } | undefined {
  const body = request.body.toString('utf8');
  const shardId = /shard-\d{3}/.exec(body)?.[0];
  if (shardId === undefined) return undefined;
  if (request.operation !== 'DynamoDB_20120810.TransactWriteItems') return { kind: 'commit', shardId };
  const items = (JSON.parse(body) as { TransactItems: { Put?: { TableName: string } }[] }).TransactItems;
  return { kind: items.some((item) => item.Put?.TableName.endsWith('heartbeats')) ? 'heartbeat' : 'commit', shardId };
}

/**
 * The engine kept trying to heartbeat through the storm: its own log (stdout, one JSON line per
 * event) says a heartbeat failed before it ended, and no failed commit was followed by another
 * commit while a heartbeat was due (the runner's rule: while commits fail, a due heartbeat goes
 * first). A heartbeat is due at most one interval after the previous one started, which is before
 * its failure was logged; the next write is chosen after the failed commit was logged. So a commit
 * failed at or past the last failed heartbeat's log + one interval must be followed by a heartbeat.
 * Judged on the engine's own times, not on how many calls fit before its self-fence (chance: each
 * throttled call takes its SDK's jittered backoff; the regex once asked for a commit after a
 * heartbeat and failed a fresh clone where the self-fence came first).
 */
function expectHeartbeatsNotHeldBack(run: Run): void {
  const events: { event: string; at: number }[] = [];
  for (const line of run.engine.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { event?: string; at?: string };
    if (entry.event === 'shard ended') break;
    if (entry.event === 'heartbeat failed' || entry.event === 'commit failed, will retry') events.push({ event: entry.event, at: Date.parse(entry.at ?? '') });
  }
  const said = `${run.shardId} g${run.generation}: ${JSON.stringify(events)}`;
  expect(
    events.some((e) => e.event === 'heartbeat failed'),
    `${said}: no heartbeat tried during the storm`,
  ).toBe(true);
  const intervalMs = TIMEOUTS.heartbeatIntervalSec * 1000;
  let lastHeartbeat: number | undefined;
  events.forEach((e, i) => {
    if (e.event === 'heartbeat failed') lastHeartbeat = e.at;
    const next = events[i + 1];
    if (e.event !== 'commit failed, will retry' || lastHeartbeat === undefined || next === undefined) return;
    if (e.at >= lastHeartbeat + intervalMs) expect(next.event, `${said}: a commit sent again while a heartbeat was due`).toBe('heartbeat failed');
  });
}

/** The last non-empty line an engine wrote to stderr. */
function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * Runs one storm on a fresh fleet: every shard RUNNING, then the storm for `STORM_MS`, then turns
 * until every shard runs again on a later generation. Returns the fleet for the case's own checks.
 */
async function weather(fleet: StormFleet): Promise<{ shards: ShardRecord[]; stormRuns: Run[] }> {
  await fleet.start();
  await fleet.turnUntil('all three shards RUNNING with progress', async () => {
    const shards = await fleet.runtime.store.listShards(fleet.campaignId);
    return shards.length === 3 && shards.every((s) => s.status === 'RUNNING' && (s.heartbeat?.progress.ticks ?? 0) > 0) ? true : undefined;
  });
  const stormRuns = fleet.runs.slice();
  fleet.storm = true;
  const stormStart = Date.now();
  await fleet.turnUntil('the storm to pass', async () => (Date.now() - stormStart >= STORM_MS ? true : undefined), STORM_MS + CONDITION_DEADLINE_MS);
  fleet.storm = false;
  const shards = await fleet.turnUntil('every shard running again on a later generation', async () => {
    const all = await fleet.runtime.store.listShards(fleet.campaignId);
    return all.every((s) => s.status === 'RUNNING' && s.generation > 0 && s.heartbeat?.generation === s.generation) ? all : undefined;
  });
  for (const [shardId, calls] of fleet.throttledCalls) console.log(`${fleet.name}: ${shardId}'s generation-0 calls throttled, in order: ${calls.join(' ')}`);
  console.log(
    `${fleet.name}: ${fleet.throttled.engines} engine and ${fleet.throttled.control} control-plane calls throttled; restarts ${JSON.stringify(shards.map((s) => s.restarts.map((r) => r.cause)))}`,
  );
  fleet.stopEngines();
  return { shards, stormRuns };
}

/**
 * What both cases hold: every engine kept trying to heartbeat through the storm (its failing
 * commits did not hold the heartbeat back), nothing was CRASHED or LOST, every engine of the storm
 * gave up on the store naming the throttling.
 */
function expectStoreUnavailableNotCrash(shards: ShardRecord[], stormRuns: Run[]): void {
  for (const run of stormRuns) expectHeartbeatsNotHeldBack(run);
  const causes = shards.flatMap((s) => s.restarts.map((r) => r.cause));
  expect(causes.length).toBeGreaterThanOrEqual(3);
  expect(
    causes.filter((c) => c !== 'STORE_UNAVAILABLE'),
    JSON.stringify(shards.map((s) => s.restarts)),
  ).toEqual([]);
  for (const s of shards)
    expect(s.restarts[0]).toMatchObject({
      fromGeneration: 0,
      detail: { exitCode: 4, note: expect.stringMatching(/^the engine gave up on the store \(exit 4\)/) },
    });
  for (const run of stormRuns) {
    expect(run.exit, `${run.shardId} g${run.generation}: ${run.engine.stderr().slice(-800)}`).toEqual({ code: 4, signal: null });
    const said = lastLine(run.engine.stderr());
    expect(said).toMatch(/^arbfleet-engine: store unavailable: DynamoDB throttled: ProvisionedThroughputExceededException ×\d+ over [\d.]+ s; /);
    expect(said).not.toContain('last error: none');
  }
}

describe('a DynamoDB throttling storm of twice staleAfter on the emulator', () => {
  it(
    'throttling only the engines: each gives up on the store (exit 4, naming the throttling) and is restarted STORE_UNAVAILABLE, never CRASHED or LOST',
    async () => {
      const fleet = new StormFleet('engines', false);
      const { shards, stormRuns } = await weather(fleet);

      expect(fleet.throttled.engines).toBeGreaterThan(0);
      expect(fleet.throttled.control).toBe(0);
      expectStoreUnavailableNotCrash(shards, stormRuns);
    },
    15 * 60_000,
  );

  it(
    'throttling the whole table, the watchdog too: the same, and its mass-staleness rule holds restarts back and says so',
    async () => {
      const fleet = new StormFleet('table', true);
      const { shards, stormRuns } = await weather(fleet);

      expect(fleet.throttled.control).toBeGreaterThan(0);
      expect(
        fleet.passes.some((p) => 'failed' in p),
        'no watchdog pass met the storm',
      ).toBe(true);
      expectStoreUnavailableNotCrash(shards, stormRuns);
      for (const pass of fleet.passes) if ('restarts' in pass) expect(pass.restarts).toBeLessThanOrEqual(MASS_RESTARTS_PER_PASS);
      const events = await fleet.runtime.store.listEvents(fleet.campaignId);
      expect(events.filter((e) => e.type === 'watchdog.mass-staleness').length, events.map((e) => e.type).join(', ')).toBeGreaterThan(0);
    },
    15 * 60_000,
  );
});
