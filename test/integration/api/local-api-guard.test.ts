/**
 * The local API server applies its guard (`core/api/local-request-guard.ts`) over real HTTP: a
 * refused request never reaches the handler, its body is not read (the connection is closed), the
 * answer is a JSON 403 naming what was refused and why, and each distinct refusal is logged once.
 * `test/e2e/serve-api-guard.test.ts` sends the same requests to a real `arbfleet serve`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import { startLocalApiServer, MAX_LOGGED_REFUSALS, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { FakeFleetApi } from '../../support/fake-fleet-api.js';
import { rawRequest } from '../../support/raw-http.js';

const reached: string[] = [];
const logged: Record<string, unknown>[] = [];
let server: LocalApiServer;

beforeAll(async () => {
  const handler = createApiHandler(new FakeFleetApi(), { log: () => {} });
  server = await startLocalApiServer(
    async (req) => {
      reached.push(`${req.method} ${req.path}`);
      return handler(req);
    },
    { port: 0, log: (event, fields) => logged.push({ event, ...fields }) },
  );
});
afterAll(() => server.close());

describe('the local API server’s guard', () => {
  it('answers a rebinding read 403 in JSON, without calling the handler, and logs it once', async () => {
    const before = reached.length;
    const host = `evil.example:${server.port}`;
    const first = await rawRequest(server.port, 'GET', '/campaigns', { host });
    const second = await rawRequest(server.port, 'GET', '/campaigns', { host });
    for (const response of [first, second]) {
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers.connection).toBe('close');
      expect(response.body).toEqual({
        error: 'ForeignRequestError',
        message: `Host "${host}" is not this server (expected 127.0.0.1:${server.port} or localhost:${server.port}): a page reached through another name (DNS rebinding) may not use the local API`,
      });
    }
    expect(reached.length).toBe(before);
    expect(logged.filter((line) => line.found === host)).toEqual([
      { event: 'api.foreign_request_refused', method: 'GET', path: '/campaigns', rule: 'host', found: host, message: first.body.message },
    ]);
  });

  it('refuses a cross-site stop from its headers alone: a body declared larger than any cap is never awaited', async () => {
    const before = reached.length;
    // The body is declared but never sent: had the server waited for it, there would be no answer.
    const response = await rawRequest(server.port, 'POST', '/campaigns/c-1/stop', {
      host: `127.0.0.1:${server.port}`,
      origin: 'http://evil.example',
      'content-type': 'text/plain',
      'content-length': String(10 * 1024 * 1024),
    });
    expect(response.status).toBe(403);
    expect(response.body.message).toMatch(/^"POST" "\/campaigns\/c-1\/stop" refused: Origin "http:\/\/evil\.example" is not this server/);
    expect(reached.length).toBe(before);
  });

  it('serves the same stop sent by the operator’s tool or this server’s page', async () => {
    const host = `127.0.0.1:${server.port}`;
    const fromTool = await rawRequest(server.port, 'POST', '/campaigns/c-404/stop', { host, 'x-arbfleet-client': 'arbfleet-cli' });
    const fromPage = await rawRequest(
      server.port,
      'POST',
      '/campaigns/c-404/stop',
      { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      '{}',
    );
    // Both reach the handler, which knows no such campaign.
    expect([fromTool.status, fromPage.status]).toEqual([404, 404]);
    expect(reached.slice(-2)).toEqual(['POST /campaigns/c-404/stop', 'POST /campaigns/c-404/stop']);
  });

  it(`logs at most ${MAX_LOGGED_REFUSALS} distinct refusals, so a page sending in a loop cannot flood the log`, async () => {
    for (let i = 0; i < MAX_LOGGED_REFUSALS + 5; i += 1) {
      expect((await rawRequest(server.port, 'GET', '/', { host: `rebind-${i}.example` })).status).toBe(403);
    }
    expect(logged.length).toBe(MAX_LOGGED_REFUSALS);
  });
});
