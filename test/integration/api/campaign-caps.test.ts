/**
 * The caps on what a campaign may be asked to run (`MAX_REAL_DURATION_SEC`,
 * `MAX_VIRTUAL_DURATION_SEC` in `core/config/campaign-config.ts`), refused where a user meets them
 * over the API: `POST /campaigns` over loopback HTTP (the local API server) in front of the real
 * campaign service and SQLite store answers 400 naming the field, and stores nothing. A 90-day
 * `clock: virtual` backtest is taken (201): the wall-clock cap is not applied to recorded time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import { startLocalApiServer, type LocalApiServer } from '../../../core/api/local-http-server.js';
import { VirtualClock } from '../../../core/clock.js';
import type { FieldIssue } from '../../../core/errors.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { TaskLauncher } from '../../../core/ports.js';
import { campaignInput } from '../../support/campaigns.js';

const clock = new VirtualClock(Date.parse('2026-02-02T00:00:00Z'));
const store = new SqliteCampaignStore(':memory:', clock);
const noTasks: TaskLauncher = { launch: async () => ({ taskId: 'never' }), stop: async () => undefined, describe: async () => [] };
const campaigns = new CampaignService({
  store,
  queue: new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
  launcher: noTasks,
  clock,
  log: { log: () => undefined },
  taskEnvironment: () => ({}),
});
let server: LocalApiServer;

beforeAll(async () => {
  server = await startLocalApiServer(createApiHandler(campaigns, { log: () => {} }), { port: 0 });
});

afterAll(async () => {
  await server?.close();
  store.close();
});

const replay = (extra: Record<string, unknown> = {}) => ({ kind: 'replay', path: 'configs/data/q.csv', ...extra }) as never;

async function post(body: unknown): Promise<{ status: number; body: { error?: string; message?: string; issues?: FieldIssue[] } }> {
  const response = await fetch(`${server.url}/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string; issues?: FieldIssue[] } };
}

describe('POST /campaigns: duration and window caps over HTTP', () => {
  it('answers 400 naming duration to a clock: real campaign of 800h, and stores nothing', async () => {
    const refused = await post(campaignInput({ name: 'too-long', duration: '800h' }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'ValidationError' });
    expect(refused.body.issues).toEqual([
      {
        path: 'duration',
        message: 'must be at most 720h (30 days) with clock: real (wall time), got 800h; a backtest over recorded data takes clock: virtual (up to 3660 days)',
      },
    ]);
    expect(await store.listCampaigns()).toEqual([]);
  });

  it('answers 400 naming feed.to to a window that ends before it starts, and to one past 3660 days', async () => {
    const backwards = await post(
      campaignInput({ name: 'backwards', clock: 'virtual', feed: replay({ from: '2025-04-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }) }),
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.issues).toEqual([{ path: 'feed.to', message: 'must be after feed.from (2025-04-01T00:00:00Z), got 2025-01-01T00:00:00Z' }]);

    const empty = await post(campaignInput({ name: 'empty', clock: 'virtual', feed: replay({ from: '2025-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }) }));
    expect(empty.status).toBe(400);
    expect(empty.body.issues?.map((i) => i.path)).toEqual(['feed.to']);

    const decades = await post(
      campaignInput({ name: 'decades', clock: 'virtual', feed: replay({ from: '2000-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }) }),
    );
    expect(decades.status).toBe(400);
    expect(decades.body.issues).toEqual([{ path: 'feed.to', message: 'the window feed.from → feed.to spans 9132 days; at most 3660 days of recorded time' }]);
    expect(await store.listCampaigns()).toEqual([]);
  });

  it('takes a 90-day clock: virtual backtest (201), asked by duration', async () => {
    const taken = await post(campaignInput({ name: 'backtest-90d', clock: 'virtual', feed: replay(), duration: '2160h' }));
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    expect((await store.listCampaigns()).map((c) => [c.name, (c.config as { duration: number }).duration])).toEqual([['backtest-90d', 90 * 86_400]]);
  });
});
