/**
 * The scheduler at its edges (`core/fleet/scheduler-service.ts`; written against the survivors of
 * its Stryker run, docs/mutation.md): a scheduled start one millisecond early and exactly due, the
 * maximum runtime one millisecond early and exactly reached, a running campaign whose shards have
 * all ended (or not all, or none listed), the end grace (before, exactly at, a user's stop, a
 * campaign without `endsAt`), the campaign completed on a fresh read, and a tick's lost races and
 * failures. The real SQLite store, the in-memory launch queue, a launcher that records every stop,
 * a recording logger, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { StateConflictError, VersionConflictError } from '../../../core/errors.js';
import { transitionCampaign } from '../../../core/fleet/campaign-lifecycle.js';
import { CampaignService, USER_STOP_REASON } from '../../../core/fleet/campaign-service.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { ALL_SHARDS_DONE_REASON, END_GRACE_MS, MAX_RUNTIME_REASON, SchedulerService } from '../../../core/fleet/scheduler-service.js';
import { transitionShard } from '../../../core/fleet/shard-lifecycle.js';
import { campaignStopReason } from '../../../core/fleet/watchdog-policy.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { CampaignStatus } from '../../../core/model/records.js';
import { campaignInput } from '../../support/campaigns.js';
import { recordingContext } from '../../support/recording-fleet.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** The real SQLite store, with hooks a test sets: runs before the live listing answers, a failure for the next campaign update, shards hidden. */
class HookedStore extends SqliteCampaignStore {
  beforeListing: (() => Promise<void>) | undefined;
  failNextCampaignUpdate: Error | undefined;
  hideShards = false;
  override async listLiveCampaigns() {
    const live = await super.listLiveCampaigns();
    await this.beforeListing?.();
    return live;
  }
  override async updateCampaign(...args: Parameters<SqliteCampaignStore['updateCampaign']>) {
    const failure = this.failNextCampaignUpdate;
    this.failNextCampaignUpdate = undefined;
    if (failure) throw failure;
    return super.updateCampaign(...args);
  }
  override async listShards(campaignId: string) {
    return this.hideShards ? [] : super.listShards(campaignId);
  }
}

function fleet() {
  const clock = new VirtualClock(T0);
  const store = new HookedStore(join(mkdtempSync(join(tmpdir(), 'arbfleet-ss-edges-')), 'fleet.db'), clock);
  stores.push(store);
  const { ctx, queue, launcher, logs } = recordingContext(store, clock);
  const campaigns = new CampaignService(ctx);
  const launches = new LaunchService(ctx);
  return {
    clock,
    store,
    queue,
    launcher,
    logs,
    campaigns,
    scheduler: new SchedulerService(ctx),
    /** Creates a campaign of two shards (one symbol each), `duration` 1m unless overridden. */
    async create(overrides: Parameters<typeof campaignInput>[0] = {}) {
      const { view } = await campaigns.createCampaign(
        campaignInput({ symbols: ['BTC', 'ETH'], sharding: { symbolsPerShard: 1 }, duration: '1m', ...overrides }),
      );
      return view.campaign.campaignId;
    },
    /** Launches every queued shard: each gets a task the launcher keeps RUNNING until stopped. */
    async launchAll() {
      for (const message of await queue.receive(10)) await launches.handle(message.body as never);
    },
    /** Moves the campaign by hand, as another part of the fleet would. */
    async move(campaignId: string, to: CampaignStatus, reason?: string) {
      const record = await store.getCampaign(campaignId);
      if (!record) throw new Error(`no campaign ${campaignId}`);
      const step = transitionCampaign(record, to, clock.now(), reason === undefined ? {} : { reason });
      await store.updateCampaign(campaignId, record.version, step.patch);
      await store.appendEvents([step.event]);
    },
    /** Ends every shard of the campaign (COMPLETED) by hand, as its engines would. */
    async completeShards(campaignId: string, which: (shardId: string) => boolean = () => true) {
      for (const shard of await store.listShards(campaignId)) {
        if (!which(shard.shardId)) continue;
        const step = transitionShard(shard, 'COMPLETED', clock.now(), { reason: 'replay ran out' });
        await store.updateShard({ campaignId, shardId: shard.shardId }, shard.version, step.patch);
      }
    },
    async status(campaignId: string) {
      return (await store.getCampaign(campaignId))?.status;
    },
    async campaignEvents(campaignId: string) {
      return (await store.listEvents(campaignId)).filter((e) => e.type === 'campaign.status');
    },
  };
}

type Fleet = ReturnType<typeof fleet>;
const NOTHING = { finished: [], failed: [] };

describe('a scheduled campaign', () => {
  it('waits until its start time, one millisecond early included, then starts exactly at it: recorded, its shards queued, not finished', async () => {
    const f = fleet();
    const id = await f.create({ schedule: { startAt: new Date(T0 + MINUTE).toISOString() } });
    f.clock.advance(MINUTE - 1);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.status(id)).toBe('SCHEDULED');
    expect(await f.queue.receive(10)).toEqual([]);
    f.clock.advance(1);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.status(id)).toBe('STARTING');
    expect((await f.campaignEvents(id)).at(-1)).toMatchObject({ from: 'SCHEDULED', to: 'STARTING', at: T0 + MINUTE, detail: { reason: 'scheduled start' } });
    expect((await f.queue.receive(10)).map((m) => (m.body as { shardId: string }).shardId).sort()).toEqual(['shard-000', 'shard-001']);
  });
});

describe('the maximum runtime', () => {
  it('one millisecond early leaves the campaign be; exactly at endsAt it moves to STOPPING, recorded and logged, not finished', async () => {
    const f = fleet();
    const id = await f.create();
    const endsAt = (await f.store.getCampaign(id))?.endsAt;
    expect(endsAt).toBe(T0 + MINUTE);
    f.clock.advance(MINUTE - 1);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.status(id)).toBe('STARTING');
    f.clock.advance(1);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.store.getCampaign(id)).toMatchObject({ status: 'STOPPING', endReason: MAX_RUNTIME_REASON });
    expect((await f.campaignEvents(id)).at(-1)).toMatchObject({ from: 'STARTING', to: 'STOPPING', detail: { reason: MAX_RUNTIME_REASON } });
    expect(f.logs).toContainEqual({ level: 'info', event: 'campaign stopping', fields: { campaignId: id, reason: MAX_RUNTIME_REASON } });
  });
});

describe('a running campaign whose shards ended', () => {
  async function running(f: Fleet) {
    const id = await f.create({ duration: '10m' });
    await f.move(id, 'RUNNING');
    return id;
  }

  it('stays RUNNING while one shard still runs', async () => {
    const f = fleet();
    const id = await running(f);
    await f.completeShards(id, (shardId) => shardId === 'shard-000');
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.status(id)).toBe('RUNNING');
  });

  it('stays RUNNING when the store lists none of its shards (nothing proves they ended)', async () => {
    const f = fleet();
    const id = await running(f);
    f.store.hideShards = true;
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.status(id)).toBe('RUNNING');
  });

  it('moves to STOPPING once every shard ended, recorded and logged, then COMPLETES with that reason on the next tick', async () => {
    const f = fleet();
    const id = await running(f);
    await f.completeShards(id);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(await f.store.getCampaign(id)).toMatchObject({ status: 'STOPPING', endReason: ALL_SHARDS_DONE_REASON });
    expect((await f.campaignEvents(id)).at(-1)).toMatchObject({ from: 'RUNNING', to: 'STOPPING', detail: { reason: ALL_SHARDS_DONE_REASON } });
    expect(f.logs).toContainEqual({ level: 'info', event: 'campaign stopping', fields: { campaignId: id, reason: ALL_SHARDS_DONE_REASON } });
    expect(await f.scheduler.tick()).toEqual({ finished: [id], failed: [] });
    expect(await f.store.getCampaign(id)).toMatchObject({ status: 'COMPLETED', endReason: ALL_SHARDS_DONE_REASON });
    expect((await f.campaignEvents(id)).at(-1)).toMatchObject({ from: 'STOPPING', to: 'COMPLETED', detail: { reason: ALL_SHARDS_DONE_REASON } });
    expect(f.logs).toContainEqual({ level: 'info', event: 'campaign ended', fields: { campaignId: id, status: 'COMPLETED', reason: ALL_SHARDS_DONE_REASON } });
    expect(f.launcher.stops).toEqual([]);
  });
});

describe('a stopping campaign', () => {
  it('leaves its running tasks the end grace, to the millisecond, then stops each as ended, and COMPLETES once none is live', async () => {
    const f = fleet();
    const id = await f.create();
    await f.launchAll();
    const taskIds = (await f.store.listShards(id)).map((s) => s.taskId).sort();
    expect(taskIds).toEqual(['task-0', 'task-1']);
    f.clock.advance(MINUTE);
    await f.scheduler.tick(); // STOPPING at endsAt
    f.clock.advance(END_GRACE_MS - 1);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(f.launcher.stops).toEqual([]);
    f.clock.advance(1);
    expect(await f.scheduler.tick()).toEqual(NOTHING); // stopped, still live until their shards end
    expect(f.launcher.stops.sort((a, b) => a.taskId.localeCompare(b.taskId))).toEqual(
      taskIds.map((taskId) => ({ taskId, reason: campaignStopReason('ended') })),
    );
    expect(await f.status(id)).toBe('STOPPING');
    await f.completeShards(id);
    expect(await f.scheduler.tick()).toEqual({ finished: [id], failed: [] });
    expect(await f.store.getCampaign(id)).toMatchObject({ status: 'COMPLETED', endReason: MAX_RUNTIME_REASON });
    expect((await f.campaignEvents(id)).at(-1)).toMatchObject({ from: 'STOPPING', to: 'COMPLETED', detail: { reason: MAX_RUNTIME_REASON } });
  });

  it('stopped by its user, has its tasks stopped as cancelled at once, long before endsAt, and ends CANCELLED', async () => {
    const f = fleet();
    const id = await f.create({ duration: '10m' });
    await f.launchAll();
    await f.campaigns.stopCampaign(id);
    const byUser = f.launcher.stops.length;
    expect(byUser).toBe(2);
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(f.launcher.stops.slice(byUser).map((s) => s.reason)).toEqual([campaignStopReason('cancelled'), campaignStopReason('cancelled')]);
    await f.completeShards(id);
    expect(await f.scheduler.tick()).toEqual({ finished: [id], failed: [] });
    expect(await f.store.getCampaign(id)).toMatchObject({ status: 'CANCELLED', endReason: USER_STOP_REASON });
    expect((await f.campaignEvents(id)).at(-1)).toMatchObject({ from: 'STOPPING', to: 'CANCELLED', detail: { reason: USER_STOP_REASON } });
  });

  it('without endsAt (virtual time), moved to STOPPING by another writer (a state the lifecycle allows, no current path writes it with live tasks), has its tasks stopped as ended at once', async () => {
    const f = fleet();
    const id = await f.create({ clock: 'virtual' });
    expect((await f.store.getCampaign(id))?.endsAt).toBeUndefined();
    await f.launchAll();
    await f.move(id, 'STOPPING', 'a shard failed');
    expect(await f.scheduler.tick()).toEqual(NOTHING);
    expect(f.launcher.stops.map((s) => s.reason)).toEqual([campaignStopReason('ended'), campaignStopReason('ended')]);
  });

  it('closes a shard waiting for its launch as COMPLETED, recorded with why, and completes on a fresh read of the campaign', async () => {
    const f = fleet();
    const id = await f.create();
    f.clock.advance(MINUTE);
    await f.scheduler.tick(); // STOPPING; both shards still wait for their launch
    // Between the tick's listing and its write, another writer moves the campaign's version on.
    f.store.beforeListing = async () => {
      f.store.beforeListing = undefined;
      const record = await f.store.getCampaign(id);
      if (record) await f.store.updateCampaign(id, record.version, { endReason: MAX_RUNTIME_REASON });
    };
    expect(await f.scheduler.tick()).toEqual({ finished: [id], failed: [] });
    expect(await f.status(id)).toBe('COMPLETED');
    const closed = (await f.store.listEvents(id)).filter((e) => e.type === 'shard.status' && e.to === 'COMPLETED');
    expect(closed.map((e) => [e.shardId, e.detail?.['reason']])).toEqual([
      ['shard-000', 'campaign ended before its relaunch'],
      ['shard-001', 'campaign ended before its relaunch'],
    ]);
  });
});

describe("a tick's lost races and failures", () => {
  it('a lost compare-and-set or a step no longer allowed is no failure and no error log; the next tick advances the campaign', async () => {
    for (const race of [new VersionConflictError('campaign c version 3, expected 2'), new StateConflictError('campaign c is already stopping')]) {
      const f = fleet();
      const id = await f.create();
      f.clock.advance(MINUTE);
      f.store.failNextCampaignUpdate = race;
      expect(await f.scheduler.tick()).toEqual(NOTHING);
      expect(f.logs.filter((l) => l.level === 'error')).toEqual([]);
      expect(await f.scheduler.tick()).toEqual(NOTHING);
      expect(await f.status(id)).toBe('STOPPING');
    }
  });

  it('any other failure is reported with the campaign and logged as an error naming it, its status and the error', async () => {
    const f = fleet();
    const id = await f.create();
    f.clock.advance(MINUTE);
    f.store.failNextCampaignUpdate = new Error('disk I/O error');
    expect(await f.scheduler.tick()).toEqual({ finished: [], failed: [{ campaignId: id, error: 'Error: disk I/O error' }] });
    expect(f.logs).toContainEqual({
      level: 'error',
      event: 'scheduler could not advance campaign',
      fields: { campaignId: id, status: 'STARTING', error: 'Error: disk I/O error' },
    });
  });
});
