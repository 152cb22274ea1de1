import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import type { ApiRequest } from '../../../core/api/http-types.js';
import { startLocalApiServer, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { RemoteApi } from '../../../cli/remote-api.js';
import { IncompatibleAnswerError } from '../../../cli/remote-answer.js';
import { cliExitCodeFor } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';
import { runCli } from '../../../cli/program.js';
import { FakeFleetApi } from '../../support/fake-fleet-api.js';
import { campaignInput } from '../../support/campaigns.js';
import { type HoldDecision, type HoldingProxy, startHoldingProxy } from '../../support/holding-proxy.js';

// Credentials stubbed for one test are not left to the next file of this worker (the suites share it).
afterEach(() => {
  vi.unstubAllEnvs();
});

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const seen: ApiRequest[] = [];
let server: LocalApiServer;

beforeAll(async () => {
  const handler = createApiHandler(new FakeFleetApi());
  server = await startLocalApiServer(
    async (req) => {
      seen.push(req);
      return handler(req);
    },
    { port: 0 },
  );
});
afterAll(() => server.close());

describe('the remote API client (SigV4)', () => {
  it('signs every request for execute-api with the caller credentials, over HTTP', async () => {
    const api = new RemoteApi({ url: `${server.url}/prod-like/`, region: 'eu-west-1', credentials });
    // The local server serves routes at its root: strip the stage the way API Gateway would.
    const local = new RemoteApi({ url: server.url, region: 'eu-west-1', credentials });
    const created = await local.request('POST', '/campaigns', campaignInput(), { 'Idempotency-Key': 'k-1' });
    expect(created.status).toBe(201);
    const request = seen.at(-1) as ApiRequest;
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers['idempotency-key']).toBe('k-1');
    const replay = await local.request('POST', '/campaigns', campaignInput(), { 'Idempotency-Key': 'k-1' });
    expect(replay.status).toBe(200);
    expect((replay.body as { campaign: { campaignId: string } }).campaign.campaignId).toBe(
      (created.body as { campaign: { campaignId: string } }).campaign.campaignId,
    );
    expect((await api.request('GET', '/campaigns')).status).toBe(404); // the stage prefix is part of the path it signs
  });

  it('is what `arbfleet remote` uses: list, then a 404 for an unknown id exits 1', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    let printed = '';
    const code = await runCli(['remote', '--url', server.url, '--region', 'eu-west-1', '--json', 'list'], {
      out: (t) => (printed += t),
      err: (t) => (printed += t),
    });
    expect(code).toBe(0);
    const campaigns = JSON.parse(printed).campaigns as { campaignId: string; name: string; status: string }[];
    expect(campaigns.length).toBeGreaterThanOrEqual(1);
    // For people by default: a table with one row per campaign, the same ids.
    printed = '';
    expect(await runCli(['remote', '--url', server.url, '--region', 'eu-west-1', 'list'], { out: (t) => (printed += t), err: (t) => (printed += t) })).toBe(0);
    const [header, ...rows] = printed.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['campaign', 'name', 'status', 'shards', 'started (UTC)', 'ended (UTC)']);
    expect(rows.map((r) => r.split(/\s{2,}/).slice(0, 3))).toEqual(campaigns.map((c) => [c.campaignId, c.name, c.status]));
    printed = '';
    expect(
      await runCli(['remote', '--url', server.url, '--region', 'eu-west-1', 'show', campaigns[0]?.campaignId ?? ''], {
        out: (t) => (printed += t),
        err: (t) => (printed += t),
      }),
    ).toBe(0);
    expect(printed).toMatch(new RegExp(`^\\S.* \\(${campaigns[0]?.campaignId}\\) {2}${campaigns[0]?.status} `));
    expect(printed.split('\n')[1]).toMatch(/^shard\s+status\s+gen\s+symbols/);
    // In words, naming the command and how to list the campaigns (stderr, exit 1): it was the API's JSON on stdout.
    printed = '';
    const refusal = await runCli(['remote', '--url', server.url, '--region', 'eu-west-1', 'show', 'c-none'], {
      out: (t) => (printed += t),
      err: (t) => (printed += t),
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(Error);
    expect((refusal as Error).message).toBe('remote show c-none: no campaign c-none (`arbfleet remote list` lists the campaigns)');
    expect(cliExitCodeFor(refusal)).toBe(CLI_EXIT.FAILED);
    expect(printed).toBe('');
  });

  it('a config the API refuses: exit 2, each field named with its line in the file, nothing on stdout', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    const file = join(mkdtempSync(join(tmpdir(), 'arbfleet-remote-')), 'bad.yaml');
    writeFileSync(file, 'name: bad\nsymbols: [BTC]\nduration: 10 minutes\n');
    let out = '';
    const refusal = await runCli(['remote', '--url', server.url, '--region', 'eu-west-1', 'start', file], {
      out: (t) => (out += t),
      err: (t) => (out += t),
    }).catch((error: unknown) => error);
    expect(cliExitCodeFor(refusal)).toBe(CLI_EXIT.BAD_INPUT);
    expect((refusal as Error).message).toContain(file);
    expect((refusal as Error).message).toContain('line 3: duration: expected a duration');
    expect(out).toBe('');
  });

  it('names the URL and the cause when the API cannot be reached (not undici\'s bare "fetch failed")', async () => {
    const closed = await startLocalApiServer(async () => ({ status: 204, headers: {}, body: '' }), { port: 0 });
    const url = closed.url;
    await closed.close();
    const api = new RemoteApi({ url, region: 'eu-west-1', credentials });
    await expect(api.request('GET', '/campaigns')).rejects.toThrow(
      new RegExp(`^cannot reach GET ${url}/campaigns: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+$`),
    );
  });

  it('says an ARBFLEET_API_URL that is not a URL is not one (exit 2), rather than that it cannot tell the region', async () => {
    vi.stubEnv('ARBFLEET_API_URL', 'foo');
    await expect(runCli(['remote', 'list'], { out: () => undefined, err: () => undefined })).rejects.toThrow(
      /ARBFLEET_API_URL: not an http\(s\) URL: "foo" \(expected the stack output ApiUrl/,
    );
    await expect(runCli(['remote', '--url', 'ftp://x', 'list'], { out: () => undefined, err: () => undefined })).rejects.toThrow(
      /--url: not an http\(s\) URL: "ftp:\/\/x"/,
    );
  });

  it('says what to set when no AWS credentials are found, naming the request', async () => {
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ])
      vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    await expect(runCli(['remote', '--url', server.url, '--region', 'eu-west-1', 'list'], { out: () => undefined, err: () => undefined })).rejects.toThrow(
      new RegExp(`^no AWS credentials to sign GET ${server.url}/campaigns with: set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`),
    );
  });
});

describe('`arbfleet remote` reads the answer through the records’ schemas before drawing it', () => {
  /** The answers of an API of another version: what `answers` holds for a path, as JSON, 200. */
  const answers = new Map<string, unknown>();
  let other: LocalApiServer;
  let view: { campaign: Record<string, unknown>; shards: Record<string, unknown>[] };

  beforeAll(async () => {
    // A real campaign view, as this version's API answers it, to start each variant from.
    const api = new RemoteApi({ url: server.url, region: 'eu-west-1', credentials });
    const created = await api.request('POST', '/campaigns', campaignInput());
    view = created.body as typeof view;
    other = await startLocalApiServer(
      async (req) => {
        const body = answers.get(req.path.replace(/\?.*$/, ''));
        return body === undefined
          ? { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'NotFoundError', message: `no ${req.path}` }) }
          : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
      },
      { port: 0 },
    );
  });
  afterAll(() => other?.close());

  const remote = async (...args: string[]) => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    let printed = '';
    const code = await runCli(['remote', '--url', other.url, '--region', 'eu-west-1', ...args], { out: (t) => (printed += t), err: (t) => (printed += t) });
    return { code, printed };
  };
  const refusal = async (...args: string[]): Promise<Error> => {
    const error = await remote(...args).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'the command should have been refused').toBeInstanceOf(IncompatibleAnswerError);
    expect(cliExitCodeFor(error)).toBe(CLI_EXIT.FAILED);
    return error as Error;
  };

  it('an older API whose answer lacks a field: refused naming the request and the field, expected and found', async () => {
    const { shardCount: _dropped, ...campaign } = view.campaign;
    answers.set('/campaigns/c-old', { campaign, shards: view.shards });
    const error = await refusal('show', 'c-old');
    expect(error.message).toMatch(
      /^GET \/campaigns\/c-old: the API's answer is not a campaign view \(\{ campaign, shards \}\) as this CLI reads it: campaign\.shardCount: .*expected number, received undefined\. Is the API older or newer than this CLI\?/,
    );
  });

  it('a field of another type deep in a shard is named by its path', async () => {
    answers.set('/campaigns/c-typed', { campaign: view.campaign, shards: [{ ...view.shards[0], generation: 'one' }] });
    expect((await refusal('show', 'c-typed')).message).toMatch(/: shards\[0\]\.generation: .*expected number, received string\./);
  });

  it('an error body where a campaign was expected is refused, quoting the error', async () => {
    answers.set('/campaigns/c-err', { error: 'InternalError', message: 'the store is being migrated' });
    expect((await refusal('show', 'c-err')).message).toMatch(
      /: campaign: .*expected object, received undefined; shards: .*expected array, received undefined\. It reads as an error: InternalError: the store is being migrated\./,
    );
  });

  it('a list whose campaign lacks its status is refused naming campaigns[0].status', async () => {
    const { status: _dropped, ...campaign } = view.campaign;
    answers.set('/campaigns', { campaigns: [campaign] });
    expect((await refusal('list')).message).toMatch(
      /^GET \/campaigns: the API's answer is not a campaign list \(\{ campaigns \}\) as this CLI reads it: campaigns\[0\]\.status: /,
    );
  });

  it('a newer API that adds fields is drawn as before: fields this CLI does not know are not read', async () => {
    answers.set('/campaigns/c-new', {
      campaign: { ...view.campaign, costEstimate: { usd: 3 } },
      shards: view.shards.map((s) => ({ ...s, zone: 'eu-west-1a' })),
      links: { report: '/campaigns/c-new/report' },
    });
    const { code, printed } = await remote('show', 'c-new');
    expect(code).toBe(0);
    expect(printed).toMatch(new RegExp(`^\\S.* \\(${String(view.campaign.campaignId)}\\) {2}${String(view.campaign.status)} `));
    expect(printed.split('\n')[1]).toMatch(/^shard\s+status\s+gen\s+symbols/);
    // --json is the answer as it came, never judged.
    answers.set('/campaigns/c-old-json', { campaign: { campaignId: 'c-old-json' } });
    const raw = await remote('--json', 'show', 'c-old-json');
    expect([raw.code, JSON.parse(raw.printed)]).toEqual([0, { campaign: { campaignId: 'c-old-json' } }]);
  });
});

/** The API handler behind a plain HTTP server, as API Gateway puts the Lambda behind its own (no local-host guard). */
async function startGatewayLike(fleet: FakeFleetApi): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = createApiHandler(fleet);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
      const answer = await handler({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body });
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('`arbfleet remote start` when the answer is lost or held (a proxy between the CLI and the API)', () => {
  let fleet: FakeFleetApi;
  let api: { url: string; close: () => Promise<void> };
  let proxy: HoldingProxy;
  /** Decides each POST /campaigns in turn; every other request passes. */
  let posts: HoldDecision[] = [];
  beforeAll(async () => {
    fleet = new FakeFleetApi();
    api = await startGatewayLike(fleet);
    proxy = await startHoldingProxy(api.url, (request) =>
      request.operation === '/campaigns' && posts.length > 0 ? (posts.shift() as HoldDecision) : { kind: 'pass' },
    );
  });
  afterAll(async () => {
    await proxy.stop();
    await api.close();
  });

  it('tries again with the same key after a held answer: one campaign, its answer', async () => {
    posts = [{ kind: 'hold-answer', ms: 3_000 }]; // applied, but its answer comes after the client's timeout
    const client = new RemoteApi({ url: proxy.endpoint, region: 'eu-west-1', credentials, timeoutMs: 300, retryDelaysMs: [50, 50] });
    const before = fleet.campaigns.size;
    const retried: string[] = [];
    const lossy = new RemoteApi({
      ...{ url: proxy.endpoint, region: 'eu-west-1', credentials, timeoutMs: 300, retryDelaysMs: [50, 50] },
      onRetry: (_n, why) => retried.push(why),
    });
    const answer = await lossy.requestIdempotent('/campaigns', campaignInput(), 'k-held');
    expect(answer.status).toBe(200); // the first try's campaign, answered again
    expect(fleet.campaigns.size).toBe(before + 1);
    expect(retried).toEqual([expect.stringMatching(/^no answer to POST http:\/\/127\.0\.0\.1:\d+\/campaigns within 0\.3 s$/)]);
    const campaignId = (answer.body as { campaign: { campaignId: string } }).campaign.campaignId;
    expect(fleet.byIdempotencyKey.get('k-held')).toBe(campaignId);
    // A 503 from the gateway is tried again too; a refusal (400) is not.
    posts = [{ kind: 'answer', status: 503, headers: { 'content-type': 'application/json' }, body: '{"message":"Service Unavailable"}' }];
    expect((await client.requestIdempotent('/campaigns', campaignInput(), 'k-503')).status).toBe(201);
    const calls = proxy.calls.length;
    expect((await client.requestIdempotent('/campaigns', { name: 'bad' }, 'k-400')).status).toBe(400);
    expect(proxy.calls.length).toBe(calls + 1);
  });

  it('gives up after its tries naming the key to send again; run again with it, the campaign is not started twice', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    const file = join(mkdtempSync(join(tmpdir(), 'arbfleet-remote-')), 'c.yaml');
    writeFileSync(file, JSON.stringify(campaignInput()));
    const before = fleet.campaigns.size;
    posts = [
      { kind: 'hold-answer', ms: 3_000 },
      { kind: 'hold-answer', ms: 3_000 },
      { kind: 'hold-answer', ms: 3_000 },
    ];
    let printed = '';
    const failure = await runCli(['remote', '--url', proxy.endpoint, '--region', 'eu-west-1', '--timeout', '200ms', '--json', 'start', file], {
      out: (t) => (printed += t),
      err: (t) => (printed += t),
    }).catch((error: unknown) => error);
    expect(cliExitCodeFor(failure)).toBe(CLI_EXIT.FAILED);
    const key = /--idempotency-key (arbfleet-[0-9a-f-]{36}) /.exec((failure as Error).message)?.[1];
    expect((failure as Error).message).toMatch(
      /^no answer to POST .*within 0\.2 s, 3 tries with Idempotency-Key arbfleet-[0-9a-f-]{36}: it may have been applied; send it again/,
    );
    expect(fleet.campaigns.size).toBe(before + 1); // the first try was applied; the others were its repeats
    printed = '';
    const code = await runCli(['remote', '--url', proxy.endpoint, '--region', 'eu-west-1', '--json', 'start', file, '--idempotency-key', key as string], {
      out: (t) => (printed += t),
      err: (t) => (printed += t),
    });
    expect(code).toBe(0);
    expect(fleet.campaigns.size).toBe(before + 1);
    expect(JSON.parse(printed).campaign.campaignId).toBe(fleet.byIdempotencyKey.get(key as string));
  }, 30_000);
});
