/**
 * What `LaunchService.handle` does with each kind of launch message, and what it says: a message
 * for nothing, for a campaign not launching, for an older generation or a shard not waiting is
 * dropped with its reason logged; one that comes before the backoff ran out goes back on the queue
 * for the rest; a write after the launch that fails is judged on a fresh read (a duplicate
 * delivery's task left alone, a lost answer's write kept, a shard still waiting written again, one
 * that moved on has its task stopped); the launch event names the task; the campaign is RUNNING
 * once no shard is PENDING, and a lost race there is no error while any other failure is.
 * Written from the survivors of `npm run mutate` on `core/fleet/launch-service.ts`
 * (docs/mutation.md). The real SQLite store and in-memory queue, virtual time; the store's faults
 * are injected by a subclass, the launcher is a map.
 */
import { ms } from '../../../core/model/units.js';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { VersionConflictError } from '../../../core/errors.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService, taskSizeOf } from '../../../core/fleet/launch-service.js';
import { restartShard, transitionShard } from '../../../core/fleet/shard-lifecycle.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { CampaignRecord } from '../../../core/model/records.js';
import type { CampaignPatch, ShardKey, ShardPatch, TaskSpec } from '../../../core/ports.js';
import { campaignInput, T0 } from '../../support/campaigns.js';
import { MapLauncher } from '../../support/map-launcher.js';

/** The real store, with faults and side writes a test arms for the next call. */
class ScriptedStore extends SqliteCampaignStore {
  /** Runs inside the next `updateShard`, before it applies (`'lost-answer'`: after it applied, then throws). */
  onUpdateShard: 'refuse-before' | 'lost-answer' | undefined;
  /** The next `updateCampaign` throws this instead of applying. */
  failUpdateCampaign: Error | undefined;
  /** The next `getShard` after an armed fault answers nothing (the shard is gone). */
  forgetShard = false;

  override async updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch) {
    const fault = this.onUpdateShard;
    this.onUpdateShard = undefined;
    if (fault === 'refuse-before') throw new Error('socket hang up');
    const updated = await super.updateShard(key, expectedVersion, patch);
    if (fault === 'lost-answer') throw new Error('socket hang up');
    return updated;
  }

  override async getShard(key: ShardKey) {
    if (this.forgetShard) return undefined;
    return super.getShard(key);
  }

  override async updateCampaign(campaignId: string, expectedVersion: number, patch: CampaignPatch): Promise<CampaignRecord> {
    const error = this.failUpdateCampaign;
    this.failUpdateCampaign = undefined;
    if (error) throw error;
    return super.updateCampaign(campaignId, expectedVersion, patch);
  }
}

/** A map launcher that can run a side write while RunTask is in flight. */
class SlowLauncher extends MapLauncher {
  meanwhile: ((spec: TaskSpec, taskId: string) => Promise<void>) | undefined;
  override async launch(spec: TaskSpec) {
    const launched = await super.launch(spec);
    const side = this.meanwhile;
    this.meanwhile = undefined;
    await side?.(spec, launched.taskId);
    return launched;
  }
}

const stores: ScriptedStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

async function fleet(shards = 1) {
  const clock = new VirtualClock(T0);
  const store = new ScriptedStore(':memory:', clock);
  stores.push(store);
  const launcher = new SlowLauncher();
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const logs: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const ctx: FleetContext = {
    store,
    queue,
    launcher,
    clock,
    log: { log: (level, event, fields = {}) => logs.push({ level, event, fields }) },
    taskEnvironment: () => ({}),
  };
  const symbols = ['BTC', 'ETH', 'XRP'].slice(0, shards);
  const { view } = await new CampaignService(ctx).createCampaign(campaignInput({ symbols, sharding: { symbolsPerShard: 1 } }));
  await queue.receive(10); // the launches createCampaign queued: the tests hand messages to handle() themselves
  const campaignId = view.campaign.campaignId;
  const key = (i = 0): ShardKey => ({ campaignId, shardId: view.shards[i]?.shardId as string });
  const dropped = () => logs.filter((l) => l.event === 'launch dropped').map((l) => l.fields['why']);
  return { clock, store, launcher, queue, logs, dropped, campaignId, key, launches: new LaunchService(ctx) };
}

/** Moves shard 0 to RESTARTING at generation 1 (a crash), with `backoffSec` of backoff from now. */
async function restarted(f: Awaited<ReturnType<typeof fleet>>, backoffSec = 0) {
  const shard = await f.store.getShard(f.key());
  if (!shard) throw new Error('no shard');
  const steps = restartShard({ ...shard, status: 'RUNNING' }, { cause: 'CRASHED', detail: {}, failedAt: f.clock.now() }, f.clock.now(), backoffSec);
  await f.store.updateShard(f.key(), shard.version, steps.patch);
}

describe('taskSizeOf', () => {
  it("takes the config's task size, and the defaults for what it leaves out", () => {
    const campaign = { config: { task: { cpu: 2048, memoryMiB: 8192 } } } as unknown as CampaignRecord;
    expect(taskSizeOf(campaign)).toEqual({ cpu: 2048, memoryMiB: 8192 });
    const defaults = taskSizeOf({ config: {} } as unknown as CampaignRecord);
    expect(taskSizeOf({ config: { task: { cpu: 4096 } } } as unknown as CampaignRecord)).toEqual({ cpu: 4096, memoryMiB: defaults.memoryMiB });
  });
});

describe('messages that launch nothing', () => {
  it('drops a message for an unknown campaign, or an unknown shard of a known one, saying so at info level', async () => {
    const f = await fleet();
    expect(await f.launches.handle({ campaignId: 'c-none', shardId: 'shard-000', generation: 0 })).toBe('dropped');
    expect(await f.launches.handle({ campaignId: f.campaignId, shardId: 'shard-999', generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['unknown campaign or shard', 'unknown campaign or shard']);
    expect(f.logs.filter((l) => l.event === 'launch dropped').map((l) => l.level)).toEqual(['info', 'info']);
  });

  it('drops a message of a campaign that is not launching, naming its status', async () => {
    const f = await fleet();
    const campaign = await f.store.getCampaign(f.campaignId);
    await f.store.updateCampaign(f.campaignId, campaign?.version ?? 0, { status: 'STOPPING', updatedAt: ms(T0) });
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['campaign is STOPPING']);
    expect(f.launcher.tasks.size).toBe(0);
  });

  it('drops a message of a campaign that has ended, naming its status', async () => {
    for (const status of ['COMPLETED', 'CANCELLED', 'FAILED'] as const) {
      const f = await fleet();
      const campaign = await f.store.getCampaign(f.campaignId);
      await f.store.updateCampaign(f.campaignId, campaign?.version ?? 0, { status, updatedAt: ms(T0) });
      expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
      expect(f.dropped()).toEqual([`campaign is ${status}`]);
      expect(f.launcher.tasks.size).toBe(0);
    }
  });

  it('drops a message of a campaign still SCHEDULED (its launches are queued at its start)', async () => {
    const f = await fleet();
    const campaign = await f.store.getCampaign(f.campaignId);
    await f.store.updateCampaign(f.campaignId, campaign?.version ?? 0, { status: 'SCHEDULED', updatedAt: ms(T0) });
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['campaign is SCHEDULED']);
    expect(f.launcher.tasks.size).toBe(0);
  });

  it('drops a message of an older generation, naming both, and launches nothing', async () => {
    const f = await fleet();
    await restarted(f);
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['generation 0 is stale (current 1)']);
    expect(f.launcher.tasks.size).toBe(0);
    expect(await f.store.getShard(f.key())).toMatchObject({ status: 'RESTARTING', generation: 1 });
  });

  it('drops a message for a shard that no longer waits, naming its status', async () => {
    const f = await fleet();
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('launched');
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['shard is LAUNCHING']);
  });

  it('puts a message that came before the backoff ran out back on the queue for the rest of it', async () => {
    const f = await fleet();
    await restarted(f, 20);
    f.clock.advance(5_500);
    expect(await f.launches.handle({ ...f.key(), generation: 1 })).toBe('requeued');
    expect(f.launcher.tasks.size).toBe(0);
    // 14.5 s of backoff left, queued for 15 s (whole seconds, rounded up: never early).
    f.clock.advance(14_999);
    expect(await f.queue.receive(10)).toEqual([]);
    f.clock.advance(1);
    expect((await f.queue.receive(10)).map((m) => m.body)).toEqual([{ ...f.key(), generation: 1 }]);
  });
});

describe('a write after the launch that fails', () => {
  it('a duplicate delivery that got the same task back leaves it alone', async () => {
    const f = await fleet();
    f.launcher.meanwhile = async (_spec, taskId) => {
      // The other delivery of this generation recorded the (same, idempotent) task first.
      const shard = await f.store.getShard(f.key());
      if (!shard) throw new Error('no shard');
      await f.store.updateShard(f.key(), shard.version, transitionShard(shard, 'LAUNCHING', ms(T0), { taskId }).patch);
    };
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['already launched by another delivery']);
    expect([...f.launcher.tasks.values()].map((t) => t.state)).toEqual(['RUNNING']);
  });

  it('a write that landed though its answer was lost is kept, and the launch recorded', async () => {
    const f = await fleet();
    f.store.onUpdateShard = 'lost-answer';
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('launched');
    expect(await f.store.getShard(f.key())).toMatchObject({ status: 'LAUNCHING', taskId: 'task-0' });
    expect([...f.launcher.tasks.values()].map((t) => t.state)).toEqual(['RUNNING']);
    expect((await f.store.listEvents(f.campaignId)).filter((e) => e.to === 'LAUNCHING')).toHaveLength(1);
  });

  it('a RESTARTING shard still waiting for this generation is written again', async () => {
    const f = await fleet();
    await restarted(f);
    f.store.onUpdateShard = 'refuse-before';
    expect(await f.launches.handle({ ...f.key(), generation: 1 })).toBe('launched');
    expect(await f.store.getShard(f.key())).toMatchObject({ status: 'LAUNCHING', generation: 1, taskId: 'task-0' });
    expect(f.launcher.tasks.get('task-0')?.state).toBe('RUNNING');
  });

  it('a shard gone meanwhile has the task stopped', async () => {
    const f = await fleet();
    f.store.onUpdateShard = 'refuse-before';
    f.launcher.meanwhile = async () => {
      f.store.forgetShard = true;
    };
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.dropped()).toEqual(['shard changed while launching']);
    expect(f.launcher.tasks.get('task-0')).toMatchObject({ state: 'STOPPED', stoppedReason: 'arbfleet: launch superseded' });
  });

  it('a shard failed meanwhile at the same generation has the task stopped, not launched into', async () => {
    const f = await fleet();
    f.store.onUpdateShard = 'refuse-before';
    f.launcher.meanwhile = async () => {
      const shard = await f.store.getShard(f.key());
      if (!shard) throw new Error('no shard');
      f.store.onUpdateShard = undefined;
      await f.store.updateShard(f.key(), shard.version, transitionShard(shard, 'FAILED', ms(T0), { reason: 'failed elsewhere' }).patch);
      f.store.onUpdateShard = 'refuse-before';
    };
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('dropped');
    expect(f.launcher.tasks.get('task-0')?.state).toBe('STOPPED');
    expect(await f.store.getShard(f.key())).toMatchObject({ status: 'FAILED', generation: 0 });
  });
});

describe('after a launch', () => {
  it('records the launch event naming the task', async () => {
    const f = await fleet();
    await f.launches.handle({ ...f.key(), generation: 0 });
    const launched = (await f.store.listEvents(f.campaignId)).filter((e) => e.type === 'shard.status' && e.to === 'LAUNCHING');
    expect(launched).toHaveLength(1);
    expect(launched[0]?.detail).toEqual({ taskId: 'task-0' });
  });

  it('the campaign is RUNNING once no shard is PENDING, saying why', async () => {
    const f = await fleet(2);
    await f.launches.handle({ ...f.key(0), generation: 0 });
    expect((await f.store.getCampaign(f.campaignId))?.status).toBe('STARTING');
    await f.launches.handle({ ...f.key(1), generation: 0 });
    expect((await f.store.getCampaign(f.campaignId))?.status).toBe('RUNNING');
    const running = (await f.store.listEvents(f.campaignId)).filter((e) => e.type === 'campaign.status' && e.to === 'RUNNING');
    expect(running.map((e) => e.detail)).toEqual([{ reason: 'every shard launched' }]);
  });

  it('a campaign moved on meanwhile (RUNNING already) is left as it is', async () => {
    const f = await fleet();
    f.launcher.meanwhile = async () => {
      const campaign = await f.store.getCampaign(f.campaignId);
      await f.store.updateCampaign(f.campaignId, campaign?.version ?? 0, { status: 'RUNNING', updatedAt: ms(T0) });
    };
    expect(await f.launches.handle({ ...f.key(), generation: 0 })).toBe('launched');
    expect((await f.store.listEvents(f.campaignId)).filter((e) => e.type === 'campaign.status' && e.to === 'RUNNING')).toEqual([]);
  });

  it('a lost race to mark the campaign RUNNING is no error; any other failure is', async () => {
    const f = await fleet(2);
    f.store.failUpdateCampaign = new VersionConflictError('version moved');
    await f.launches.handle({ ...f.key(0), generation: 0 });
    expect(await f.launches.handle({ ...f.key(1), generation: 0 })).toBe('launched');
    const g = await fleet();
    g.store.failUpdateCampaign = new Error('disk I/O error');
    await expect(g.launches.handle({ ...g.key(), generation: 0 })).rejects.toThrow('disk I/O error');
  });
});
