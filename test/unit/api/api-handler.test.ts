import { beforeEach, describe, expect, it } from 'vitest';
import { createApiHandler, DEFAULT_MAX_BODY_BYTES, type ApiHandler } from '../../../core/api/api-handler.js';
import type { ApiRequest, ApiResponse } from '../../../core/api/http-types.js';
import { INTERNAL_ERROR_MESSAGE, MAX_ISSUES_IN_RESPONSE, RETRY_AFTER_SEC } from '../../../core/api/http-status.js';
import { AlreadyExistsError, FencedOutError, ProgrammingError, StoreUnavailableError, VersionConflictError } from '../../../core/errors.js';
import { campaignInput } from '../../support/campaigns.js';
import { FakeFleetApi } from '../../support/fake-fleet-api.js';

const JSON_TYPE = { 'content-type': 'application/json' };

function request(method: string, path: string, body?: unknown, headers: Record<string, string> = JSON_TYPE): ApiRequest {
  return { method, path, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) };
}

function json(response: ApiResponse): any {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(response.body);
}

let fleet: FakeFleetApi;
let handler: ApiHandler;
let logged: { event: string; fields: Record<string, unknown> }[];

beforeEach(() => {
  fleet = new FakeFleetApi();
  logged = [];
  handler = createApiHandler(fleet, { log: (event, fields) => logged.push({ event, fields }) });
});

async function createOne(headers: Record<string, string> = JSON_TYPE): Promise<string> {
  const response = await handler(request('POST', '/campaigns', campaignInput(), headers));
  expect(response.status).toBe(201);
  return json(response).campaign.campaignId;
}

describe('API handler routes', () => {
  it('POST /campaigns creates a campaign: 201, the view, and its location', async () => {
    const response = await handler(request('POST', '/campaigns', campaignInput()));
    expect(response.status).toBe(201);
    const view = json(response);
    expect(view.campaign).toMatchObject({ campaignId: 'c-0001', name: 'test-campaign', symbols: ['BTC', 'ETH', 'XRP', 'SOL'] });
    expect(view.shards).toHaveLength(1);
    expect(response.headers.location).toBe('/campaigns/c-0001');
    expect(fleet.writes).toBe(1);
  });

  it('GET /campaigns lists campaigns', async () => {
    const id = await createOne();
    const response = await handler(request('GET', '/campaigns'));
    expect(response.status).toBe(200);
    expect(json(response).campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual([id]);
  });

  it('GET /campaigns/{id} returns the campaign with its shards', async () => {
    const id = await createOne();
    const response = await handler(request('GET', `/campaigns/${id}`));
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ campaign: { campaignId: id, status: 'STARTING' }, shards: [{ shardId: 'shard-000' }] });
  });

  it('POST /campaigns/{id}/stop cancels it, and a second stop is a 409 conflict', async () => {
    const id = await createOne();
    const stopped = await handler(request('POST', `/campaigns/${id}/stop`));
    expect(stopped.status).toBe(200);
    expect(json(stopped).campaign.status).toBe('CANCELLED');
    const again = await handler(request('POST', `/campaigns/${id}/stop`));
    expect(again.status).toBe(409);
    expect(json(again)).toMatchObject({ error: 'StateConflictError', message: expect.stringContaining('already ended') });
  });

  it('GET /campaigns/{id}/report returns the report JSON', async () => {
    const id = await createOne();
    const response = await handler(request('GET', `/campaigns/${id}/report`));
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ campaignId: id, shards: 1 });
  });

  it('GET / serves the live page as HTML, for the campaign named in ?campaignId=', async () => {
    const asked: (string | undefined)[] = [];
    const withPage = createApiHandler(fleet, {
      livePage: async (campaignId) => {
        asked.push(campaignId);
        return `<html>${campaignId ?? 'all'}</html>`;
      },
    });
    const page = await withPage(request('GET', '/'));
    expect(page).toMatchObject({ status: 200, body: '<html>all</html>' });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect((await withPage(request('GET', '/?campaignId=c-0001'))).body).toBe('<html>c-0001</html>');
    expect((await withPage(request('GET', '/?campaignId=..%2Fetc'))).status).toBe(404);
    expect(asked).toEqual([undefined, 'c-0001']);
  });

  it('GET / is a JSON 404 when no live page is configured', async () => {
    const response = await handler(request('GET', '/'));
    expect(response.status).toBe(404);
    expect(json(response).error).toBe('NotFoundError');
  });

  it("GET /events is a JSON 404 naming where it is served: the event stream is the local server's, never the api Lambda's", async () => {
    const response = await handler(request('GET', '/events?campaignId=c-0001'));
    expect(response.status).toBe(404);
    expect(json(response).message).toBe("the console's event stream is served by the local API only (arbfleet serve, arbfleet run --api-port)");
    expect((await handler(request('POST', '/events'))).status).toBe(405);
  });

  it('tolerates trailing slashes and query strings', async () => {
    const id = await createOne();
    expect((await handler(request('GET', '/campaigns/?limit=5'))).status).toBe(200);
    expect((await handler(request('GET', `/campaigns/${id}/`))).status).toBe(200);
    expect((await handler(request('GET', `/campaigns/${id}/report/?format=json#top`))).status).toBe(200);
  });
});

describe('API handler: idempotent create', () => {
  it('replays an Idempotency-Key: 200 with the same campaign, nothing new created', async () => {
    const key = { ...JSON_TYPE, 'idempotency-key': 'retry-me_01' };
    const first = await handler(request('POST', '/campaigns', campaignInput(), key));
    const second = await handler(request('POST', '/campaigns', campaignInput(), key));
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(json(second).campaign.campaignId).toBe(json(first).campaign.campaignId);
    expect(fleet.writes).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['odd characters', 'key with spaces'],
    ['a list of keys', 'a, b'],
  ])('refuses a malformed Idempotency-Key (%s) with 400', async (_, value) => {
    const response = await handler(request('POST', '/campaigns', campaignInput(), { ...JSON_TYPE, 'idempotency-key': value }));
    expect(response.status).toBe(400);
    expect(json(response).issues).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining('1-128 characters') }]);
    expect(fleet.writes).toBe(0);
  });

  it('accepts a 128-character key and header names in any case', async () => {
    await createOne({ 'Content-Type': 'application/json', 'Idempotency-Key': 'k'.repeat(128) });
    expect(fleet.byIdempotencyKey.has('k'.repeat(128))).toBe(true);
  });
});

describe('API handler: errors map to statuses', () => {
  it('400 with the field path when the config is invalid (real config validation)', async () => {
    const bad = { ...campaignInput(), strategy: { entryBps: 'x' } };
    const response = await handler(request('POST', '/campaigns', bad));
    expect(response.status).toBe(400);
    const body = json(response);
    expect(body.error).toBe('ValidationError');
    expect(body.issues).toContainEqual({ path: 'strategy.entryBps', message: expect.stringMatching(/expected number/) });
    expect(body.message).toMatch(/strategy\.entryBps/);
    expect(fleet.writes).toBe(0);
  });

  // Found by a new user: POST /campaigns {"name":1} answered "symbols: Invalid input", saying neither that the field was missing nor what it takes.
  it('400 naming a missing field as required, with what it takes, and a wrong type with what was found', async () => {
    const response = await handler(request('POST', '/campaigns', { name: 1 }));
    expect(response.status).toBe(400);
    expect(json(response).issues).toEqual([
      { path: 'name', message: 'expected string, found number' },
      {
        path: 'symbols',
        message: 'required, missing (expected array or object: base assets, e.g. [BTC, ETH], or { top: N } to take the first N of configs/universe.yaml)',
      },
      { path: 'venues', message: 'required, missing (expected object)' },
    ]);
    const { symbols: _symbols, ...input } = campaignInput();
    const wrong = json(await handler(request('POST', '/campaigns', { ...input, symbols: 'BTC' })));
    expect(wrong.message).toBe(
      'symbols: expected array or object (base assets, e.g. [BTC, ETH], or { top: N } to take the first N of configs/universe.yaml), found string',
    );
    expect(fleet.writes).toBe(0);
  });

  it('400 "body is not valid JSON" for malformed JSON, and for an empty body', async () => {
    const malformed = await handler(request('POST', '/campaigns', '{"name": '));
    expect(malformed.status).toBe(400);
    expect(json(malformed).message).toMatch(/^body is not valid JSON: /);
    const empty = await handler(request('POST', '/campaigns', undefined));
    expect(empty.status).toBe(400);
    expect(json(empty).message).toBe('body is not valid JSON: the body is empty');
  });

  it('400 for a body that is not UTF-8', async () => {
    const response = await handler({ ...request('POST', '/campaigns'), body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true });
    expect(response.status).toBe(400);
    expect(json(response).message).toBe('body is not valid JSON: the body is not UTF-8 text');
  });

  it(`lists at most ${MAX_ISSUES_IN_RESPONSE} issues`, async () => {
    const response = await handler(request('POST', '/campaigns', { ...campaignInput(), symbols: Array.from({ length: 500 }, (_, i) => `s${i}`) }));
    expect(response.status).toBe(400);
    const body = json(response);
    expect(body.issues).toHaveLength(MAX_ISSUES_IN_RESPONSE);
    expect(body.message).toMatch(/^500 problems \(the first 100 are listed in issues\)$/);
  });

  it('404 for an unknown campaign id', async () => {
    const response = await handler(request('GET', '/campaigns/c-9999'));
    expect(response.status).toBe(404);
    expect(json(response)).toMatchObject({ error: 'NotFoundError', message: 'no campaign c-9999' });
  });

  it.each(['x'.repeat(65), 'a%20b', '..%2F..%2Fetc', '%E0%A4%A', 'caf\u00e9', 'a.b', ''])(
    '404 for an id no campaign can have (%j), without asking the fleet',
    async (id) => {
      for (const [method, path] of [
        ['GET', `/campaigns/${id}`],
        ['POST', `/campaigns/${id}/stop`],
        ['GET', `/campaigns/${id}/report`],
      ] as const) {
        const response = await handler(request(method, path));
        expect(response.status).toBe(id === '' && method === 'GET' && path === '/campaigns/' ? 200 : 404);
      }
      expect(fleet.calls.filter((c) => c !== 'listCampaigns')).toEqual([]);
    },
  );

  it('404 for an unknown route, naming the routes there are', async () => {
    for (const path of ['/campaign', '/campaigns/c-1/start', '/campaigns/c-1/report/x', 'campaigns', '//campaigns', '']) {
      const response = await handler(request('GET', path));
      expect(response.status, path).toBe(404);
      expect(json(response).message).toContain('GET /campaigns');
    }
  });

  it('405 with an Allow header for a known path asked with another method', async () => {
    const onList = await handler(request('DELETE', '/campaigns'));
    expect(onList.status).toBe(405);
    expect(onList.headers.allow).toBe('GET, POST');
    expect(json(onList).error).toBe('MethodNotAllowedError');
    const onStop = await handler(request('GET', '/campaigns/c-0001/stop'));
    expect(onStop).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect((await handler(request('constructor', '/campaigns'))).status).toBe(405);
    expect((await handler(request('get', '/campaigns'))).status).toBe(405);
  });

  it('409 when the fleet reports a conflict or a fenced-out write', async () => {
    const id = await createOne();
    fleet.failNext = new FencedOutError('shard-000', 1, 2);
    const response = await handler(request('POST', `/campaigns/${id}/stop`));
    expect(response.status).toBe(409);
    expect(json(response).error).toBe('FencedOutError');
  });

  it('the split conflicts: 409 for a lost compare-and-set and an existing record, 500 for a programming error (logged)', async () => {
    const id = await createOne();
    const statuses: [string, number][] = [];
    for (const error of [
      new VersionConflictError('campaign c-0001 is at version 3, not 2'),
      new AlreadyExistsError('campaign c-0001 already exists'),
      new ProgrammingError('shard shard-000 is listed twice'),
    ]) {
      fleet.failNext = error;
      const response = await handler(request('POST', `/campaigns/${id}/stop`));
      statuses.push([json(response).error, response.status]);
    }
    expect(statuses).toEqual([
      ['VersionConflictError', 409],
      ['AlreadyExistsError', 409],
      ['InternalError', 500],
    ]);
    expect(logged.map((l) => [l.event, (l.fields.error as { name: string }).name])).toEqual([['api.internal_error', 'ProgrammingError']]);
  });

  it('503 with Retry-After when the store is unavailable, logged with the real error', async () => {
    const id = await createOne();
    fleet.failNext = new StoreUnavailableError('cannot open the campaign store at /runs/x/fleet.db: no such file');
    const response = await handler(request('POST', `/campaigns/${id}/stop`));
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe(String(RETRY_AFTER_SEC));
    expect(json(response).error).toBe('StoreUnavailableError');
    expect(response.body).not.toContain('/runs/x');
    expect(logged.map((l) => [l.event, l.fields.status])).toEqual([['api.internal_error', 503]]);
  });

  it('413 for a body over the limit, counting bytes of the decoded body', async () => {
    const over = await handler(request('POST', '/campaigns', ' '.repeat(DEFAULT_MAX_BODY_BYTES + 1)));
    expect(over.status).toBe(413);
    expect(json(over)).toMatchObject({ error: 'PayloadTooLargeError', message: expect.stringContaining(String(DEFAULT_MAX_BODY_BYTES)) });
    const multiByte = await handler(request('POST', '/campaigns', JSON.stringify({ d: '\u00e9'.repeat(DEFAULT_MAX_BODY_BYTES / 2) })));
    expect(multiByte.status).toBe(413);
    const atLimit = JSON.stringify(campaignInput()).padEnd(DEFAULT_MAX_BODY_BYTES, ' ');
    expect((await handler(request('POST', '/campaigns', atLimit))).status).toBe(201);
    const base64 = Buffer.from(JSON.stringify(campaignInput()).padEnd(60_000, ' ')).toString('base64');
    expect(base64.length).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES);
    expect((await handler({ ...request('POST', '/campaigns'), body: base64, isBase64Encoded: true })).status).toBe(201);
  });

  it('413 comes before the content-type and JSON checks, and honours maxBodyBytes', async () => {
    const small = createApiHandler(fleet, { maxBodyBytes: 10 });
    expect((await small(request('POST', '/campaigns', '{"x": "0123456789"}', { 'content-type': 'text/plain' }))).status).toBe(413);
    expect((await small(request('GET', '/campaigns', 'x'.repeat(11)))).status).toBe(413);
    expect(() => createApiHandler(fleet, { maxBodyBytes: 0 })).toThrow(RangeError);
  });

  it.each([
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/jsonx',
    'application/json; charset=latin1',
    'application/json; boundary=x',
  ])('415 for content-type %j on POST /campaigns', async (contentType) => {
    const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
    const response = await handler(request('POST', '/campaigns', campaignInput(), headers));
    expect(response.status).toBe(415);
    expect(json(response).error).toBe('UnsupportedMediaTypeError');
    expect(fleet.writes).toBe(0);
  });

  it('takes application/json with a UTF-8 charset in any spelling', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/json; charset=utf8;']) {
      await createOne({ 'content-type': contentType });
    }
  });

  it('415 before JSON parsing; JSON parsing before the Idempotency-Key check', async () => {
    expect((await handler(request('POST', '/campaigns', '{', { 'content-type': 'text/plain' }))).status).toBe(415);
    const response = await handler(request('POST', '/campaigns', '{', { ...JSON_TYPE, 'idempotency-key': '' }));
    expect(json(response).message).toMatch(/^body is not valid JSON/);
  });

  it('500 with a generic message for an unexpected error, logged with the real one', async () => {
    fleet.failNext = new Error('disk on fire');
    const response = await handler(request('GET', '/campaigns'));
    expect(response.status).toBe(500);
    expect(json(response)).toEqual({ error: 'InternalError', message: INTERNAL_ERROR_MESSAGE });
    expect(response.body).not.toContain('disk on fire');
    expect(logged).toEqual([
      {
        event: 'api.internal_error',
        fields: expect.objectContaining({ method: 'GET', path: '/campaigns', error: expect.objectContaining({ message: 'disk on fire' }) }),
      },
    ]);
  });

  it('still answers 500 when the logger itself throws, and for a thrown non-Error', async () => {
    const fragile = createApiHandler(fleet, {
      log: () => {
        throw new Error('log sink down');
      },
    });
    fleet.failNext = 'a string';
    expect((await fragile(request('GET', '/campaigns'))).status).toBe(500);
  });
});
