/**
 * Only the operator's own pages and tools act on the local API (issue 21): a real `arbfleet serve`
 * with a real campaign RUNNING in its store gets what a page of another site can send (a
 * cross-site `text/plain` stop, as a form or `fetch(…, {mode: 'no-cors'})` sends it; the same
 * without `Origin`, as an old browser's form does) and what a DNS-rebinding page sends (a read
 * with its own `Host`). Each is a JSON 403 naming what was refused and why, the campaign is still
 * RUNNING with its shard untouched, and serve logged each refusal once. Then the same stop as
 * this server's own page sends it works, and the `arbfleet schedule` command, the CLI's client of
 * the local API, still creates, pauses, resumes, triggers and deletes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { runFolder, startCli, type CliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { rawRequest } from '../support/raw-http.js';

const CAMPAIGN = {
  name: 'guarded',
  symbols: ['BTC'],
  venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
  fx: { pair: 'USDT/KRW', rate: 1380 },
  feed: { kind: 'synthetic', seed: 2121, ticksPerSecond: 10 },
  duration: '3m',
};

const SCHEDULE = `
name: nightly
cron: "0 2 * * *"
timezone: Asia/Seoul
overlap: allow
campaign:
  name: nightly-run
  symbols: [ETH]
  venues:
    a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }
    b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }
  fx: { pair: USDT/KRW, rate: 1380 }
  feed: { kind: synthetic, seed: 5, ticksPerSecond: 10 }
  duration: 3s
`;

const started: CliProcess[] = [];
let store: SqliteCampaignStore | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
});

/** Runs `arbfleet schedule --api URL …` to its end; resolves with its exit code and output. */
async function schedule(url: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(['schedule', '--api', url, ...args]);
  started.push(cli);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('arbfleet serve refuses requests from other sites and rebinding pages', () => {
  it('leaves a RUNNING campaign alone when another site asks, stops it when its own page asks, and serves the CLI', async () => {
    const dir = runFolder();
    const data = join(dir, 'data');
    const serve = startCli(['serve', '--api-port', '0', '--data', data, '--json']);
    started.push(serve);
    const url = await waitFor('arbfleet serve to listen', () => /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve.stderr())?.[1], 60_000);
    const port = Number(new URL(url).port);
    const host = `127.0.0.1:${port}`;

    const created = await rawRequest(port, 'POST', '/campaigns', { host, 'content-type': 'application/json' }, JSON.stringify(CAMPAIGN));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.campaign.campaignId as string;
    store = new SqliteCampaignStore(join(data, 'fleet.db'), systemClock, { mustExist: true });
    const running = await waitFor(
      'the campaign RUNNING with a heartbeating shard',
      async () => {
        const campaign = await store!.getCampaign(campaignId);
        const shard = await store!.getShard({ campaignId, shardId: 'shard-000' });
        return campaign?.status === 'RUNNING' && shard?.status === 'RUNNING' && shard.heartbeat !== undefined ? { campaign, shard } : undefined;
      },
      60_000,
    );

    const stopPath = `/campaigns/${campaignId}/stop`;
    const crossSite = await rawRequest(
      port,
      'POST',
      stopPath,
      { host, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      'x',
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toEqual({
      error: 'ForeignRequestError',
      message: `"POST" "${stopPath}" refused: Origin "http://evil.example" is not this server (expected no Origin, or http://${host} for this server's own pages)`,
    });
    const noOrigin = await rawRequest(port, 'POST', stopPath, { host, 'content-type': 'text/plain' }, 'x');
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.message).toBe(
      `"POST" "${stopPath}" refused: a request that changes something needs Content-Type: application/json or an X-Arbfleet-Client header ` +
        '(got content type "text/plain" and no X-Arbfleet-Client), so that no page of another site can send it as a form',
    );
    const rebindHost = `evil.example:${port}`;
    const rebound = await rawRequest(port, 'GET', `/campaigns/${campaignId}`, { host: rebindHost });
    expect(rebound.status).toBe(403);
    expect(rebound.body.message).toBe(
      `Host "${rebindHost}" is not this server (expected ${host} or localhost:${port}): a page reached through another name (DNS rebinding) may not use the local API`,
    );
    // The same page, rebound, acting as "same-origin" with a JSON body: the Host still gives it away.
    const reboundStop = await rawRequest(
      port,
      'POST',
      stopPath,
      { host: rebindHost, origin: `http://${rebindHost}`, 'content-type': 'application/json' },
      '{}',
    );
    expect(reboundStop.status).toBe(403);

    // Nothing changed: the campaign record is at the same version, still RUNNING, its shard on the same task.
    const campaign = await store.getCampaign(campaignId);
    const shard = await store.getShard({ campaignId, shardId: 'shard-000' });
    expect(campaign).toMatchObject({ status: 'RUNNING', version: running.campaign.version });
    expect(campaign?.endReason).toBeUndefined();
    expect(shard).toMatchObject({ status: 'RUNNING', generation: running.shard.generation, taskId: running.shard.taskId });
    const refusals = serve
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"api.foreign_request_refused"'));
    expect(refusals.map((line) => JSON.parse(line).rule)).toEqual(['origin', 'simple-request', 'host']);

    // This server's own page sends the same stop: it works.
    const ownPage = await rawRequest(
      port,
      'POST',
      stopPath,
      { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      '{}',
    );
    expect(ownPage.status, JSON.stringify(ownPage.body)).toBe(200);
    await waitFor(
      'the campaign stopped by the user',
      async () => {
        const after = await store!.getCampaign(campaignId);
        return after?.status === 'CANCELLED' ? after : undefined;
      },
      60_000,
    );

    // `arbfleet remote show` (the client of a deployed API, SigV4-signed) reads this API's real answer through the records' schemas.
    const show = startCli(['remote', '--url', url, '--region', 'eu-west-1', 'show', campaignId], {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
    });
    started.push(show);
    expect((await show.exited).code, show.stderr()).toBe(0);
    expect(show.stdout()).toMatch(new RegExp(`^guarded \\(${campaignId}\\) {2}CANCELLED .*\nshard\\s+status\\s+gen.*\nshard-000 `));

    // The CLI's own client: a JSON body (create, pause) and bodiless calls (resume, trigger, delete).
    const file = join(dir, 'nightly.yaml');
    writeFileSync(file, SCHEDULE);
    for (const args of [
      ['create', file],
      ['pause', 'nightly', '--note', 'maintenance'],
      ['resume', 'nightly'],
      ['trigger', 'nightly'],
      ['delete', 'nightly'],
    ]) {
      const run = await schedule(url, args);
      expect(run.code, `schedule ${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(0);
    }
    expect((await store.listCampaigns()).some((c) => c.scheduleId === 'nightly')).toBe(true);
    // Each wait has its own deadline; the whole (a service, an engine, five CLI processes) gets their sum on a loaded machine.
  }, 300_000);
});
