/**
 * LaunchService's compare-and-set after a launch, when another writer got to the shard first.
 * Regression for simulation seed 11 (`npm run sim -- --seed 11`): the watchdog's overdue-launch
 * rule counted a re-queue on the shard while its launch was under way, the launch's CAS lost, and
 * the healthy task was stopped as "launch superseded" although the shard still waited for that
 * very generation (an idempotent launcher then handed the stopped task to the next delivery: a
 * needless CRASHED restart, charged to the restart budget).
 */
import { ms } from '../../../core/model/units.js';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { restartShard } from '../../../core/fleet/shard-lifecycle.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { ShardKey, TaskLauncher, TaskSpec } from '../../../core/ports.js';
import { campaignInput, T0 } from '../../support/campaigns.js';

const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A launcher that lets `meanwhile` write the store while RunTask is in flight, and records stops. */
class RacingLauncher implements TaskLauncher {
  readonly stops: { taskId: string; reason: string }[] = [];
  constructor(private readonly meanwhile: (key: ShardKey) => Promise<void>) {}
  async launch(spec: TaskSpec) {
    await this.meanwhile(spec.key);
    return { taskId: `task-${spec.key.shardId}.g${spec.generation}` };
  }
  async stop(taskId: string, reason: string) {
    this.stops.push({ taskId, reason });
  }
  async describe(taskIds: string[]) {
    return taskIds.map((taskId) => ({ taskId, state: 'RUNNING' as const }));
  }
}

async function fleetWith(meanwhile: (store: SqliteCampaignStore, key: ShardKey) => Promise<void>) {
  const clock = new VirtualClock(T0);
  const store = new SqliteCampaignStore(':memory:', clock);
  stores.push(store);
  const launcher = new RacingLauncher((key) => meanwhile(store, key));
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const ctx: FleetContext = { store, queue, launcher, clock, log: { log: () => undefined }, taskEnvironment: () => ({}) };
  const { view } = await new CampaignService(ctx).createCampaign(campaignInput({ symbols: ['BTC'], sharding: { symbolsPerShard: 1 } }));
  const key = { campaignId: view.campaign.campaignId, shardId: view.shards[0]?.shardId as string };
  return { store, launcher, launches: new LaunchService(ctx), key };
}

describe('LaunchService: a launch whose shard was written meanwhile', () => {
  it('seed 11: keeps its task when the shard still waits for that generation (the watchdog counted a re-queue meanwhile)', async () => {
    const f = await fleetWith(async (store, key) => {
      const shard = await store.getShard(key);
      await store.updateShard(key, shard?.version ?? 0, { launchRequeues: 1, updatedAt: ms(T0) });
    });
    expect(await f.launches.handle({ ...f.key, generation: 0 })).toBe('launched');
    expect(await f.store.getShard(f.key)).toMatchObject({ status: 'LAUNCHING', generation: 0, taskId: 'task-shard-000.g0' });
    expect((await f.store.getShard(f.key))?.launchRequeues).toBeUndefined();
    expect(f.launcher.stops).toEqual([]);
  });

  it('stops its task when the shard moved on to a newer generation meanwhile', async () => {
    const f = await fleetWith(async (store, key) => {
      const shard = await store.getShard(key);
      if (!shard) throw new Error('no shard');
      const moved = restartShard({ ...shard, status: 'RUNNING' }, { cause: 'CRASHED', detail: {}, failedAt: ms(T0) }, ms(T0), 0);
      await store.updateShard(key, shard.version, { ...moved.patch });
    });
    expect(await f.launches.handle({ ...f.key, generation: 0 })).toBe('dropped');
    expect(f.launcher.stops).toEqual([{ taskId: 'task-shard-000.g0', reason: 'arbfleet: launch superseded' }]);
    expect(await f.store.getShard(f.key)).toMatchObject({ status: 'RESTARTING', generation: 1 });
  });
});
