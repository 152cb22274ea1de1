/**
 * `Idempotency-Key` on `POST /campaigns`, through the API handler over the real campaign service
 * and SQLite store: the same key and body is a retry (200, the same campaign); the same key with
 * another body is refused with 422 naming what differs, and creates nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../core/api/api-handler.js';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { TaskLauncher } from '../../../core/ports.js';
import { campaignInput } from '../../support/campaigns.js';

const clock = new VirtualClock(Date.UTC(2026, 0, 1));
const store = new SqliteCampaignStore(join(mkdtempSync(join(tmpdir(), 'arbfleet-idem-')), 'fleet.db'), clock);
afterAll(() => store.close());
const unused: TaskLauncher = {
  launch: async () => ({ taskId: 'never' }),
  stop: async () => undefined,
  describe: async () => [],
};
const service = new CampaignService({
  store,
  queue: new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
  launcher: unused,
  clock,
  log: { log: () => undefined },
  taskEnvironment: () => ({}),
});
const api = createApiHandler(service);
const post = (body: unknown, key: string) =>
  api({ method: 'POST', path: '/campaigns', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });

describe('Idempotency-Key reused', () => {
  it('with the same body is a retry: 200 and the same campaign', async () => {
    const first = await post(campaignInput(), 'key-a');
    expect(first.status).toBe(201);
    const again = await post(campaignInput(), 'key-a');
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body).campaign.campaignId).toBe(JSON.parse(first.body).campaign.campaignId);
  });

  it('with another body is 422 naming the fields that differ, and creates nothing', async () => {
    const before = (await store.listCampaigns()).length;
    const other = await post({ ...campaignInput(), duration: '20m', sharding: { symbolsPerShard: 1 } }, 'key-a');
    expect(other.status).toBe(422);
    const body = JSON.parse(other.body) as { error: string; message: string };
    expect(body.error).toBe('IdempotencyKeyReusedError');
    expect(body.message).toMatch(/Idempotency-Key key-a was used for campaign c-\S+ with a different config \(differs in: duration, sharding\)/);
    expect(await store.listCampaigns()).toHaveLength(before);
  });
});
