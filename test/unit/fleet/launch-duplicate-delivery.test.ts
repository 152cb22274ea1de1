/**
 * LaunchService when two deliveries of one launch message race: the launcher is idempotent (both
 * get the same task back), the first records LAUNCHING, and the second's compare-and-set loses
 * (`VersionConflictError`, the only conflict a lost write is). The second must leave the task and
 * the shard alone: dropped, no second launch event, nothing stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { transitionShard } from '../../../core/fleet/shard-lifecycle.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { ShardKey, TaskLauncher, TaskSpec } from '../../../core/ports.js';
import { campaignInput, T0 } from '../../support/campaigns.js';

const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

describe('LaunchService: a duplicate delivery of one launch', () => {
  it('loses the compare-and-set to the first delivery, which got the same task: dropped, one launch event, nothing stopped', async () => {
    const clock = new VirtualClock(T0);
    const store = new SqliteCampaignStore(':memory:', clock);
    stores.push(store);
    const stops: string[] = [];
    const taskOf = (spec: TaskSpec) => `task-${spec.key.shardId}.g${spec.generation}`;
    const launcher: TaskLauncher = {
      // While this delivery's RunTask is in flight, the other delivery (same task: the launch is
      // idempotent) records LAUNCHING first.
      async launch(spec) {
        const shard = await store.getShard(spec.key);
        if (shard?.status === 'PENDING')
          await store.updateShard(spec.key, shard.version, transitionShard(shard, 'LAUNCHING', clock.now(), { taskId: taskOf(spec) }).patch);
        return { taskId: taskOf(spec) };
      },
      async stop(taskId) {
        stops.push(taskId);
      },
      async describe(taskIds) {
        return taskIds.map((taskId) => ({ taskId, state: 'RUNNING' as const }));
      },
    };
    const ctx: FleetContext = {
      store,
      queue: new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
      launcher,
      clock,
      log: { log: () => undefined },
      taskEnvironment: () => ({}),
    };
    const { view } = await new CampaignService(ctx).createCampaign(campaignInput({ symbols: ['BTC'], sharding: { symbolsPerShard: 1 } }));
    const key: ShardKey = { campaignId: view.campaign.campaignId, shardId: view.shards[0]?.shardId as string };
    const eventsBefore = (await store.listEvents(key.campaignId)).length;

    expect(await new LaunchService(ctx).handle({ ...key, generation: 0 })).toBe('dropped');
    expect(await store.getShard(key)).toMatchObject({ status: 'LAUNCHING', generation: 0, taskId: 'task-shard-000.g0' });
    expect((await store.listEvents(key.campaignId)).slice(eventsBefore)).toEqual([]);
    expect(stops).toEqual([]);
  });
});
