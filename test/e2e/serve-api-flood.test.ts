/**
 * The API cannot starve the fleet (`../shared/cases/from-public-reports/slowloris-starves-restarts/`):
 * `arbfleet serve` runs under `ulimit -n 384` (a limit this machine does not have, set for the
 * service alone) while this test holds 768 half-open requests against its API, twice the service's
 * whole descriptor limit. Meanwhile a shard's engine is SIGKILLed: the fleet must restart it from
 * the launcher's exit event and relaunch it, which needs descriptors (the engine's stderr pipe, its
 * log file, spawn's own pipes). Expected: the shard is back, RUNNING at generation 1 and
 * heartbeating, while the flood still goes on, with one restart (CRASHED) and no EMFILE anywhere;
 * and once the flood stops the API answers again. Without the connection cap the API's sockets
 * took every descriptor and the relaunch failed with EMFILE (the shard stayed down 62 s).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { apiConnectionCap } from '../../core/local/descriptor-budget.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { LOCAL_WATCHDOG_DEFAULTS } from '../../cli/local-fleet.js';
import { runFolder, startCliWithFileLimit, type CliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { startHalfOpenFlood, type HalfOpenFlood } from '../support/half-open-flood.js';

/** The service's descriptor limit here: the API gets apiConnectionCap(384) = 128 of it. */
const FILE_LIMIT = 384;
const FLOOD_CONNECTIONS = 2 * FILE_LIMIT;
/**
 * How long the shard may take to be back: the first backoff, then a launch's whole allowance for a
 * first heartbeat (`launchTimeout`), the bound past which the watchdog itself would call the
 * relaunch lost. Normally it takes a few seconds.
 */
const BACK_WITHIN_MS = (LOCAL_WATCHDOG_DEFAULTS.backoff.initial + LOCAL_WATCHDOG_DEFAULTS.launchTimeout) * 1000;

const CAMPAIGN = {
  name: 'api-flood',
  symbols: ['BTC', 'ETH'],
  venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
  fx: { pair: 'USDT/KRW', rate: 1380 },
  feed: { kind: 'synthetic', seed: 7421, ticksPerSecond: 10 },
  duration: '3m',
};

let serve: CliProcess | undefined;
let flood: HalfOpenFlood | undefined;
let store: SqliteCampaignStore | undefined;
afterEach(() => {
  flood?.stop();
  store?.close();
  if (serve !== undefined && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
});

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    signal: AbortSignal.timeout(5_000),
    headers: { 'x-arbfleet-client': 'test', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('arbfleet serve under a flood of half-open API requests', () => {
  it('restarts a SIGKILLed engine while the flood goes on, and answers again once it stops', async () => {
    const data = join(runFolder(), 'data');
    serve = startCliWithFileLimit(FILE_LIMIT, ['serve', '--api-port', '0', '--data', data, '--json']);
    const url = await waitFor('arbfleet serve to listen', () => /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve!.stderr())?.[1], 60_000);
    const cap = apiConnectionCap(FILE_LIMIT);
    expect(serve.stderr()).toContain(`the API holds at most ${cap} connections (open-file limit ${FILE_LIMIT})`);
    const created = await api(url, 'POST', '/campaigns', CAMPAIGN);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.campaign.campaignId as string;
    const key = { campaignId, shardId: 'shard-000' };
    store = new SqliteCampaignStore(join(data, 'fleet.db'), systemClock, { mustExist: true });
    const running = await waitFor(
      'the shard to heartbeat',
      async () => {
        const shard = await store!.getShard(key);
        return shard?.status === 'RUNNING' && shard.heartbeat !== undefined ? shard : undefined;
      },
      60_000,
    );

    flood = startHalfOpenFlood(Number(new URL(url).port), FLOOD_CONNECTIONS, { maxMs: 150_000, refillMs: 500 });
    await waitFor(
      `the flood to hold the API's ${cap} connections`,
      () => (flood!.held() >= cap && flood!.opened() >= FLOOD_CONNECTIONS ? true : undefined),
      60_000,
    );
    const descriptors = readdirSync(`/proc/${serve.child.pid}/fd`).length;
    process.kill(Number(running.taskId), 'SIGKILL');

    const back = await waitFor(
      'the shard RUNNING at generation 1 with a heartbeat of generation 1',
      async () => {
        const shard = await store!.getShard(key);
        return shard?.status === 'RUNNING' && shard.generation === 1 && shard.heartbeat?.generation === 1 ? shard : undefined;
      },
      BACK_WITHIN_MS,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\n--- serve's errors ---\n${serve!
          .stderr()
          .split('\n')
          .filter((l) => /error|EMFILE/i.test(l))
          .slice(-8)
          .join('\n')}`,
      );
    });
    const stillFlooding = { held: flood.held(), opened: flood.opened() };
    flood.stop();
    console.log(
      `flood: ${stillFlooding.opened} connections opened, ${stillFlooding.held} held when the shard was back; serve held ${descriptors} descriptors of ${FILE_LIMIT} at the kill`,
    );
    expect(stillFlooding.held, 'the shard was back while the flood still held the API full').toBeGreaterThanOrEqual(cap / 2);
    expect(back.restarts.map((r) => [r.cause, r.fromGeneration])).toEqual([['CRASHED', 0]]);
    expect(descriptors, 'the service kept descriptors free for the fleet').toBeLessThan(FILE_LIMIT);

    const answered = await waitFor(
      'the API to answer again',
      async () => {
        try {
          return await api(url, 'GET', '/campaigns');
        } catch {
          return undefined;
        }
      },
      30_000,
    );
    expect(answered.status).toBe(200);
    expect((await api(url, 'POST', `/campaigns/${campaignId}/stop`)).status).toBe(200);
    await waitFor('the campaign to end', async () => ((await store!.getCampaign(campaignId))?.status === 'CANCELLED' ? true : undefined), 60_000);
    expect(serve.stderr()).not.toMatch(/EMFILE/);
    serve.child.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
  }, 300_000);
});
