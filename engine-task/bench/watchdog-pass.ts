/**
 * The AWS calls of ONE watchdog pass (`WatchdogService.pass()` over the real AWS adapters:
 * `DynamoDbCampaignStore`, `EcsTaskLauncher`, `SqsLaunchQueue`) against N active shards on moto's
 * server, counted by operation through `AwsClients`' request hook. The fleet is seeded as a live
 * one looks between two passes: campaigns of 50 one-symbol shards, RUNNING, each with a RUNNING
 * ECS task and a fresh heartbeat whose ticks moved since the previous pass looked; plus a few in
 * trouble, the same few whatever N is: `STALE_SHARDS` whose heartbeats stopped (first stale
 * reading: suspect), one whose ticks stand still (suspect), one whose task is gone from ECS
 * (restart). Only the pass is counted, not the seeding.
 *
 * `npm run bench -- --watchdog-pass 100,300,1000` prints the table; the `aws` test project asserts
 * a bound on it (`test/integration/aws/watchdog-pass-calls.test.ts`).
 */
import { randomBytes } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { AwsClients, awsClientSettings, type AwsRequest } from '../../core/aws/aws-clients.js';
import { campaignItem, DynamoDbCampaignStore, shardItem } from '../../core/aws/dynamodb-campaign-store.js';
import { tableNames } from '../../core/aws/table-design.js';
import { createTables, deleteTables } from '../../core/aws/dynamodb-tables.js';
import { EcsTaskLauncher } from '../../core/aws/ecs-task-launcher.js';
import { createLaunchQueues, SqsLaunchQueue } from '../../core/aws/sqs-launch-queue.js';
import { asEpochMs, VirtualClock } from '../../core/clock.js';
import { parseCampaignConfig } from '../../core/config/load-config.js';
import { symbolUniverse } from '../../core/config/universe.js';
import type { CampaignRecord, Heartbeat, ShardRecord } from '../../core/model/records.js';
import { planShards, pendingShardRecord } from '../../core/fleet/shard-planner.js';
import { WatchdogService } from '../../core/fleet/watchdog-service.js';
import { silentLogger } from '../../core/log.js';
import type { Progress } from '../../core/model/progress.js';
import { motoTaskTransitionAt } from './moto-server.js';
import { micros, ms, ZERO_MICROS } from '../../core/model/units.js';

/** Shards per seeded campaign (one symbol each, the universe's 50). */
export const SHARDS_PER_CAMPAIGN = 50;
/** Shards seeded with a heartbeat older than `staleAfter`. */
export const STALE_SHARDS = 3;
/** RunTask starts at most this many tasks per call. */
const RUN_TASK_COUNT = 10;
const SEC = 1000;
const MIB = 1024 * 1024;

/** The operations the table shows as columns, in this order; any other lands in `other`. */
export const COUNTED_OPERATIONS = [
  'Query',
  'GetItem',
  'BatchGetItem',
  'UpdateItem',
  'TransactWriteItems',
  'BatchWriteItem',
  'DescribeTasks',
  'StopTask',
  'SendMessage',
] as const;

/** What one pass did and cost. */
export interface WatchdogPassResult {
  shards: number;
  campaigns: number;
  /** Requests by operation (each attempt counts). */
  calls: Record<string, number>;
  total: number;
  /** `total / (shards / 100)`: flat when the pass grows with shards/100, not with shards. */
  perHundredShards: number;
  /** Verdicts reached, by kind. */
  verdicts: Record<string, number>;
  passMs: number;
}

/** Counts the requests `AwsClients` reports, by operation, between `reset()`s. */
export class RequestCounter {
  private counts = new Map<string, number>();

  readonly onRequest = (request: AwsRequest): void => {
    this.counts.set(request.operation, (this.counts.get(request.operation) ?? 0) + 1);
  };

  reset(): void {
    this.counts.clear();
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/**
 * Seeds `shards` active shards (at least `STALE_SHARDS + 2`) on the moto server at `endpoint`
 * under fresh names, runs one watchdog pass, and returns its calls. Leaves the tables deleted.
 */
export async function measureWatchdogPass(endpoint: string, shards: number): Promise<WatchdogPassResult> {
  if (shards < STALE_SHARDS + 2) throw new Error(`a watchdog pass scenario needs at least ${STALE_SHARDS + 2} shards, got ${shards}`);
  const counter = new RequestCounter();
  const clients = new AwsClients({ ...awsClientSettings({ ...process.env, AWS_ENDPOINT_URL: endpoint }), endpoint }, { onRequest: counter.onRequest });
  const names = `wdpass-${randomBytes(3).toString('hex')}`;
  const now = Date.now();
  const clock = new VirtualClock(now - 60 * SEC);
  try {
    const store = new DynamoDbCampaignStore({ clients, tablePrefix: `${names}-`, clock });
    await createTables(clients, `${names}-`);
    const ecs = await setUpEcs(endpoint, clients, names);
    const launcher = new EcsTaskLauncher({
      clients,
      cluster: names,
      taskDefinition: names,
      containerName: 'engine',
      ...ecs,
      assignPublicIp: 'DISABLED',
      clock,
    });
    const { queueUrl } = await createLaunchQueues(clients, names, { maxReceives: 5, visibilityTimeoutSec: 60 });
    const queue = new SqsLaunchQueue({ clients, queueUrl, log: silentLogger });
    // As the AWS runtime builds it (functions/fleet-runtime.ts): dead letters are read once per invocation, not per pass.
    const watchdog = new WatchdogService({ store, queue, launcher, clock, log: silentLogger, taskEnvironment: () => ({}) }, { deadLettersEachPass: false });
    // Its previous pass, a minute ago (the seeded `observedTicksSince`): a watchdog's first look dates every heartbeat as of itself.
    await watchdog.pass();
    clock.set(now);
    const fleet = await seedFleet(clients, `${names}-`, { cluster: names, ...ecs }, now, shards);
    counter.reset();
    const started = performance.now();
    const verdicts = await watchdog.pass();
    const passMs = performance.now() - started;
    const calls = counter.snapshot();
    const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
    const byKind: Record<string, number> = {};
    for (const { verdict } of verdicts) byKind[verdict] = (byKind[verdict] ?? 0) + 1;
    await deleteTables(clients, `${names}-`);
    return { shards, campaigns: fleet.campaigns, calls, total, perHundredShards: round2(total / (shards / 100)), verdicts: byKind, passMs: Math.round(passMs) };
  } finally {
    clients.destroy();
  }
}

/** Where the seeded tasks run: the cluster (and task definition family) and its network. */
interface EcsPlacement {
  cluster: string;
  subnets: string[];
  securityGroups: string[];
}

/** A cluster and a Fargate task definition whose tasks stay RUNNING until stopped (moto's manual progression). */
async function setUpEcs(endpoint: string, clients: AwsClients, name: string): Promise<{ subnets: string[]; securityGroups: string[] }> {
  await motoTaskTransitionAt(endpoint, { progression: 'manual', times: 1_000_000 });
  await clients.ecs.send(new CreateClusterCommand({ clusterName: name }));
  await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      containerDefinitions: [{ name: 'engine', image: 'arbfleet/engine:bench', essential: true, memory: 1024 }],
    }),
  );
  return {
    subnets: [await ec2First(endpoint, 'DescribeSubnets', /<subnetId>(subnet-[0-9a-f]+)<\/subnetId>/)],
    securityGroups: [await ec2First(endpoint, 'DescribeSecurityGroups', /<groupId>(sg-[0-9a-f]+)<\/groupId>/)],
  };
}

/**
 * Campaigns of `SHARDS_PER_CAMPAIGN` RUNNING shards, `shards` in all, each with its RUNNING ECS
 * task. The previous pass saw each shard's ticks at 1,000 a minute ago; each has heartbeated
 * since with ticks at 2,000, 10 s ago, except: the first `STALE_SHARDS` last heartbeated 60 s ago
 * (staleAfter is 45 s), the next one's ticks have stood at 1,000 for 50 s, and the next one's
 * task is gone from ECS. The records are written as the store writes them (`campaignItem`,
 * `shardItem`), heartbeats included as the store's heartbeat would have left them, with
 * BatchWriteItem: moto copies a whole table for each transaction, so creating the campaigns (or
 * a thousand heartbeats) through transactions would take minutes.
 */
async function seedFleet(clients: AwsClients, tablePrefix: string, ecs: EcsPlacement, now: number, shards: number) {
  const tables = tableNames(tablePrefix);
  const symbols = symbolUniverse()
    .symbols.map((s) => s.base)
    .slice(0, SHARDS_PER_CAMPAIGN);
  const campaignCount = Math.ceil(shards / SHARDS_PER_CAMPAIGN);
  for (let c = 0; c < campaignCount; c++) {
    const count = Math.min(SHARDS_PER_CAMPAIGN, shards - c * SHARDS_PER_CAMPAIGN);
    const campaignSymbols = symbols.slice(0, count);
    const config = parseCampaignConfig({
      name: `watchdog-pass-${c}`,
      symbols: campaignSymbols,
      venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
      fx: { pair: 'USDT/KRW', rate: 1380 },
      feed: { kind: 'synthetic', seed: 1, ticksPerSecond: 10 },
      sharding: { symbolsPerShard: 1 },
      duration: '1h',
    });
    const campaignId = `bench-${String(c).padStart(4, '0')}`;
    const campaign: CampaignRecord = {
      campaignId,
      name: config.name,
      status: 'RUNNING',
      config: config as unknown as Record<string, unknown>,
      symbols: campaignSymbols,
      shardCount: count,
      createdAt: asEpochMs(now - 600 * SEC),
      startedAt: asEpochMs(now - 600 * SEC),
      endsAt: asEpochMs(now + 3000 * SEC),
      updatedAt: asEpochMs(now - 600 * SEC),
      version: 1,
    };
    const taskIds = await runTasks(clients, ecs, count);
    const campaignShards = planShards(campaignSymbols, 1).map((planned, i): ShardRecord => {
      const n = c * SHARDS_PER_CAMPAIGN + i;
      const record: ShardRecord = {
        ...pendingShardRecord(campaignId, planned, asEpochMs(now - 600 * SEC)),
        status: 'RUNNING',
        taskId: taskIds[i] as string,
        launchedAt: asEpochMs(now - 600 * SEC),
        healthySince: now - 590 * SEC,
        observedTicks: 1_000,
        observedTicksSince: now - 60 * SEC,
        peakRssBytes: 250 * MIB,
        version: 3,
        heartbeat: heartbeatAt(now - 10 * SEC, 2_000),
      };
      if (n < STALE_SHARDS) record.heartbeat = heartbeatAt(now - 60 * SEC, 2_000);
      if (n === STALE_SHARDS) record.heartbeat = heartbeatAt(now - 10 * SEC, 1_000, now - 50 * SEC);
      if (n === STALE_SHARDS + 1) record.taskId = `${(taskIds[i] as string).replace(/\/[^/]+$/, '')}/${'0'.repeat(32)}`;
      return record;
    });
    await batchPut(clients, tables.campaigns, [campaignItem(campaign)]);
    await batchPut(clients, tables.shards, campaignShards.map(shardItem));
  }
  return { campaigns: campaignCount };
}

/** Puts `items` into `table`, 25 a request, until none is left unprocessed. */
async function batchPut(clients: AwsClients, table: string, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await clients.documents.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (UnprocessedItems?.[table] ?? []).map((request) => ({ PutRequest: { Item: request.PutRequest?.Item ?? {} } }));
    }
  }
}

/** A heartbeat of generation 0 received at `receivedAt` with `ticks`, which have stood since `ticksSince`. */
function heartbeatAt(receivedAt: number, ticks: number, ticksSince = receivedAt): Heartbeat {
  return { generation: 0, receivedAt: asEpochMs(receivedAt), ticksSince, progress: progressAt(receivedAt, ticks) };
}

/** `count` tasks of the cluster's task definition, RUNNING (RunTask starts ten at a time). */
async function runTasks(clients: AwsClients, { cluster, subnets, securityGroups }: EcsPlacement, count: number): Promise<string[]> {
  const launches = Array.from({ length: Math.ceil(count / RUN_TASK_COUNT) }, (_, i) => Math.min(RUN_TASK_COUNT, count - i * RUN_TASK_COUNT));
  const arns: string[] = [];
  // One at a time: moto's server is not safe for concurrent writes.
  for (const n of launches) {
    const { tasks = [], failures = [] } = await clients.ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: cluster,
        launchType: 'FARGATE',
        count: n,
        networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups, assignPublicIp: 'DISABLED' } },
      }),
    );
    if (failures.length > 0 || tasks.length !== n) throw new Error(`RunTask of ${n} task(s) in ${cluster}: ${JSON.stringify(failures)}`);
    arns.push(...tasks.map((task) => task.taskArn as string));
  }
  return arns;
}

/** The first match of `pattern` in an answer of moto's EC2 query API (moto checks only the credential scope). */
async function ec2First(endpoint: string, action: string, pattern: RegExp): Promise<string> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=bench/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  const match = pattern.exec(await res.text());
  if (!match?.[1]) throw new Error(`EC2 ${action} at ${endpoint}: nothing matched ${pattern}`);
  return match[1];
}

function progressAt(at: number, ticks: number): Progress {
  return {
    at: ms(at),
    uptimeSec: 590,
    ticks,
    ticksPerSec: ticks === 1_000 ? 0 : 16.7,
    trades: 3,
    tradesClosed: 3,
    openTrades: 0,
    fillsA: 6,
    fillsB: 6,
    lastFillSeq: 11,
    rejectedEntries: 0,
    realizedPnlMicros: micros(1_250_000, 'progress.realizedPnlMicros'),
    unrealizedPnlMicros: ZERO_MICROS,
    latencyP50Us: 0.05,
    latencyP99Us: 0.2,
    latencyMaxUs: 3,
    rssBytes: 210 * MIB,
    heapUsedBytes: 40 * MIB,
    symbols: [],
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The results as a Markdown table: shards, campaigns, calls by operation, total, total/(shards/100). */
export function watchdogPassTable(results: readonly WatchdogPassResult[]): string {
  const others = (r: WatchdogPassResult) =>
    Object.entries(r.calls)
      .filter(([op]) => !(COUNTED_OPERATIONS as readonly string[]).includes(op))
      .reduce((sum, [, n]) => sum + n, 0);
  const header = ['shards', 'campaigns', ...COUNTED_OPERATIONS, 'other', 'total', 'total/(shards/100)'];
  const rows = results.map((r) => [
    r.shards.toLocaleString('en-US'),
    String(r.campaigns),
    ...COUNTED_OPERATIONS.map((op) => String(r.calls[op] ?? 0)),
    String(others(r)),
    String(r.total),
    r.perHundredShards.toFixed(1),
  ]);
  return [header, header.map(() => '---:'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
