/**
 * A shard closed while a task of it may still run is fenced, and the end of a campaign fails no
 * shard (issue 16, bugs the simulation found: `npm run sim` seeds 399, 456, 127, 449, 1315):
 * - `finishStopping` closes a shard waiting for a launch one generation on, so a task whose
 *   launch never reached the record (RunTask's answer lost) cannot write to the closed shard;
 * - a shard closed with trouble at the campaign's end is closed one generation on before its task
 *   is stopped, so the straggler (a frozen task waking) cannot commit to the COMPLETED shard;
 * - `LaunchService` judges any failure after a launch on a fresh read, and stops a task whose
 *   shard moved on meanwhile;
 * - a dead letter of a STOPPING campaign does not fail its shard;
 * - a watchdog whose own passes failed does not read a heartbeating task as LOST.
 * The real SQLite store and in-memory launch queue, a scripted launcher, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { FencedOutError } from '../../../core/errors.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { SchedulerService } from '../../../core/fleet/scheduler-service.js';
import { WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { LaunchMessage, ShardKey } from '../../../core/ports.js';
import { campaignInput } from '../../support/campaigns.js';
import { progress } from '../../contract/record-builders.js';
import { MapLauncher } from '../../support/map-launcher.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store whose next shard updates can be made to fail before they apply, or whose active-shard listing fails. */
class FaultyStore extends SqliteCampaignStore {
  failUpdates = 0;
  /** Runs before a failing update throws (the world moving on meanwhile). */
  beforeFailure: (() => Promise<void>) | undefined;
  listingFails = false;
  override async updateShard(...args: Parameters<SqliteCampaignStore['updateShard']>) {
    if (this.failUpdates > 0) {
      this.failUpdates--;
      await this.beforeFailure?.();
      throw Object.assign(new Error('connection reset before it was applied'), { code: 'ECONNRESET' });
    }
    return super.updateShard(...args);
  }
  override async listActiveShards() {
    if (this.listingFails) throw new Error('listing timed out');
    return super.listActiveShards();
  }
}

class LetteredQueue extends MemoryLaunchQueue {
  letters: LaunchMessage[] = [];
  override async deadLetters() {
    return this.letters;
  }
}

async function fleet(overrides: Parameters<typeof campaignInput>[0] = {}) {
  const clock = new VirtualClock(T0);
  const store = new FaultyStore(join(mkdtempSync(join(tmpdir(), 'arbfleet-closing-')), 'fleet.db'), clock);
  stores.push(store);
  const queue = new LetteredQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new MapLauncher();
  const ctx: FleetContext = { store, queue, launcher, clock, log: { log: () => undefined }, taskEnvironment: () => ({}) };
  const campaigns = new CampaignService(ctx);
  const config = campaignInput({
    symbols: ['BTC', 'ETH'],
    sharding: { symbolsPerShard: 1 },
    duration: '1m',
    watchdog: { heartbeatInterval: '1s', staleAfter: '5s', maxRestarts: 10, backoff: { initial: 0 } },
    ...overrides,
  });
  const { view } = await campaigns.createCampaign(config);
  const campaignId = view.campaign.campaignId;
  const keys: ShardKey[] = [0, 1].map((i) => ({ campaignId, shardId: `shard-00${i}` }));
  return {
    clock,
    store,
    queue,
    launcher,
    ctx,
    campaigns,
    campaignId,
    keys,
    launches: new LaunchService(ctx),
    watchdog: new WatchdogService(ctx),
    scheduler: new SchedulerService(ctx),
  };
}

type Fleet = Awaited<ReturnType<typeof fleet>>;

/** Hands every queued launch to the launch service, except those of `skip`. */
async function drainLaunches(f: Fleet, skip?: string): Promise<void> {
  for (const m of await f.queue.receive(10)) {
    if (m.body.shardId === skip) continue;
    if ((await f.launches.handle(m.body)) !== 'retry') await f.queue.delete(m.receipt);
  }
}

describe('closing a shard while a task of it may run', () => {
  it('finishStopping closes a shard waiting for its launch one generation on: a task launched for it whose answer was lost cannot write (seeds 399, 456)', async () => {
    const f = await fleet();
    const [first, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    // RunTask started the task, its answer never came back: nothing on the shard names it.
    const { taskId: orphan } = await f.launcher.launch({ key: waiting, generation: 0, symbols: ['ETH'], env: {}, size: { cpu: 256, memoryMiB: 512 } });
    await f.store.forTask(first, 0).heartbeat(progress(1));
    await f.campaigns.stopCampaign(f.campaignId);
    for (let i = 0; i < 3; i++) {
      f.clock.advance(1_000);
      await f.scheduler.tick();
      await f.watchdog.pass();
    }
    await f.scheduler.tick();

    expect((await f.store.getCampaign(f.campaignId))?.status).toBe('CANCELLED');
    const closed = await f.store.getShard(waiting);
    expect(closed).toMatchObject({ status: 'COMPLETED', generation: 1 });
    await expect(f.store.forTask(waiting, 0).heartbeat(progress(2))).rejects.toBeInstanceOf(FencedOutError);
    await expect(f.store.forTask(waiting, 0).commit([], null)).rejects.toBeInstanceOf(FencedOutError);
    expect(f.launcher.tasks.get(orphan)?.state).toBe('RUNNING'); // unknown to the fleet: the fence stops it
  });

  it('the watchdog closes a waiting shard of an ended campaign one generation on too (the reconciler)', async () => {
    const f = await fleet();
    const [, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    await f.launcher.launch({ key: waiting, generation: 0, symbols: ['ETH'], env: {}, size: { cpu: 256, memoryMiB: 512 } });
    // The campaign is recorded ended (a control plane that died before closing its shards).
    const campaign = await f.store.getCampaign(f.campaignId);
    await f.store.updateCampaign(f.campaignId, campaign?.version as number, { status: 'CANCELLED', endedAt: f.clock.now(), updatedAt: f.clock.now() });
    await f.watchdog.pass();

    expect(await f.store.getShard(waiting)).toMatchObject({ status: 'COMPLETED', generation: 1 });
    await expect(f.store.forTask(waiting, 0).heartbeat(progress(2))).rejects.toBeInstanceOf(FencedOutError);
  });

  it('a shard failed at the overdue-launch deadline is failed one generation on: a launch of it still in flight cannot write (seed 3749)', async () => {
    const f = await fleet({
      onShardFailure: 'continue',
      watchdog: { heartbeatInterval: '1s', staleAfter: '5s', launchTimeout: '5s', maxRestarts: 10, backoff: { initial: 0 } },
    });
    const [, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    for (let s = 1; s <= 50 && (await f.store.getShard(waiting))?.status !== 'FAILED'; s++) {
      f.clock.advance(1_000);
      await f.store.forTask(f.keys[0] as ShardKey, 0).heartbeat(progress(s));
      await f.watchdog.pass();
      for (const m of await f.queue.receive(10)) await f.queue.delete(m.receipt); // RunTask never answers
    }
    expect(await f.store.getShard(waiting)).toMatchObject({ status: 'FAILED', generation: 1 });
    // The launch that was in flight starts its task now: its first heartbeat is refused.
    await expect(f.store.forTask(waiting, 0).heartbeat(progress(1))).rejects.toBeInstanceOf(FencedOutError);
  });

  it('a shard closed with trouble at the end is closed one generation on before its task is stopped: the straggler cannot commit (seed 127)', async () => {
    const f = await fleet();
    await drainLaunches(f);
    for (const key of f.keys) await f.store.forTask(key, 0).heartbeat(progress(1));
    await f.watchdog.pass(); // LAUNCHING → RUNNING
    // shard-000 heartbeats to the end; shard-001 freezes 3 s before it (1 min): stale only after the end.
    const [healthy, frozen] = f.keys as [ShardKey, ShardKey];
    for (let s = 1; s <= 80; s++) {
      f.clock.advance(1_000);
      if (s < 60) await f.store.forTask(healthy, 0).heartbeat(progress(10 + s));
      // The healthy engine ends itself at the campaign's end, exit 0.
      const healthyTask = (await f.store.getShard(healthy))?.taskId as string;
      if (s === 60) Object.assign(f.launcher.tasks.get(healthyTask) ?? {}, { state: 'STOPPED', exitCode: 0 });
      if (s < 57) await f.store.forTask(frozen, 0).heartbeat(progress(10 + s));
      await f.watchdog.pass();
      await f.scheduler.tick();
    }
    const closed = await f.store.getShard(frozen);
    const events = await f.store.listEvents(f.campaignId);
    const completion = events.find((e) => e.shardId === frozen.shardId && e.to === 'COMPLETED');
    expect(String(completion?.detail?.['reason'])).toMatch(/is not restarted after LOST/);
    expect(closed).toMatchObject({ status: 'COMPLETED', generation: 1 });
    // The frozen task wakes and commits: refused, it exits 3 (its fills after the end are not wanted).
    await expect(f.store.forTask(frozen, 0).commit([], null)).rejects.toBeInstanceOf(FencedOutError);
    // A shard completed after its task stopped keeps its generation.
    expect(await f.store.getShard(healthy)).toMatchObject({ status: 'COMPLETED', generation: 0 });
    expect((await f.store.getCampaign(f.campaignId))?.status).toBe('COMPLETED');
  });

  it('LaunchService stops a launched task when its write fails and the shard moved on meanwhile', async () => {
    const f = await fleet();
    const [, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    // The launch of shard-001 is made; its write fails, and meanwhile the campaign is stopped and closes the shard.
    f.store.failUpdates = 1;
    f.store.beforeFailure = async () => {
      await f.campaigns.stopCampaign(f.campaignId);
      await f.scheduler.tick();
    };
    const outcome = await f.launches.handle({ ...waiting, generation: 0 });

    expect(outcome).toBe('dropped');
    const task = [...f.launcher.tasks.values()].find((t) => t.spec.key.shardId === waiting.shardId);
    expect(task?.state).toBe('STOPPED');
    expect(task?.stoppedReason).toBe('arbfleet: launch superseded');
  });

  it('LaunchService records the task on the fresh record when its write failed before applying and the shard still waits', async () => {
    const f = await fleet();
    const [, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    f.store.failUpdates = 1;
    f.store.beforeFailure = undefined;
    expect(await f.launches.handle({ ...waiting, generation: 0 })).toBe('launched');
    const shard = await f.store.getShard(waiting);
    expect(shard?.status).toBe('LAUNCHING');
    expect(f.launcher.tasks.get(shard?.taskId as string)?.state).toBe('RUNNING');
  });
});

describe('the end of a campaign fails no shard', () => {
  it('a dead letter of a STOPPING campaign leaves its waiting shard to finishStopping: the campaign COMPLETES (seed 449)', async () => {
    const f = await fleet();
    const [, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    f.clock.advance(61_000); // past endsAt: the scheduler moves the campaign to STOPPING
    await f.scheduler.tick();
    expect((await f.store.getCampaign(f.campaignId))?.status).toBe('STOPPING');
    f.queue.letters = [{ ...waiting, generation: 0 }];

    expect(await f.watchdog.failDeadLetteredLaunches()).toEqual([]);
    expect((await f.store.getShard(waiting))?.status).toBe('PENDING');
    for (const task of f.launcher.tasks.values()) await f.launcher.stop(task.taskId, 'arbfleet: campaign ended');
    for (let i = 0; i < 3; i++) {
      f.clock.advance(1_000);
      await f.watchdog.pass();
      await f.scheduler.tick();
    }
    expect((await f.store.getCampaign(f.campaignId))?.status).toBe('COMPLETED');
  });

  it('a dead letter of a RUNNING campaign still fails its shard', async () => {
    const f = await fleet({ onShardFailure: 'continue' });
    const [, waiting] = f.keys as [ShardKey, ShardKey];
    await drainLaunches(f, waiting.shardId);
    f.queue.letters = [{ ...waiting, generation: 0 }];
    expect(await f.watchdog.failDeadLetteredLaunches()).toEqual([waiting]);
    expect(await f.store.getShard(waiting)).toMatchObject({ status: 'FAILED', generation: 1 }); // fenced: the launch may be in flight
  });
});

describe('a watchdog blind for a while', () => {
  it('does not read a task that heartbeated since its previous look as LOST, when its own passes failed for longer than staleAfter and the task clock runs behind by more than that (seed 1315)', async () => {
    const f = await fleet();
    await drainLaunches(f);
    const behind = new VirtualClock(T0 - 8_000); // the engines' clock runs 8 s behind the watchdog's (more than the blind stretch)
    const writer = new SqliteCampaignStore(f.store.path, behind);
    stores.push(writer);
    const beat = async (n: number) => {
      behind.set(f.clock.now() - 8_000);
      for (const key of f.keys) await writer.forTask(key, 0).heartbeat(progress(n));
    };
    await beat(1);
    await f.watchdog.pass();
    await beat(2);
    f.clock.advance(1_000);
    await f.watchdog.pass(); // RUNNING, observed
    // Twice its passes fail for 6 s while the tasks heartbeat every second; one pass succeeds between
    // (the first blind stretch makes a suspicion, the second would confirm it), then all succeed.
    for (const stretch of [0, 1]) {
      f.store.listingFails = true;
      for (let s = 1; s <= 6; s++) {
        f.clock.advance(1_000);
        await beat(10 * stretch + s);
        await f.watchdog.pass().catch(() => undefined);
      }
      f.store.listingFails = false;
      f.clock.advance(1_000);
      await beat(10 * stretch + 7);
      await f.watchdog.pass();
    }
    for (let s = 1; s <= 10; s++) {
      f.clock.advance(1_000);
      await beat(30 + s);
      await f.watchdog.pass();
    }
    for (const key of f.keys) expect(await f.store.getShard(key)).toMatchObject({ status: 'RUNNING', generation: 0, restarts: [] });
  });

  it('still restarts a task that stopped heartbeating, one confirmation later', async () => {
    const f = await fleet();
    await drainLaunches(f);
    for (const key of f.keys) await f.store.forTask(key, 0).heartbeat(progress(1));
    await f.watchdog.pass();
    for (let s = 1; s <= 12; s++) {
      f.clock.advance(1_000);
      await f.watchdog.pass();
    }
    for (const key of f.keys) expect((await f.store.getShard(key))?.restarts.map((r) => r.cause)).toEqual(['LOST']);
  });
});
