/**
 * The scheduler leaves a live campaign alone until it is STOPPING (`core/fleet/scheduler-service.ts`,
 * `advance`'s last branch; written against the survivor of its Stryker run that called
 * `finishStopping` whatever the status, docs/mutation.md): a STARTING campaign's shards waiting for
 * their launch stay PENDING at their generation, and a RUNNING campaign without `endsAt` (virtual
 * time) keeps its tasks. The real SQLite store, the in-memory launch queue, a launcher that records
 * every stop, virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { SchedulerService } from '../../../core/fleet/scheduler-service.js';
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
  const store = new SqliteCampaignStore(':memory:', clock);
  stores.push(store);
  const { ctx, queue, launcher } = recordingContext(store, clock);
  const campaigns = new CampaignService(ctx);
  const launches = new LaunchService(ctx);
  return {
    clock,
    store,
    launcher,
    scheduler: new SchedulerService(ctx),
    async create(overrides: Parameters<typeof campaignInput>[0] = {}) {
      const { view } = await campaigns.createCampaign(campaignInput({ symbols: ['BTC', 'ETH'], sharding: { symbolsPerShard: 1 }, ...overrides }));
      return view.campaign.campaignId;
    },
    async launchAll() {
      for (const message of await queue.receive(10)) await launches.handle(message.body as never);
    },
    async shards(campaignId: string) {
      return (await store.listShards(campaignId)).map((s) => ({ shardId: s.shardId, status: s.status, generation: s.generation }));
    },
  };
}

describe('a live campaign before its end', () => {
  it('STARTING with its shards waiting for their launch: a tick leaves them PENDING at generation 0 and the campaign STARTING', async () => {
    const f = fleet();
    const id = await f.create({ duration: '10m' });
    f.clock.advance(60_000);
    expect(await f.scheduler.tick()).toEqual({ finished: [], failed: [] });
    expect(await f.shards(id)).toEqual([
      { shardId: 'shard-000', status: 'PENDING', generation: 0 },
      { shardId: 'shard-001', status: 'PENDING', generation: 0 },
    ]);
    expect((await f.store.getCampaign(id))?.status).toBe('STARTING');
  });

  it('RUNNING without endsAt (virtual time): a tick stops none of its tasks', async () => {
    const f = fleet();
    const id = await f.create({ clock: 'virtual' });
    await f.launchAll();
    expect((await f.store.getCampaign(id))?.status).toBe('RUNNING');
    f.clock.advance(3_600_000);
    expect(await f.scheduler.tick()).toEqual({ finished: [], failed: [] });
    expect(f.launcher.stops).toEqual([]);
    expect((await f.store.getCampaign(id))?.status).toBe('RUNNING');
  });
});
