/**
 * The `api` Lambda, wired to the real DynamoDB store and SQS queue on the emulator, fuzzed with
 * generated bad requests: every answer is a 4xx with a JSON error body, never a 5xx, and nothing
 * is written (no campaign in the table, no launch message on the queue).
 */
import { randomBytes } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { createTables } from '../../../core/aws/dynamodb-tables.js';
import { createLaunchQueues } from '../../../core/aws/sqs-launch-queue.js';
import { systemClock } from '../../../core/clock.js';
import { apiHandlerFor } from '../../../functions/api.js';
import { createFleetRuntime, type FleetRuntime } from '../../../functions/fleet-runtime.js';
import type { CampaignRecord, ShardRecord } from '../../../core/model/records.js';
import { campaignInput } from '../../support/campaigns.js';

const PREFIX = `fuzz-${randomBytes(3).toString('hex')}-`;
const clients = new AwsClients();
let runtime: FleetRuntime;
let api: ReturnType<typeof apiHandlerFor>;
let queueUrl: string;
let sent = 0;

function event(method: string, path: string, body: string | null, contentType = 'application/json'): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    headers: { 'Content-Type': contentType },
    body,
    isBase64Encoded: false,
    queryStringParameters: null,
  } as unknown as APIGatewayProxyEvent;
}

const NUMERIC_FIELDS: (string | number)[][] = [
  ['venues', 'a', 'takerFeeBps'],
  ['strategy', 'entryBps'],
  ['strategy', 'orderNotional'],
  ['risk', 'maxOpenTrades'],
  ['sharding', 'symbolsPerShard'],
  ['feed', 'ticksPerSecond'],
  ['fx', 'rate'],
];

function withField(path: (string | number)[], value: unknown): string {
  const config = structuredClone({ ...campaignInput(), strategy: { entryBps: 30 }, risk: { maxOpenTrades: 20 }, sharding: { symbolsPerShard: 2 } }) as Record<
    string,
    unknown
  >;
  let node = config as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string] = value;
  return JSON.stringify(config);
}

const badRequests: fc.Arbitrary<APIGatewayProxyEvent> = fc.oneof(
  fc
    .string()
    .filter((s) => {
      try {
        const v = JSON.parse(s);
        return typeof v !== 'object' || v === null;
      } catch {
        return true;
      }
    })
    .map((body) => event('POST', '/campaigns', body)),
  fc
    .tuple(
      fc.constantFrom(...NUMERIC_FIELDS),
      fc.oneof(
        fc.string({ minLength: 1 }).filter((s) => Number.isNaN(Number(s))),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.object({ maxDepth: 1 }),
      ),
    )
    .map(([path, value]) => event('POST', '/campaigns', withField(path, value))),
  fc
    .tuple(fc.constantFrom(...NUMERIC_FIELDS), fc.oneof(fc.integer({ min: -1_000_000, max: -1 }), fc.double({ min: 1e11, max: 1e300, noNaN: true })))
    .map(([path, value]) => event('POST', '/campaigns', withField(path, value))),
  fc.integer({ min: 1001, max: 3000 }).map((n) =>
    event(
      'POST',
      '/campaigns',
      withField(
        ['symbols'],
        Array.from({ length: n }, (_, i) => `S${i}`),
      ),
    ),
  ),
  fc
    .string({ minLength: 1, maxLength: 20 })
    .filter(
      (k) =>
        !(k in campaignInput()) &&
        !['description', 'strategy', 'risk', 'schedule', 'sharding', 'watchdog', 'task', 'monitor', 'onShardFailure', '__proto__'].includes(k),
    )
    .map((key) => event('POST', '/campaigns', JSON.stringify({ ...campaignInput(), [key]: 1 }))),
  fc
    .tuple(fc.constantFrom('GET', 'POST'), fc.string({ minLength: 1, maxLength: 80 }), fc.boolean())
    .map(([method, id, stop]) => event(method, `/campaigns/${encodeURIComponent(id)}${stop ? '/stop' : ''}`, null)),
  fc.constantFrom('PUT', 'DELETE', 'PATCH').map((method) => event(method, '/campaigns', withField(['name'], 'x'))),
  fc
    .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml')
    .map((type) => event('POST', '/campaigns', JSON.stringify(campaignInput()), type)),
);

beforeAll(async () => {
  await createTables(clients, PREFIX);
  queueUrl = (await createLaunchQueues(clients, `${PREFIX}launch`, { maxReceives: 5, visibilityTimeoutSec: 30 })).queueUrl;
  runtime = createFleetRuntime(
    {
      tablePrefix: PREFIX,
      launchQueueUrl: queueUrl,
      cluster: 'none',
      taskDefinition: 'none',
      containerName: 'engine',
      subnets: ['subnet-0'],
      securityGroups: ['sg-0'],
      assignPublicIp: 'DISABLED',
      reportBucket: 'none',
    },
    systemClock,
    clients,
  );
  api = apiHandlerFor(runtime);
});

afterAll(() => clients.destroy());

describe('the api Lambda under fuzzing, against the emulator', () => {
  it('answers at least 500 bad requests with a 4xx and a JSON error body, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(badRequests, async (request) => {
        sent++;
        const response = await api(request);
        expect(response.statusCode, `${request.httpMethod} ${request.path} ${String(request.body).slice(0, 200)} → ${response.body}`).toBeGreaterThanOrEqual(
          400,
        );
        expect(response.statusCode).toBeLessThan(500);
        const body = JSON.parse(response.body);
        expect(typeof body.error).toBe('string');
        expect(typeof body.message).toBe('string');
      }),
      { numRuns: 520 },
    );
    expect(sent).toBeGreaterThanOrEqual(500);
    expect(await runtime.store.listCampaigns()).toEqual([]);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(0);
    expect(Number(Attributes?.ApproximateNumberOfMessagesDelayed)).toBe(0);
  });
});

describe('the front door: what ECS or the engine image would refuse is a 400 naming the field, before anything is stored', () => {
  async function refusal(config: unknown): Promise<{ status: number; fields: string[] }> {
    const response = await api(event('POST', '/campaigns', JSON.stringify(config)));
    const body = JSON.parse(response.body) as { issues?: { path: string }[] };
    return { status: response.statusCode, fields: (body.issues ?? []).map((i) => i.path) };
  }

  it('a task size Fargate does not offer', async () => {
    expect(await refusal({ ...campaignInput(), task: { cpu: 512, memoryMiB: 1536 } })).toEqual({ status: 400, fields: ['task.memoryMiB'] });
  });

  it('a replay file outside the folder the engine image holds', async () => {
    for (const path of ['/home/quant/quotes.csv', 'data/quotes.csv', 'configs/../secrets.csv']) {
      expect(await refusal({ ...campaignInput(), feed: { kind: 'replay', path } }), path).toEqual({ status: 400, fields: ['feed.path'] });
    }
    expect(await runtime.store.listCampaigns()).toEqual([]);
  });

  it('a replay file under configs/ that the deployed image does not hold (the list the stack embeds in the bundle)', async () => {
    process.env.ARBFLEET_IMAGE_FILES = JSON.stringify(['configs/top10-paper-baseline.yaml', 'configs/quotes.csv']);
    try {
      const response = await api(event('POST', '/campaigns', JSON.stringify({ ...campaignInput(), feed: { kind: 'replay', path: 'configs/quote.csv' } })));
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(
        /feed\.path.*configs\/quote\.csv.*is not in the deployed engine image: its configs\/ holds 2 file\(s\) \(data files: configs\/quotes\.csv\)/,
      );
      expect(await runtime.store.listCampaigns()).toEqual([]);
    } finally {
      delete process.env.ARBFLEET_IMAGE_FILES;
    }
  });

  it('takes a valid campaign whose config travels by reference: the launch overrides carry no config, whatever its size', async () => {
    const response = await api(
      event(
        'POST',
        '/campaigns',
        JSON.stringify({ ...campaignInput(), task: { cpu: 1024, memoryMiB: 3072 }, feed: { kind: 'replay', path: 'configs/quotes.csv' } }),
      ),
    );
    expect(response.statusCode, response.body).toBe(201);
    const { campaign, shards } = JSON.parse(response.body) as { campaign: CampaignRecord; shards: ShardRecord[] };
    const env = runtime.context.taskEnvironment(campaign, shards[0] as ShardRecord);
    expect(env.ARBFLEET_CONFIG_FROM).toBe('store');
    expect(Object.keys(env)).not.toContain('ARBFLEET_CONFIG_JSON');
    expect(JSON.stringify(env).length).toBeLessThan(1_000);
  });
});
