import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler, DEFAULT_MAX_BODY_BYTES } from '../../../core/api/api-handler.js';
import { startLocalApiServer, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { campaignInput } from '../../support/campaigns.js';
import { FakeFleetApi } from '../../support/fake-fleet-api.js';

const JSON_TYPE = { 'content-type': 'application/json' };

let fleet: FakeFleetApi;
let server: LocalApiServer;

beforeAll(async () => {
  fleet = new FakeFleetApi();
  server = await startLocalApiServer(createApiHandler(fleet, { log: () => {} }), { port: 0 });
});

afterAll(async () => {
  await server?.close();
});

/** Resolves true when a TCP connection to `host:port` opens. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('local API server over HTTP', () => {
  it('listens on 127.0.0.1 only, on the port it picked', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await canConnect('127.0.0.1', server.port)).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) expect(await canConnect(external.address, server.port)).toBe(false);
  });

  it('creates a campaign and gets it back', async () => {
    const created = await fetch(`${server.url}/campaigns`, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'idempotency-key': 'it-create-1' },
      body: JSON.stringify(campaignInput()),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    const view = (await created.json()) as { campaign: { campaignId: string } };
    const { campaignId } = view.campaign;
    expect(created.headers.get('location')).toBe(`/campaigns/${campaignId}`);

    const got = await fetch(`${server.url}/campaigns/${campaignId}/`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ campaign: { campaignId, name: 'test-campaign' }, shards: [{ shardId: 'shard-000' }] });

    const replayed = await fetch(`${server.url}/campaigns`, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'idempotency-key': 'it-create-1' },
      body: JSON.stringify(campaignInput()),
    });
    expect(replayed.status).toBe(200);
    expect(((await replayed.json()) as typeof view).campaign.campaignId).toBe(campaignId);
  });

  it('answers 413 to a 1 MiB body without buffering it, and keeps serving', async () => {
    const writesBefore = fleet.writes;
    const declared = await fetch(`${server.url}/campaigns`, { method: 'POST', headers: JSON_TYPE, body: ' '.repeat(1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'PayloadTooLargeError', message: expect.stringContaining(String(DEFAULT_MAX_BODY_BYTES)) });

    // Chunked, with no content-length: the server has to count.
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024 * 1024) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const counted = await fetch(`${server.url}/campaigns`, { method: 'POST', headers: JSON_TYPE, body: stream, duplex: 'half' } as RequestInit);
    expect(counted.status).toBe(413);
    expect(((await counted.json()) as { error: string }).error).toBe('PayloadTooLargeError');

    expect(fleet.writes).toBe(writesBefore);
    expect((await fetch(`${server.url}/campaigns`)).status).toBe(200);
  });

  it('answers 415 to a body that is not JSON (from a client the guard lets through)', async () => {
    const response = await fetch(`${server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-arbfleet-client': 'test' },
      body: JSON.stringify(campaignInput()),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: string }).error).toBe('UnsupportedMediaTypeError');
  });

  it('answers 400 to a body that is not UTF-8', async () => {
    const response = await fetch(`${server.url}/campaigns`, { method: 'POST', headers: JSON_TYPE, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe('body is not valid JSON: the body is not UTF-8 text');
  });

  it('answers 404 to an unknown campaign and an unknown route, 405 with Allow to a wrong method', async () => {
    const unknownId = await fetch(`${server.url}/campaigns/c-9999`);
    expect(unknownId.status).toBe(404);
    expect(((await unknownId.json()) as { error: string }).error).toBe('NotFoundError');
    const oddId = await fetch(`${server.url}/campaigns/${'%FF'.repeat(40)}/report`);
    expect(oddId.status).toBe(404);
    const unknownRoute = await fetch(`${server.url}/shards?x=1`);
    expect(unknownRoute.status).toBe(404);
    const wrongMethod = await fetch(`${server.url}/campaigns`, { method: 'DELETE', headers: { 'x-arbfleet-client': 'test' } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    await wrongMethod.body?.cancel();
  });

  it('close() stops listening', async () => {
    const other = await startLocalApiServer(createApiHandler(new FakeFleetApi()), { port: 0 });
    expect((await fetch(`${other.url}/campaigns`)).status).toBe(200);
    await other.close();
    expect(await canConnect('127.0.0.1', other.port)).toBe(false);
  });
});
