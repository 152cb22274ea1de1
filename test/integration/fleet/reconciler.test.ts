/**
 * The reconciler's rules (`WatchdogService.reconcile`) against the faults that used to strand a
 * shard forever, injected between two steps: the real SQLite store and in-memory launch queue,
 * a scripted task launcher, virtual time. Each case is a throw after the first of two side
 * effects; the next watchdog passes must bring the shard to a launch (or a terminal state).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asEpochMs, VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { LAUNCH_DEADLINE_TIMEOUTS } from '../../../core/fleet/watchdog-policy.js';
import { WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { LaunchMessage, TaskLauncher, TaskSpec, TaskStatus } from '../../../core/ports.js';
import type { ShardRecord } from '../../../core/model/records.js';
import { campaignInput } from '../../support/campaigns.js';
import { fills, progress } from '../../contract/record-builders.js';

const T0 = Date.UTC(2026, 0, 1);
const LAUNCH_TIMEOUT_SEC = 30;
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A launcher whose tasks live in a map; `failStops` makes the next stops throw, `failLaunches` the next launches; launches of the shards in `refuses` throw. */
class ScriptedLauncher implements TaskLauncher {
  readonly tasks = new Map<string, TaskStatus & { spec: TaskSpec }>();
  failStops = 0;
  failLaunches = 0;
  readonly refuses = new Set<string>();
  private next = 0;
  async launch(spec: TaskSpec) {
    if (this.refuses.has(spec.key.shardId)) throw new Error('ECS: RunTask refused (injected)');
    if (this.failLaunches > 0) {
      this.failLaunches--;
      throw new Error('ECS: ThrottlingException on RunTask (injected)');
    }
    const taskId = `task-${this.next++}`;
    this.tasks.set(taskId, { taskId, state: 'RUNNING', spec });
    return { taskId };
  }
  async stop(taskId: string) {
    if (this.failStops > 0) {
      this.failStops--;
      throw new Error('ECS: ThrottlingException (injected)');
    }
    const task = this.tasks.get(taskId);
    if (task) Object.assign(task, { state: 'STOPPED', exitCode: 0, stoppedReason: 'stopped' });
  }
  async describe(taskIds: string[]) {
    return taskIds.map((id) => this.tasks.get(id) ?? { taskId: id, state: 'STOPPED' as const, unknown: true });
  }
}

/** A queue whose next `failSends` sends throw before enqueueing (the answer never came), and whose next `dropSends` are taken and lost (an in-process queue dying with its process). */
class FlakyQueue extends MemoryLaunchQueue {
  failSends = 0;
  dropSends = 0;
  override async send(message: LaunchMessage, delaySec = 0) {
    if (this.failSends > 0) {
      this.failSends--;
      throw new Error('SQS: connection reset (injected)');
    }
    if (this.dropSends > 0) {
      this.dropSends--;
      return;
    }
    return super.send(message, delaySec);
  }
}

/** The fleet's services over a fresh SQLite store (made by `makeStore`, for a store with a twist), a flaky queue and a scripted launcher, on virtual time. */
function fleet<S extends SqliteCampaignStore = SqliteCampaignStore>(
  makeStore: (path: string, clock: VirtualClock) => S = (path, clock) => new SqliteCampaignStore(path, clock) as S,
) {
  const clock = new VirtualClock(T0);
  const path = join(mkdtempSync(join(tmpdir(), 'arbfleet-reconciler-')), 'fleet.db');
  const store = makeStore(path, clock);
  stores.push(store);
  const queue = new FlakyQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new ScriptedLauncher();
  const ctx: FleetContext = { store, queue, launcher, clock, log: { log: () => undefined }, taskEnvironment: () => ({}) };
  const campaigns = new CampaignService(ctx);
  const launches = new LaunchService(ctx);
  const watchdog = new WatchdogService(ctx);
  /** Delivers every launch message now visible, as the launcher Lambda or the local drain would. */
  const drain = async () => {
    for (const m of await queue.receive(10)) {
      try {
        if ((await launches.handle(m.body)) !== 'retry') await queue.delete(m.receipt);
      } catch {
        // a launch that throws is left undeleted: the queue delivers it again, then dead-letters it
      }
    }
  };
  const config = campaignInput({
    symbols: ['BTC', 'ETH'],
    sharding: { symbolsPerShard: 1 },
    watchdog: { launchTimeout: `${LAUNCH_TIMEOUT_SEC}s`, backoff: { initial: 0 } },
  });
  return { clock, path, store, queue, launcher, campaigns, watchdog, drain, config };
}

/** A one-shard fleet whose RUNNING task's latest heartbeat shows 900 MiB of its 1,024: past the 80 % recycle line. */
async function overRecycleLine() {
  const f = fleet();
  const { view } = await f.campaigns.createCampaign({ ...f.config, symbols: ['BTC'] });
  await f.drain();
  const key = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
  const old = f.store.forTask(key, 0);
  await old.heartbeat(progress(50));
  await f.watchdog.pass(); // its first heartbeat: RUNNING
  f.clock.advance(1_000);
  await old.heartbeat(progress(100, 900 * 2 ** 20));
  return { f, key, old };
}

describe('the reconciler re-drives what a throw between two steps left undone', () => {
  it('campaign create: stored, then the enqueue threw; a retry with the same Idempotency-Key finds it, and the watchdog launches its shards', async () => {
    const f = fleet();
    f.queue.failSends = 1;
    await expect(f.campaigns.createCampaign(f.config, { idempotencyKey: 'k-1' })).rejects.toThrow(/injected/);
    const retry = await f.campaigns.createCampaign(f.config, { idempotencyKey: 'k-1' });
    expect(retry.created).toBe(false);
    const id = retry.view.campaign.campaignId;
    await f.drain();
    const launchedBefore = (await f.store.listShards(id)).filter((s) => s.status === 'LAUNCHING').length;
    expect(launchedBefore).toBeLessThan(2); // at least one shard's launch was lost with the throw

    f.clock.advance((LAUNCH_TIMEOUT_SEC - 1) * 1000);
    await f.watchdog.pass();
    await f.drain();
    expect((await f.store.listShards(id)).filter((s) => s.status === 'LAUNCHING')).toHaveLength(launchedBefore); // not overdue yet

    f.clock.advance(2_000);
    const verdicts = (await f.watchdog.pass()).map((v) => v.verdict);
    expect(verdicts).toContain('requeue');
    await f.drain();
    expect((await f.store.listShards(id)).map((s) => s.status)).toEqual(['LAUNCHING', 'LAUNCHING']);
    expect(f.launcher.tasks.size).toBe(2);
  });

  it('watchdog restart: generation bumped, then StopTask threw before the enqueue; the launch is re-queued (the old task, fenced out by the new generation, ends itself)', async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign(f.config);
    await f.drain();
    const id = view.campaign.campaignId;
    const [first] = await f.store.listShards(id);
    const oldTask = first?.taskId as string;
    // The task never heartbeats, so its launch times out (LAUNCH_TIMEOUT: suspect, then confirmed)
    // and the restart's StopTask throws once, between the generation bump and the enqueue.
    f.clock.advance((LAUNCH_TIMEOUT_SEC + 1) * 1000);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['suspect', 'suspect']);
    f.launcher.failStops = 1;
    f.clock.advance(10_000);
    await expect(f.watchdog.pass()).rejects.toThrow(/injected/);
    // The other shard was still judged in that pass: it restarted normally.
    expect((await f.store.listShards(id)).map((s) => s.generation)).toEqual([1, 1]);
    let shard = await f.store.getShard({ campaignId: id, shardId: first?.shardId as string });
    expect(shard).toMatchObject({ status: 'RESTARTING', generation: 1 });
    await f.drain();
    expect((await f.store.getShard({ campaignId: id, shardId: first?.shardId as string }))?.status).toBe('RESTARTING'); // nothing was queued

    f.clock.advance((LAUNCH_TIMEOUT_SEC + 1) * 1000);
    await f.watchdog.pass();
    await f.drain();
    shard = await f.store.getShard({ campaignId: id, shardId: first?.shardId as string });
    expect(shard).toMatchObject({ status: 'LAUNCHING', generation: 1 });
    expect(shard?.launchRequeues).toBeUndefined(); // the count starts afresh once launched
    expect([...f.launcher.tasks.values()].filter((t) => t.spec.key.shardId === first?.shardId && t.spec.generation === 1)).toHaveLength(1);
    expect(oldTask).not.toBe(shard?.taskId);
  });

  it('a launch lost to several transient faults in a row (message lost, two sends and two deliveries failed) is re-queued until it launches: the shard is not failed', async () => {
    const f = fleet();
    f.queue.dropSends = 1; // the create's launch message is lost
    const { view } = await f.campaigns.createCampaign({ ...f.config, symbols: ['BTC'] });
    const key = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
    f.queue.failSends = 2; // the first re-queue's send fails twice
    f.launcher.failLaunches = 2; // and its first two deliveries throw (redelivered after the 30 s visibility timeout)
    const verdicts: string[] = [];
    // Passes and drains every second until it launches, at most up to where the old count of 3
    // re-queues failed such a shard (4 launch timeouts after its launch was due).
    let shard = await f.store.getShard(key);
    for (let s = 1; s <= 4 * LAUNCH_TIMEOUT_SEC && shard?.status === 'PENDING'; s++) {
      f.clock.advance(1_000);
      await f.watchdog.pass().then(
        (out) => verdicts.push(...out.map((v) => v.verdict)),
        () => verdicts.push('threw'),
      );
      await f.drain();
      shard = await f.store.getShard(key);
    }
    expect(verdicts).not.toContain('fail');
    expect(shard).toMatchObject({ status: 'LAUNCHING', generation: 0 });
    expect(verdicts.filter((v) => v === 'threw')).toHaveLength(2); // the failed sends: counted as nothing, tried again at the next pass
    expect(verdicts.filter((v) => v === 'requeue')).toHaveLength(2); // the first re-queue (its third send), and the second (2 launch timeouts after due)
    expect(f.launcher.tasks.size).toBe(1);
    expect(shard?.launchRequeues).toBeUndefined(); // the count starts afresh once launched
    expect(shard?.launchNotBefore).toBeUndefined();
    expect((await f.store.getCampaign(key.campaignId))?.status).toBe('RUNNING');
  });

  it(`fails a shard whose launch never happens once ${LAUNCH_DEADLINE_TIMEOUTS} launch timeouts overdue, after re-queues at 1, 2, 4 and 7, and the campaign with it`, async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign(f.config);
    const id = view.campaign.campaignId;
    // Every launch message is lost: nothing ever drains the queue. The watchdog passes every second.
    const requeuedAt: number[] = [];
    let failedAt: number | undefined;
    for (let s = 1; s <= LAUNCH_DEADLINE_TIMEOUTS * LAUNCH_TIMEOUT_SEC + 5 && failedAt === undefined; s++) {
      f.clock.advance(1_000);
      const verdicts = (await f.watchdog.pass()).filter((v) => v.shard.shardId === 'shard-000').map((v) => v.verdict);
      if (verdicts.includes('requeue')) requeuedAt.push(s);
      if (verdicts.includes('fail')) failedAt = s;
    }
    expect(requeuedAt).toEqual([1, 2, 4, 7].map((n) => n * LAUNCH_TIMEOUT_SEC));
    expect(failedAt).toBe(LAUNCH_DEADLINE_TIMEOUTS * LAUNCH_TIMEOUT_SEC);
    const campaign = await f.store.getCampaign(id);
    expect(campaign?.status).toBe('FAILED');
    expect(campaign?.endReason).toMatch(
      /launch never happened: generation 0 was due 240s ago and never launched \(launchTimeout 30s, deadline 8 × launchTimeout = 240s\), after 4 re-queued launch\(es\)/,
    );
    // The other shard, still PENDING in a FAILED campaign, is closed by the next pass: nothing is left in the active index.
    await f.watchdog.pass();
    expect(await f.store.listActiveShards()).toEqual([]);
  });

  it('a launch dead-lettered after maxReceives failed deliveries fails its shard with that cause at the next pass; a dead letter of a launched generation changes nothing', async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign({ ...f.config, onShardFailure: 'continue' });
    const id = view.campaign.campaignId;
    f.launcher.refuses.add('shard-000'); // its five deliveries all fail; shard-001 launches on its first
    for (let delivery = 0; delivery < 5; delivery++) {
      await f.drain();
      f.clock.advance(30_001); // the visibility timeout
    }
    expect(await f.queue.deadLetters()).toHaveLength(1);
    await f.watchdog.pass();
    const shards = await f.store.listShards(id);
    expect(shards.map((s) => s.status)).toEqual(['FAILED', 'LAUNCHING']);
    const events = await f.store.listEvents(id);
    expect(events.find((e) => e.type === 'shard.status' && e.to === 'FAILED')?.detail).toMatchObject({
      reason: expect.stringMatching(/launch of generation 0 was dead-lettered/),
    });
    // Read again on every pass: nothing more happens to either shard.
    await f.watchdog.pass();
    expect((await f.store.listShards(id)).map((s) => s.status)).toEqual(['FAILED', 'LAUNCHING']);
  });

  it('a restart verdict reached on a lagging index copy is checked on a consistent read first: a shard whose heartbeats are fresh is not restarted', async () => {
    /** An index whose heartbeats lag (a DynamoDB GSI is eventually consistent): while `lagging`, it shows the heartbeat of the moment lagging began. */
    class LaggingIndexStore extends SqliteCampaignStore {
      lagging: Map<string, ShardRecord['heartbeat']> | undefined;
      override async listActiveShards(): Promise<ShardRecord[]> {
        const live = await super.listActiveShards();
        return live.map((s) => (this.lagging?.has(s.shardId) ? { ...s, heartbeat: this.lagging.get(s.shardId) } : s));
      }
    }
    const { clock, store, watchdog, campaigns, drain, config } = fleet((path, c) => new LaggingIndexStore(path, c));
    const { view } = await campaigns.createCampaign({ ...config, symbols: ['BTC'] });
    await drain();
    const key = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
    const task = store.forTask(key, 0);
    let ticks = 0;
    ticks += 100;
    await task.heartbeat(progress(ticks));
    await watchdog.pass();
    expect((await store.getShard(key))?.status).toBe('RUNNING');

    store.lagging = new Map([[key.shardId, (await store.getShard(key))?.heartbeat]]);
    const verdicts: string[] = [];
    for (let s = 0; s < 120; s += 5) {
      clock.advance(5_000);
      ticks += 100; // the task is healthy: fresh heartbeats, moving ticks
      await task.heartbeat(progress(ticks));
      verdicts.push(...(await watchdog.pass()).map((v) => v.verdict));
    }
    expect(verdicts).toContain('suspect'); // the lagging copy did look stale
    expect(verdicts).not.toContain('restart');
    expect(await store.getShard(key)).toMatchObject({ status: 'RUNNING', generation: 0 });
  });

  it("judges heartbeat freshness on the watchdog's clock: a task whose clock runs 10 s behind is not LOST, one whose clock runs 30 s ahead is caught on time", async () => {
    const { clock, path, store, watchdog, campaigns, drain, config } = fleet();
    const { view } = await campaigns.createCampaign({ ...config, watchdog: { heartbeatInterval: '1s', staleAfter: '5s' } });
    await drain();
    const id = view.campaign.campaignId;
    // Each task writes through a store of its own whose clock is skewed: shard-000's 10 s behind, shard-001's 30 s ahead.
    const writers = [-10_000, 30_000].map((skew) => {
      const own = new SqliteCampaignStore(path, { now: () => asEpochMs(clock.now() + skew) });
      stores.push(own);
      return own;
    });
    const tasks = writers.map((w, i) => w.forTask({ campaignId: id, shardId: `shard-00${i}` }, 0));
    let ticks = 0;
    const verdicts: Record<string, string[]> = { 'shard-000': [], 'shard-001': [] };
    const tick = async (beating: boolean[]) => {
      clock.advance(250);
      if (clock.now() % 1000 === 0) {
        for (const [i, t] of tasks.entries()) {
          if (!beating[i]) continue;
          ticks += 10;
          await t.heartbeat(progress(ticks));
        }
      }
      for (const v of await watchdog.pass()) verdicts[v.shard.shardId]?.push(v.verdict);
    };
    for (let i = 0; i < 120; i++) await tick([true, true]); // 30 s, both heartbeating
    expect(verdicts['shard-000']).not.toContain('suspect');
    expect(verdicts['shard-000']).not.toContain('restart');
    expect((await store.getShard({ campaignId: id, shardId: 'shard-000' }))?.status).toBe('RUNNING');

    // shard-001 goes silent: its last heartbeat is stamped 30 s in the future, yet it is LOST after staleAfter + confirmation.
    const silentAt = clock.now();
    let restartedAt: number | undefined;
    for (let i = 0; i < 80 && restartedAt === undefined; i++) {
      await tick([true, false]);
      if (verdicts['shard-001']?.at(-1) === 'restart') restartedAt = clock.now();
    }
    expect(restartedAt, 'the silent task was restarted').toBeDefined();
    expect((restartedAt as number) - silentAt).toBeLessThanOrEqual(5_000 + 9_000 + 1_000);
    expect((await store.getShard({ campaignId: id, shardId: 'shard-001' }))?.restarts.at(-1)?.cause).toBe('LOST');
    expect((await store.getShard({ campaignId: id, shardId: 'shard-000' }))?.status).toBe('RUNNING');
  });

  it('a memory recycle drains the old task before raising the generation: its final commit lands, then the next generation is queued', async () => {
    const { f, key, old } = await overRecycleLine();
    await f.watchdog.pass();
    const draining = await f.store.getShard(key);
    expect(draining).toMatchObject({ status: 'RUNNING', generation: 0, recycle: { incident: { cause: 'RECYCLED' } } });
    expect(f.launcher.tasks.get(draining?.taskId as string)?.state, 'the old task was asked to stop').toBe('STOPPED');
    // Its final commit, under its own generation, is not fenced out.
    await old.commit(fills(0, 4, 0), null);
    expect(await f.store.readLedger(key)).toHaveLength(4);

    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['restart']);
    const restarted = await f.store.getShard(key);
    expect(restarted).toMatchObject({ status: 'RESTARTING', generation: 1 });
    expect(restarted?.recycle).toBeUndefined();
    expect(restarted?.restarts.at(-1)?.cause).toBe('RECYCLED');
    await expect(old.heartbeat(progress(200))).rejects.toThrow(/fenced out/);
    await f.drain();
    expect((await f.store.getShard(key))?.status).toBe('LAUNCHING');
  });

  it('a recycle whose task does not stop within staleAfter raises the generation anyway, stopping the task again', async () => {
    const { f, key, old } = await overRecycleLine();
    f.launcher.failStops = 100; // the task cannot be stopped
    await expect(f.watchdog.pass()).rejects.toThrow(/injected/);
    expect((await f.store.getShard(key))?.recycle).toBeDefined(); // the intent was recorded before the stop threw
    f.clock.advance(44_000);
    await old.heartbeat(progress(200, 900 * 2 ** 20));
    await f.watchdog.pass().catch(() => undefined);
    expect((await f.store.getShard(key))?.generation).toBe(0);
    f.clock.advance(2_000); // staleAfter (45 s) since the request
    await old.heartbeat(progress(300, 900 * 2 ** 20));
    f.launcher.failStops = 0;
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['restart']);
    expect(await f.store.getShard(key)).toMatchObject({ status: 'RESTARTING', generation: 1 });
  });
});
