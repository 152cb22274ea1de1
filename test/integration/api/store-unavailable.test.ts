/**
 * A store that is busy or unreachable answers 503 with `Retry-After`, never 500, wherever the API
 * runs (`ERROR_TABLE` in `core/errors.ts`, `core/api/http-status.ts`):
 * - the local server over loopback HTTP, in front of the real campaign service and a SQLite file
 *   whose write lock another connection holds past the store's lock wait (`SQLITE_BUSY`); once the
 *   lock is released the same request is taken;
 * - the `api` Lambda's handler (`functions/api.ts`, its real runtime and DynamoDB store) in front of
 *   an endpoint that answers every call as DynamoDB does when throttled
 *   (`ProvisionedThroughputExceededException`, HTTP 400), and in front of one that refuses connections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import { RETRY_AFTER_SEC, UNAVAILABLE_MESSAGE } from '../../../core/api/http-status.js';
import { startLocalApiServer, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { ControlPlaneClients } from '../../../core/aws/control-plane-clients.js';
import { systemClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { TaskLauncher } from '../../../core/ports.js';
import { apiHandlerFor } from '../../../functions/api.js';
import { createFleetRuntime } from '../../../functions/fleet-runtime.js';
import type { LambdaLog } from '../../../functions/lambda-log.js';
import { campaignInput } from '../../support/campaigns.js';

const noTasks: TaskLauncher = { launch: async () => ({ taskId: 'never' }), stop: async () => undefined, describe: async () => [] };

describe('the local API over a SQLite store whose write lock another connection holds', () => {
  let dir: string;
  let store: SqliteCampaignStore;
  let server: LocalApiServer;
  const logged: { event: string; fields: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbfleet-503-'));
    store = new SqliteCampaignStore(join(dir, 'fleet.db'), systemClock);
    store.setLockWait(200); // the control plane waits 10 s; the rule is the same after 0.2 s
    const campaigns = new CampaignService({
      store,
      queue: new MemoryLaunchQueue(systemClock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
      launcher: noTasks,
      clock: systemClock,
      log: { log: () => undefined },
      taskEnvironment: () => ({}),
    });
    server = await startLocalApiServer(createApiHandler(campaigns, { log: (event, fields) => logged.push({ event, fields }) }), { port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = () =>
    fetch(`${server.url}/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(campaignInput()) });

  it('answers 503 with Retry-After while the lock is held, logs the store’s error, stores nothing; takes the request once it is released', async () => {
    const holder = new Database(join(dir, 'fleet.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const refused = await post();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe(String(RETRY_AFTER_SEC));
      expect(await refused.json()).toEqual({ error: 'StoreUnavailableError', message: UNAVAILABLE_MESSAGE });
      expect(logged.map((l) => [l.event, l.fields.status, (l.fields.error as { message?: string }).message])).toEqual([
        ['api.internal_error', 503, 'database is locked'],
      ]);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(await store.listCampaigns()).toEqual([]);
    const taken = await post();
    expect(taken.status).toBe(201);
    expect(await store.listCampaigns()).toHaveLength(1);
  });
});

describe('the api Lambda over a DynamoDB that cannot answer', () => {
  const quiet: LambdaLog = { port: { log: () => undefined }, correlated: (_id, work) => work() } as LambdaLog;
  const environment = {
    tablePrefix: 'unavailable-',
    launchQueueUrl: 'http://127.0.0.1:1/queue/launch',
    cluster: 'none',
    taskDefinition: 'none',
    containerName: 'engine',
    subnets: ['subnet-0'],
    securityGroups: ['sg-0'],
    assignPublicIp: 'DISABLED' as const,
    reportBucket: 'none',
  };
  const event = (method: string, path: string, body: unknown = null) =>
    ({
      httpMethod: method,
      path,
      headers: { 'content-type': 'application/json' },
      queryStringParameters: null,
      body: body === null ? null : JSON.stringify(body),
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEvent;
  let throttling: Server;
  let calls = 0;
  let setCredentials = false;

  beforeAll(async () => {
    if (process.env.AWS_ACCESS_KEY_ID === undefined) {
      // The SDK signs every request, even one to a stand-in; nothing here reaches AWS.
      process.env.AWS_ACCESS_KEY_ID = 'testing';
      process.env.AWS_SECRET_ACCESS_KEY = 'testing';
      setCredentials = true;
    }
    throttling = createServer((req, res) => {
      calls++;
      req.resume().on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `r-${calls}` });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message:
              'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => throttling.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => throttling.close(() => resolve()));
    if (setCredentials) {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  function lambdaOver(endpoint: string) {
    const clients = new ControlPlaneClients({ region: 'us-east-1', endpoint, maxAttempts: 2, connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
    return { clients, api: apiHandlerFor(createFleetRuntime(environment, systemClock, clients, quiet)) };
  }

  it('answers 503 with Retry-After to a read and to a create while every DynamoDB call is throttled (after the SDK’s own retry)', async () => {
    const { clients, api } = lambdaOver(`http://127.0.0.1:${(throttling.address() as AddressInfo).port}`);
    try {
      for (const request of [event('GET', '/campaigns'), event('POST', '/campaigns', campaignInput())]) {
        const before = calls;
        const response = await api(request);
        expect(response.statusCode, `${request.httpMethod} ${request.path}: ${response.body}`).toBe(503);
        expect(response.headers?.['retry-after']).toBe(String(RETRY_AFTER_SEC));
        expect(JSON.parse(response.body)).toEqual({ error: 'StoreUnavailableError', message: UNAVAILABLE_MESSAGE });
        expect(calls - before).toBeGreaterThanOrEqual(2); // the SDK retried the throttled call before giving up
      }
    } finally {
      clients.destroy();
    }
  });

  it('answers 503 with Retry-After when DynamoDB’s endpoint refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { clients, api } = lambdaOver(`http://127.0.0.1:${port}`);
    try {
      const response = await api(event('GET', '/campaigns'));
      expect(response.statusCode, response.body).toBe(503);
      expect(response.headers?.['retry-after']).toBe(String(RETRY_AFTER_SEC));
    } finally {
      clients.destroy();
    }
  });
});
