/**
 * The campaign service at its edges (`core/fleet/campaign-service.ts`; written against the
 * survivors of its Stryker run, docs/mutation.md): a recurring campaign refused at create, a start
 * time now or later, the list's order, an unknown campaign, a user's stop (scheduled, live, twice)
 * and `configDifferences`. The real SQLite store, the in-memory launch queue, a launcher that
 * records every stop, a recording logger, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { NotFoundError, StateConflictError, ValidationError } from '../../../core/errors.js';
import { CampaignService, configDifferences, USER_STOP_REASON } from '../../../core/fleet/campaign-service.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { campaignStopReason } from '../../../core/fleet/watchdog-policy.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { campaignInput } from '../../support/campaigns.js';
import { recordingContext } from '../../support/recording-fleet.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function fleet() {
  const clock = new VirtualClock(T0);
  const store = new SqliteCampaignStore(join(mkdtempSync(join(tmpdir(), 'arbfleet-cs-edges-')), 'fleet.db'), clock);
  stores.push(store);
  const { ctx, queue, launcher, logs } = recordingContext(store, clock);
  return { clock, store, queue, launcher, logs, campaigns: new CampaignService(ctx), launches: new LaunchService(ctx) };
}

const TWO_SHARDS = { symbols: ['BTC', 'ETH'], sharding: { symbolsPerShard: 1 } };

describe('creating a campaign', () => {
  it('with a cron is refused, naming schedule.cron', async () => {
    const f = fleet();
    const error = await f.campaigns.createCampaign(campaignInput({ schedule: { cron: '0 9 * * 1-5' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['schedule.cron']);
  });

  it('starting later is SCHEDULED with its start time and queues nothing; starting exactly now starts', async () => {
    const f = fleet();
    const later = await f.campaigns.createCampaign(campaignInput({ schedule: { startAt: new Date(T0 + 1).toISOString() } }));
    expect(later.view.campaign).toMatchObject({ status: 'SCHEDULED', startAt: T0 + 1 });
    expect(await f.queue.receive(10)).toEqual([]);
    const now = await f.campaigns.createCampaign(campaignInput({ ...TWO_SHARDS, schedule: { startAt: new Date(T0).toISOString() } }));
    expect(now.view.campaign).toMatchObject({ status: 'STARTING', startAt: T0 });
    expect(await f.queue.receive(10)).toHaveLength(2);
  });
});

describe('reading campaigns', () => {
  it('lists the newest first', async () => {
    const f = fleet();
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      ids.push((await f.campaigns.createCampaign(campaignInput({ name }))).view.campaign.campaignId);
      f.clock.advance(1_000);
    }
    expect((await f.campaigns.listCampaigns()).map((c) => c.campaignId)).toEqual([...ids].reverse());
  });

  it('an unknown campaign, or its report, is NotFoundError naming it', async () => {
    const f = fleet();
    await expect(f.campaigns.getCampaign('c-nope')).rejects.toThrow(new NotFoundError('no campaign c-nope'));
    await expect(f.campaigns.getReport('c-nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("a user's stop", () => {
  it('cancels a scheduled campaign at once', async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign(campaignInput({ schedule: { startAt: new Date(T0 + 60_000).toISOString() } }));
    const stopped = await f.campaigns.stopCampaign(view.campaign.campaignId);
    expect(stopped.campaign).toMatchObject({ status: 'CANCELLED', endReason: USER_STOP_REASON });
    expect((await f.store.getCampaign(view.campaign.campaignId))?.status).toBe('CANCELLED');
  });

  it("moves a live campaign to STOPPING, records it, stops each launched shard's task, logs it, and answers with the updated record; a second stop is a StateConflictError", async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign(campaignInput(TWO_SHARDS));
    const id = view.campaign.campaignId;
    const [first] = await f.queue.receive(1); // one shard launched, the other still waiting
    await f.launches.handle(first?.body as never);
    const shards = await f.store.listShards(id);
    const launched = shards.find((s) => s.taskId !== undefined);
    const stopped = await f.campaigns.stopCampaign(id);
    expect(stopped.campaign).toMatchObject({ status: 'STOPPING', endReason: USER_STOP_REASON, version: (await f.store.getCampaign(id))?.version });
    expect(stopped.shards.map((s) => s.shardId)).toEqual(['shard-000', 'shard-001']);
    expect((await f.store.listEvents(id)).filter((e) => e.type === 'campaign.status' && e.to === 'STOPPING')).toHaveLength(1);
    expect(f.launcher.stops).toEqual([{ taskId: launched?.taskId, reason: campaignStopReason('cancelled') }]);
    expect(f.logs).toContainEqual({ level: 'info', event: 'campaign stopping', fields: { campaignId: id, reason: USER_STOP_REASON } });
    await expect(f.campaigns.stopCampaign(id)).rejects.toThrow(new StateConflictError(`campaign ${id} is already stopping (${USER_STOP_REASON})`));
  });
});

describe('configDifferences', () => {
  it('ignores key order at any depth, not array order, and names the differing fields sorted', () => {
    expect(configDifferences({ a: { x: 1, y: 2 }, b: [1, 2] }, { b: [1, 2], a: { y: 2, x: 1 } })).toEqual([]);
    expect(configDifferences({ z: 1, a: [1, 2], m: null }, { z: 2, a: [2, 1], m: { k: 1 } })).toEqual(['a', 'm', 'z']);
    expect(configDifferences({ a: { p: { q: 1, r: 2 } } }, { a: { p: { r: 2, q: 1 } } })).toEqual([]);
  });
});
