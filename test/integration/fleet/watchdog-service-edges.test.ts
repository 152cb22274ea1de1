/**
 * The watchdog service's own decisions, at their edges (`core/fleet/watchdog-service.ts`; written
 * against the survivors of its first Stryker run, docs/mutation.md): which dead letters fail a
 * shard, what a pass returns, throws and logs, a watchdog's first look, the store probe of mass
 * staleness, which task-stopped reports count, the consistent read before a restart or fail, the
 * stop reasons the fleet gives, the recycle's drain, the reconciler's closing of an ended campaign's
 * shards and a campaign failed with its shard. The real SQLite store (with hooks to fail or delay a
 * call), the in-memory launch queue, a launcher that records every stop, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import type { CampaignConfig } from '../../../core/config/campaign-config.js';
import { VersionConflictError } from '../../../core/errors.js';
import { transitionCampaign } from '../../../core/fleet/campaign-lifecycle.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext, FleetEvents } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { fleetStopReason } from '../../../core/fleet/stop-author.js';
import { campaignStopReason, watchdogPolicyFor } from '../../../core/fleet/watchdog-policy.js';
import { RECYCLE_STOP_REASON, WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { CampaignRecord, LifecycleEvent, RestartCause, ShardRecord } from '../../../core/model/records.js';
import type { LaunchMessage, ShardKey, ShardPatch } from '../../../core/ports.js';
import { progress } from '../../contract/record-builders.js';
import { campaignInput } from '../../support/campaigns.js';
import { MapLauncher } from '../../support/map-launcher.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A SQLite store with hooks: a shard update that throws once, a listing that shows a stale copy once, records hidden, a slow or failing probe event. */
class HookedStore extends SqliteCampaignStore {
  failUpdate: Error | undefined;
  /** Runs (once) before the next shard update applies. */
  beforeUpdate: (() => Promise<void>) | undefined;
  /** The next listing of active shards shows these copies instead (an index lagging the table). */
  staleListing: ShardRecord[] | undefined;
  hiddenShard: string | undefined;
  hiddenCampaign = false;
  /** The mass-staleness probe's event write: throws this, or takes this many virtual ms. */
  probeFails: Error | undefined;
  probeTakesMs = 0;
  constructor(
    path: string,
    private readonly virtual: VirtualClock,
  ) {
    super(path, virtual);
  }
  override async updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch) {
    const before = this.beforeUpdate;
    this.beforeUpdate = undefined;
    await before?.();
    const error = this.failUpdate;
    this.failUpdate = undefined;
    if (error) throw error;
    return super.updateShard(key, expectedVersion, patch);
  }
  listingFails = false;
  override async listActiveShards() {
    if (this.listingFails) throw new Error('listing timed out (injected)');
    const stale = this.staleListing;
    this.staleListing = undefined;
    return stale ?? super.listActiveShards();
  }
  override async getShard(key: ShardKey) {
    return key.shardId === this.hiddenShard ? undefined : super.getShard(key);
  }
  override async getCampaign(campaignId: string) {
    return this.hiddenCampaign ? undefined : super.getCampaign(campaignId);
  }
  override async appendEvents(events: LifecycleEvent[]) {
    if (events.some((e) => e.type === 'watchdog.mass-staleness')) {
      if (this.probeFails) throw this.probeFails;
      this.virtual.advance(this.probeTakesMs);
    }
    return super.appendEvents(events);
  }
}

/** A launcher that records every stop asked of it (`MapLauncher.stops`); `failStops` makes the next stops throw, `ignoreStops` leaves the tasks running. */
class RecordingLauncher extends MapLauncher {
  failStops = 0;
  ignoreStops = false;
  override async stop(taskId: string, reason: string) {
    if (this.failStops > 0 || this.ignoreStops) {
      this.stops.push({ taskId, reason });
      if (this.ignoreStops && this.failStops === 0) return;
      this.failStops--;
      throw new Error(`ECS: ThrottlingException stopping ${taskId} (injected)`);
    }
    await super.stop(taskId, reason);
  }
}

/** A queue whose dead letters are set by the test (`letters`), or whose dead-letter read throws. */
class LetteredQueue extends MemoryLaunchQueue {
  letters: LaunchMessage[] = [];
  lettersFail = false;
  override async deadLetters() {
    if (this.lettersFail) throw new Error('SQS: dead-letter queue unreachable (injected)');
    return this.letters;
  }
}

interface LogLine {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

async function fleet(
  opts: {
    shards?: number;
    watchdog?: Record<string, unknown>;
    onShardFailure?: 'fail' | 'continue';
    duration?: string;
    events?: FleetEvents | 'none';
    deadLettersEachPass?: boolean;
  } = {},
) {
  const clock = new VirtualClock(T0);
  const path = join(mkdtempSync(join(tmpdir(), 'arbfleet-wd-edges-')), 'fleet.db');
  const store = new HookedStore(path, clock);
  stores.push(store);
  const queue = new LetteredQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new RecordingLauncher();
  const logs: LogLine[] = [];
  const told: { what: string; cause?: RestartCause; storeOk?: boolean }[] = [];
  const events: FleetEvents | undefined =
    opts.events === 'none'
      ? undefined
      : (opts.events ?? {
          restarted: (cause) => told.push({ what: 'restarted', cause }),
          shardFailed: () => told.push({ what: 'failed' }),
          massStaleness: (storeOk) => told.push({ what: 'mass', storeOk }),
        });
  const ctx: FleetContext = {
    store,
    queue,
    launcher,
    clock,
    log: { log: (level, event, fields = {}) => logs.push({ level, event, fields }) },
    taskEnvironment: () => ({}),
    ...(events ? { events } : {}),
  };
  const symbols = ['BTC', 'ETH', 'XRP', 'SOL', 'ADA'].slice(0, opts.shards ?? 2);
  const campaigns = new CampaignService(ctx);
  const { view } = await campaigns.createCampaign(
    campaignInput({
      symbols,
      sharding: { symbolsPerShard: 1 },
      duration: opts.duration ?? '10m',
      onShardFailure: opts.onShardFailure ?? 'fail',
      watchdog: { heartbeatInterval: '1s', staleAfter: '5s', launchTimeout: '30s', maxRestarts: 10, backoff: { initial: 0 }, ...opts.watchdog },
    }),
  );
  const campaignId = view.campaign.campaignId;
  const keys: ShardKey[] = symbols.map((_, i) => ({ campaignId, shardId: `shard-00${i}` }));
  const launches = new LaunchService(ctx);
  const watchdog = new WatchdogService(ctx, opts.deadLettersEachPass === undefined ? {} : { deadLettersEachPass: opts.deadLettersEachPass });
  const writers = new Map<string, ReturnType<SqliteCampaignStore['forTask']>>();
  let ticks = 0;
  const f = {
    clock,
    path,
    store,
    queue,
    launcher,
    logs,
    told,
    ctx,
    campaigns,
    campaignId,
    keys,
    watchdog,
    policy: watchdogPolicyFor(view.campaign.config as unknown as CampaignConfig),
    /** Hands every visible launch message to the launch service. */
    async drain() {
      for (const m of await queue.receive(10)) if ((await launches.handle(m.body)) !== 'retry') await queue.delete(m.receipt);
    },
    /** A heartbeat of `key`'s generation `generation`, its ticks moving unless `still`. */
    async beat(key: ShardKey, generation = 0, still = false) {
      const id = `${key.shardId}/${generation}`;
      let writer = writers.get(id);
      if (!writer) {
        writer = store.forTask(key, generation);
        writers.set(id, writer);
      }
      if (!still) ticks += 10;
      await writer.heartbeat(progress(ticks));
    },
    async shard(key: ShardKey) {
      return (await store.getShard(key)) as ShardRecord;
    },
    async campaign() {
      return (await store.getCampaign(campaignId)) as CampaignRecord;
    },
    /** Every shard launched and heartbeating, confirmed RUNNING by a pass; the campaign RUNNING. */
    async running() {
      await f.drain();
      for (const key of keys) await f.beat(key);
      await watchdog.pass();
    },
  };
  return f;
}

type Fleet = Awaited<ReturnType<typeof fleet>>;

/** Advances in 250 ms steps, every shard but `silent` heartbeating each second, until `until` holds (at most `maxMs`). */
async function runUntil(f: Fleet, silent: ShardKey[], until: () => Promise<boolean>, maxMs = 30_000, watchdog = f.watchdog) {
  for (let ms = 0; ms < maxMs; ms += 250) {
    f.clock.advance(250);
    if (f.clock.now() % 1000 === 0) for (const key of f.keys) if (!silent.includes(key)) await f.beat(key);
    await watchdog.pass();
    if (await until()) return;
  }
  throw new Error(`runUntil: not reached within ${maxMs} ms`);
}

async function crash(f: Fleet, key: ShardKey) {
  const shard = await f.shard(key);
  return f.watchdog.onTaskStopped({
    key,
    generation: shard.generation,
    taskId: shard.taskId as string,
    state: 'STOPPED',
    exitCode: 1,
    stoppedAt: f.clock.now(),
  });
}

describe('dead letters', () => {
  it('fail a shard waiting (RESTARTING) for the very generation of a RUNNING campaign, logged; one of an older generation, or of a launched shard, changes nothing', async () => {
    const f = await fleet({ onShardFailure: 'continue' });
    await f.running();
    const [first, second] = f.keys as [ShardKey, ShardKey];
    expect((await f.campaign()).status).toBe('RUNNING');
    expect(await crash(f, first)).toBe('restart'); // RESTARTING at generation 1, its launch queued and never drained
    f.queue.letters = [
      { ...first, generation: 0 },
      { ...second, generation: 0 },
    ];
    expect(await f.watchdog.failDeadLetteredLaunches()).toEqual([]);
    expect((await f.shard(first)).status).toBe('RESTARTING');
    expect((await f.shard(second)).status).toBe('RUNNING');

    f.queue.letters.push({ ...first, generation: 1 });
    expect(await f.watchdog.failDeadLetteredLaunches()).toEqual([first]);
    expect(await f.shard(first)).toMatchObject({ status: 'FAILED', generation: 2 });
    expect((await f.shard(second)).status).toBe('RUNNING');
    expect(f.told).toContainEqual({ what: 'failed' });
    expect(f.logs).toContainEqual({
      level: 'error',
      event: 'shard failed',
      fields: { ...first, reason: expect.stringMatching(/^the launch of generation 1 was dead-lettered/) },
    });
  });

  it('whose fail loses its compare-and-set is skipped, the next letter still handled; any other error is thrown', async () => {
    const f = await fleet({ onShardFailure: 'continue' });
    await f.running();
    for (const key of f.keys) await crash(f, key);
    f.queue.letters = f.keys.map((key) => ({ ...key, generation: 1 }));
    f.store.failUpdate = new VersionConflictError('shard-000 is at version 9, not 8');
    expect(await f.watchdog.failDeadLetteredLaunches()).toEqual([f.keys[1]]);
    expect((await f.shard(f.keys[0] as ShardKey)).status).toBe('RESTARTING');
    f.store.failUpdate = new Error('disk I/O error');
    await expect(f.watchdog.failDeadLetteredLaunches()).rejects.toThrow('disk I/O error');
  });

  it('are not read by a pass with deadLettersEachPass false; a pass whose read of them throws still judges every shard, then throws', async () => {
    const f = await fleet({ onShardFailure: 'continue', deadLettersEachPass: false });
    await f.running();
    const [first] = f.keys as [ShardKey];
    await crash(f, first);
    f.queue.letters = [{ ...first, generation: 1 }];
    await f.watchdog.pass();
    expect((await f.shard(first)).status).toBe('RESTARTING');

    const g = await fleet({ shards: 1 });
    await g.drain();
    await g.beat(g.keys[0] as ShardKey);
    g.queue.lettersFail = true;
    await expect(g.watchdog.pass()).rejects.toThrow(/dead-letter queue unreachable/);
    expect((await g.shard(g.keys[0] as ShardKey)).status).toBe('RUNNING'); // judged all the same: its first heartbeat confirmed the launch
  });
});

describe('a pass', () => {
  it('returns one verdict per shard judged, and none for a shard whose campaign is gone', async () => {
    const f = await fleet();
    await f.running();
    f.clock.advance(250);
    expect(await f.watchdog.pass()).toEqual(f.keys.map((shard) => ({ shard, verdict: 'healthy' })));
    f.store.hiddenCampaign = true;
    expect(await f.watchdog.pass()).toEqual([]);
  });

  it('whose handling of two shards throws throws the first error and logs the second', async () => {
    const f = await fleet();
    await f.running();
    f.launcher.failStops = 2; // both restarts' StopTask throw
    await runUntil(f, f.keys, async () => f.launcher.stops.length >= 2).catch(() => undefined);
    const notHandled = f.logs.filter((l) => l.event === 'watchdog: shard not handled');
    expect(notHandled).toEqual([
      { level: 'error', event: 'watchdog: shard not handled', fields: { ...f.keys[1], error: expect.stringMatching(/stopping task-1 \(injected\)/) } },
    ]);
  });
});

describe('the mass-staleness probe', () => {
  /** Five shards, all silent past staleAfter: massive (the defaults: 0.55 and 3 shards). */
  async function allSilent(opts: Parameters<typeof fleet>[0] = {}) {
    const f = await fleet({ shards: 5, ...opts });
    await f.running();
    f.clock.advance(6_000);
    return f;
  }

  it('that answers restarts one shard a pass, logged with what it said; nobody told of mass staleness is no error', async () => {
    const f = await allSilent({ events: { restarted: () => undefined, shardFailed: () => undefined } });
    await f.watchdog.pass(); // all suspect
    f.clock.advance(f.policy.confirmAfterSec * 1000);
    const verdicts = (await f.watchdog.pass()).map((v) => v.verdict);
    expect(verdicts.filter((v) => v === 'restart')).toHaveLength(1);
    const mass = f.logs.filter((l) => l.event === 'watchdog: mass staleness').at(-1);
    expect(mass).toEqual({
      level: 'warn',
      event: 'watchdog: mass staleness',
      fields: {
        campaignId: f.campaignId,
        stale: 5,
        active: 5,
        storeOk: true,
        probe: 'write and read answered in 0 ms',
        reason: expect.stringMatching(/^5 of 5 shards \(100 %\)/),
      },
    });
    const held = f.logs.filter((l) => l.event === 'watchdog: restart held back');
    expect(held).toHaveLength(4);
    expect(held[0]).toMatchObject({ level: 'warn', fields: { reason: expect.stringMatching(/^mass staleness: 5 of 5 shards/) } });
  });

  it('that takes longer than the confirmation window holds every restart back; one that takes exactly the window does not', async () => {
    const f = await allSilent();
    await f.watchdog.pass();
    f.clock.advance(f.policy.confirmAfterSec * 1000);
    const windowMs = f.policy.confirmAfterSec * 1000;
    f.store.probeTakesMs = windowMs + 1;
    expect((await f.watchdog.pass()).map((v) => v.verdict)).not.toContain('restart');
    expect(f.told.filter((t) => t.what === 'mass').at(-1)).toEqual({ what: 'mass', storeOk: false });
    const said = `probe took ${windowMs + 1} ms, longer than the confirmation window (${windowMs} ms)`;
    expect(f.logs.filter((l) => l.event === 'watchdog: mass staleness').at(-1)?.fields).toMatchObject({ storeOk: false, probe: said });
    expect(f.logs.filter((l) => l.event === 'watchdog: restart held back').at(-1)?.fields['reason']).toBe(
      `mass staleness, store unavailable (${said}): nothing restarted this pass`,
    );
    f.clock.advance(windowMs);
    f.store.probeTakesMs = windowMs;
    expect((await f.watchdog.pass()).filter((v) => v.verdict === 'restart')).toHaveLength(1);
    expect(f.told.filter((t) => t.what === 'mass').at(-1)).toEqual({ what: 'mass', storeOk: true });
  });

  it('that fails says so in the log and restarts nothing', async () => {
    const f = await allSilent();
    await f.watchdog.pass();
    f.clock.advance(f.policy.confirmAfterSec * 1000);
    f.store.probeFails = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect((await f.watchdog.pass()).map((v) => v.verdict)).not.toContain('restart');
    expect(f.logs.filter((l) => l.event === 'watchdog: mass staleness').at(-1)?.fields['probe']).toBe('probe failed: database is locked');
  });

  it('is not made for the stale shards of an ended campaign: they are closed', async () => {
    const f = await allSilent();
    f.launcher.ignoreStops = true;
    const campaign = await f.campaign();
    await f.store.updateCampaign(f.campaignId, campaign.version, transitionCampaign(campaign, 'FAILED', f.clock.now(), { reason: 'operator' }).patch);
    const verdicts = (await f.watchdog.pass()).map((v) => v.verdict);
    expect(verdicts).toEqual(['stop-redriven', 'stop-redriven', 'stop-redriven', 'stop-redriven', 'stop-redriven']);
    expect(f.told.filter((t) => t.what === 'mass')).toEqual([]);
    expect(f.logs.filter((l) => l.event === 'watchdog: mass staleness')).toEqual([]);
  });
});

describe('a task-stopped report', () => {
  it('of an unknown shard, a closed shard, an older generation or another task changes nothing', async () => {
    const f = await fleet({ onShardFailure: 'continue' });
    await f.running();
    const [first, second] = f.keys as [ShardKey, ShardKey];
    const shard = await f.shard(first);
    const report = { key: first, generation: 0, taskId: shard.taskId as string, state: 'STOPPED' as const, exitCode: 1, stoppedAt: f.clock.now() };
    expect(await f.watchdog.onTaskStopped({ ...report, key: { ...first, shardId: 'shard-099' } })).toBe('ignore');
    expect(await f.watchdog.onTaskStopped({ ...report, generation: 1 })).toBe('ignore');
    expect(await f.watchdog.onTaskStopped({ ...report, taskId: 'task-77' })).toBe('ignore');
    expect(await f.shard(first)).toMatchObject({ status: 'RUNNING', generation: 0, version: shard.version });
    // A closed shard: the second one failed for good (bad input, exit 2), then its end reported again.
    const other = await f.shard(second);
    const badInput = { key: second, generation: 0, taskId: other.taskId as string, state: 'STOPPED' as const, exitCode: 2, stoppedAt: f.clock.now() };
    expect(await f.watchdog.onTaskStopped(badInput)).toBe('fail');
    const failed = await f.shard(second);
    expect(await f.watchdog.onTaskStopped({ ...badInput, generation: failed.generation })).toBe('ignore');
    expect((await f.shard(second)).version).toBe(failed.version);
  });
});

describe('judging a shard', () => {
  it('an overdue re-queue that loses its compare-and-set is ignored this pass', async () => {
    const f = await fleet({ shards: 1 });
    await f.queue.receive(10); // the launch message is taken and lost
    f.clock.advance(31_000);
    f.store.failUpdate = new VersionConflictError('shard-000 is at version 2, not 1');
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['ignore']);
    expect((await f.shard(f.keys[0] as ShardKey)).launchRequeues).toBeUndefined();
  });

  it('a crash the pass finds (no event) is restarted CRASHED', async () => {
    const f = await fleet({ shards: 1 });
    await f.running();
    const [key] = f.keys as [ShardKey];
    Object.assign(f.launcher.tasks.get((await f.shard(key)).taskId as string) ?? {}, { state: 'STOPPED', exitCode: 1 });
    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['restart']);
    expect((await f.shard(key)).restarts.at(-1)?.cause).toBe('CRASHED');
  });

  it('a fail reached on a lagging index copy is checked on a consistent read first; a shard gone meanwhile is ignored', async () => {
    const f = await fleet({ shards: 1, watchdog: { maxRestarts: 0, maxPreemptions: 0 } });
    await f.running();
    const [key] = f.keys as [ShardKey];
    const old = await f.shard(key);
    f.clock.advance(6_000);
    await f.beat(key); // fresh in the table
    await f.store.updateShard(key, (await f.shard(key)).version, { suspectSince: f.clock.now() - 10_000 }); // suspected long ago
    f.store.staleListing = [{ ...old, suspectSince: f.clock.now() - 10_000 }];
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['healthy']);
    expect((await f.shard(key)).status).toBe('RUNNING');

    f.clock.advance(6_000);
    f.store.staleListing = [{ ...(await f.shard(key)), suspectSince: f.clock.now() - 10_000 }];
    f.store.hiddenShard = key.shardId;
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['ignore']);
  });

  it("a consistent read that finds another task judges it without the listed task's end", async () => {
    const f = await fleet({ shards: 1 });
    await f.running();
    const [key] = f.keys as [ShardKey];
    const listed = await f.shard(key);
    // Meanwhile the task crashed, was reported, restarted and relaunched: generation 1 heartbeats.
    Object.assign(f.launcher.tasks.get(listed.taskId as string) ?? {}, { state: 'STOPPED', exitCode: 1 });
    expect(await crash(f, key)).toBe('restart');
    await f.drain();
    await f.beat(key, 1);
    f.store.staleListing = [listed];
    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).not.toContain('restart');
    const now = await f.shard(key);
    expect(now.generation).toBe(1);
    expect(now.restarts).toHaveLength(1);
  });

  it('a STALLED task, whose heartbeats keep changing, is confirmed and restarted', async () => {
    const f = await fleet({ shards: 1 });
    await f.running();
    const [key] = f.keys as [ShardKey];
    for (let ms = 0; ms < 20_000 && (await f.shard(key)).generation === 0; ms += 250) {
      f.clock.advance(250);
      if (f.clock.now() % 1000 === 0) await f.beat(key, 0, true);
      await f.watchdog.pass();
    }
    expect((await f.shard(key)).restarts.at(-1)?.cause).toBe('STALLED');
  });

  it('a late pass defers a stale fail as it does a stale restart, logged; a crash is not deferred', async () => {
    const f = await fleet({ shards: 3, watchdog: { maxRestarts: 0, maxPreemptions: 0 }, onShardFailure: 'continue' });
    await f.running();
    const [first, second, third] = f.keys as [ShardKey, ShardKey, ShardKey];
    f.clock.advance(5_000);
    await f.watchdog.pass(); // all suspect (LOST)
    f.clock.advance(f.policy.confirmAfterSec * 1000);
    // This pass's first shard update waits 4.5 s on a lock held elsewhere (the stall tolerance is 4 s):
    // the shards judged after it are judged late. The second one's task has crashed meanwhile.
    f.store.beforeUpdate = async () => f.clock.advance(4_500);
    Object.assign(f.launcher.tasks.get((await f.shard(second)).taskId as string) ?? {}, { state: 'STOPPED', exitCode: 1 });
    expect(await f.watchdog.pass()).toEqual([
      { shard: first, verdict: 'fail' },
      { shard: second, verdict: 'fail' },
      { shard: third, verdict: 'suspect' },
    ]);
    expect((await f.shard(second)).restarts.at(-1)?.cause).toBe('CRASHED');
    const late = f.logs.filter((l) => l.event === 'watchdog late: stale reading not confirmed');
    expect(late).toEqual([
      {
        level: 'warn',
        event: 'watchdog late: stale reading not confirmed',
        fields: {
          ...third,
          why: "the watchdog's own pass was late (previous pass 0 ms, this shard judged 4500 ms after listing; store stall tolerance 4000 ms): its stale reading is not confirmed",
        },
      },
    ]);
    // The next pass, on time, is still late by its predecessor, which took 4.5 s.
    f.clock.advance(f.policy.confirmAfterSec * 1000);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['suspect']); // the failed shards have left the active index
    expect(f.logs.filter((l) => l.event === 'watchdog late: stale reading not confirmed').at(-1)?.fields['why']).toMatch(
      /^the watchdog's own pass was late \(previous pass 4500 ms, this shard judged 0 ms after listing/,
    );
  });
});

describe('acting on a verdict', () => {
  it('a launch confirmed records RUNNING with the first heartbeat as the restart end; a suspicion cleared by a fresh heartbeat is written', async () => {
    const f = await fleet({ shards: 1 });
    await f.running();
    const [key] = f.keys as [ShardKey];
    expect(await crash(f, key)).toBe('restart');
    await f.drain();
    await f.beat(key, 1);
    const firstBeat = f.clock.now();
    f.clock.advance(750);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['healthy']);
    const running = await f.shard(key);
    expect(running.status).toBe('RUNNING');
    expect(running.restarts.at(-1)?.restartedAt).toBe(firstBeat);
    const events = await f.store.listEvents(f.campaignId);
    expect(events.filter((e) => e.shardId === key.shardId && e.to === 'RUNNING')).toHaveLength(2);

    f.clock.advance(6_000);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['suspect']);
    expect(f.logs.filter((l) => l.event === 'shard suspect').at(-1)).toEqual({
      level: 'warn',
      event: 'shard suspect',
      fields: { ...key, generation: 1, cause: 'LOST', reason: expect.stringMatching(/^no heartbeat for 6\.75s/) },
    });
    expect((await f.shard(key)).suspectSince).toBe(f.clock.now());
    await f.beat(key, 1);
    await f.watchdog.pass();
    expect((await f.shard(key)).suspectSince).toBeUndefined();
  });

  it('a restart stops the old task with its cause as the reason, logged', async () => {
    const f = await fleet({ shards: 1 });
    await f.running();
    const [key] = f.keys as [ShardKey];
    const taskId = (await f.shard(key)).taskId as string;
    await runUntil(f, f.keys, async () => (await f.shard(key)).generation === 1);
    expect(f.launcher.stops).toEqual([{ taskId, reason: fleetStopReason('restart: LOST') }]);
    expect(f.logs.find((l) => l.event === 'shard restarting')).toMatchObject({ level: 'warn', fields: { ...key, generation: 1, cause: 'LOST' } });
  });

  it('a stale fail with a live task closes the shard one generation on and stops the task, logged', async () => {
    const f = await fleet({ shards: 1, watchdog: { maxRestarts: 0, maxPreemptions: 0 }, onShardFailure: 'continue' });
    await f.running();
    const [key] = f.keys as [ShardKey];
    const taskId = (await f.shard(key)).taskId as string;
    await runUntil(f, f.keys, async () => (await f.shard(key)).status === 'FAILED');
    expect(await f.shard(key)).toMatchObject({ status: 'FAILED', generation: 1 });
    const failed = f.logs.find((l) => l.event === 'shard failed');
    expect(failed).toMatchObject({ level: 'error', fields: { ...key, cause: 'LOST' } });
    expect(f.launcher.stops).toEqual([{ taskId, reason: fleetStopReason(`shard failed: ${String(failed?.fields['reason'])}`) }]);
  });

  it('a shard closed with trouble at the campaign end has its task stopped as ended, logged', async () => {
    const f = await fleet({ shards: 1, duration: '1m' });
    await f.running();
    const [key] = f.keys as [ShardKey];
    const taskId = (await f.shard(key)).taskId as string;
    f.launcher.ignoreStops = true;
    // Silent 3 s before the end: stale only after it.
    await runUntil(f, [], async () => f.clock.now() >= T0 + 57_000, 70_000);
    await runUntil(f, f.keys, async () => (await f.shard(key)).status === 'COMPLETED');
    expect(f.launcher.stops).toEqual([{ taskId, reason: campaignStopReason('ended') }]);
    expect(f.logs.find((l) => l.event === 'shard completed')).toMatchObject({
      level: 'info',
      fields: { ...key, reason: expect.stringMatching(/not restarted after LOST/), by: expect.any(String) },
    });
  });

  it('over the recycle line with the budget spent: a warning, no recycle', async () => {
    const f = await fleet({ shards: 1, watchdog: { maxRestarts: 0 } });
    await f.running();
    const [key] = f.keys as [ShardKey];
    await f.store.forTask(key, 0).heartbeat(progress(5_000, 900 * 2 ** 20));
    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['healthy']);
    expect(f.logs.find((l) => l.event === 'watchdog')).toEqual({
      level: 'warn',
      event: 'watchdog',
      fields: { ...key, warning: expect.stringMatching(/but the restart budget is spent: not recycling$/) },
    });
  });
});

describe('a memory recycle', () => {
  /** A one-shard fleet whose task heartbeats 900 MiB of its 1,024 (past the 80 % line); the next pass asks it to drain. */
  async function recycling() {
    const f = await fleet({ shards: 1 });
    await f.running();
    const [key] = f.keys as [ShardKey];
    await f.store.forTask(key, 0).heartbeat(progress(5_000, 900 * 2 ** 20));
    f.clock.advance(250);
    return { f, key, taskId: (await f.shard(key)).taskId as string };
  }

  it('drains first, logged; a stop that failed is asked again next pass; the restart is told RECYCLED, logged', async () => {
    const { f, key, taskId } = await recycling();
    f.launcher.failStops = 1;
    await expect(f.watchdog.pass()).rejects.toThrow(/injected/);
    expect(f.logs.find((l) => l.event === 'shard recycling: draining its task first')).toMatchObject({ level: 'warn', fields: { ...key, generation: 0 } });
    f.clock.advance(250);
    f.launcher.failStops = 1; // the drain's stop throws too: not a conflict, the pass fails
    await expect(f.watchdog.pass()).rejects.toThrow(/injected/);
    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['ignore']);
    expect(f.launcher.stops).toEqual([
      { taskId, reason: RECYCLE_STOP_REASON },
      { taskId, reason: RECYCLE_STOP_REASON },
      { taskId, reason: RECYCLE_STOP_REASON },
    ]);
    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['restart']);
    expect(f.told).toContainEqual({ what: 'restarted', cause: 'RECYCLED' });
    expect(f.logs.filter((l) => l.event === 'shard restarting').at(-1)).toEqual({
      level: 'warn',
      event: 'shard restarting',
      fields: { ...key, generation: 1, cause: 'RECYCLED', drained: true, backoffSec: 0 },
    });
  });

  it('whose task does not stop is restarted exactly staleAfter after the request, the task stopped again with that reason', async () => {
    const { f, key, taskId } = await recycling();
    f.launcher.ignoreStops = true;
    await f.watchdog.pass();
    const requestedAt = (await f.shard(key)).recycle?.requestedAt as number;
    f.clock.advance(4_999);
    await f.beat(key);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['ignore']);
    f.clock.advance(1);
    expect(f.clock.now() - requestedAt).toBe(5_000);
    await f.beat(key);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['restart']);
    expect(f.launcher.stops.at(-1)).toEqual({ taskId, reason: fleetStopReason('restart: RECYCLED (did not stop within staleAfter)') });
  });

  it('is not drained at the campaign end; a drain that loses its compare-and-set is ignored', async () => {
    const { f, key } = await recycling();
    f.launcher.ignoreStops = true;
    await f.watchdog.pass(); // the intent recorded
    f.store.failUpdate = new VersionConflictError('shard-000 moved');
    Object.assign(f.launcher.tasks.get((await f.shard(key)).taskId as string) ?? {}, { state: 'STOPPED', exitCode: 0 });
    f.clock.advance(250);
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['ignore']);
    expect((await f.shard(key)).generation).toBe(0);

    const g = await fleet({ shards: 1, duration: '1m' });
    await g.running();
    const [gk] = g.keys as [ShardKey];
    g.launcher.ignoreStops = true;
    await runUntil(g, [], async () => g.clock.now() >= T0 + 59_750, 70_000);
    await g.store.forTask(gk, 0).heartbeat(progress(9_000, 900 * 2 ** 20));
    await g.watchdog.pass(); // the intent recorded, 250 ms before the end
    expect((await g.shard(gk)).recycle).toBeDefined();
    g.clock.advance(250); // exactly the end: the engine ends itself, exit 0
    Object.assign(g.launcher.tasks.get((await g.shard(gk)).taskId as string) ?? {}, { state: 'STOPPED', exitCode: 0 });
    expect((await g.watchdog.pass()).map((v) => v.verdict)).toEqual(['complete']);
    expect(await g.shard(gk)).toMatchObject({ status: 'COMPLETED', generation: 0 });
  });
});

describe('the reconciler and an ended campaign', () => {
  /** A RUNNING two-shard fleet whose tasks ignore stops, moved to `to` with `reason` (FAILED, or STOPPING then CANCELLED/COMPLETED). */
  async function ended(to: 'FAILED' | 'CANCELLED' | 'COMPLETED', reason?: string) {
    const f = await fleet();
    await f.running();
    f.launcher.ignoreStops = true;
    let campaign = await f.campaign();
    const now = f.clock.now();
    const note = reason === undefined ? {} : { reason };
    if (to !== 'FAILED') campaign = await f.store.updateCampaign(f.campaignId, campaign.version, transitionCampaign(campaign, 'STOPPING', now, note).patch);
    await f.store.updateCampaign(f.campaignId, campaign.version, transitionCampaign(campaign, to, now, note).patch);
    return f;
  }

  it('asks a running task to stop with the reason its campaign status gives, then closes its shard once stopped, with the end reason, at its generation', async () => {
    for (const [to, why, reason] of [
      ['FAILED', 'failed', 'operator said so'],
      ['CANCELLED', 'cancelled', 'stopped by user'],
      ['COMPLETED', 'ended', 'Max runtime reached'],
    ] as const) {
      const f = await ended(to, reason);
      const [key] = f.keys as [ShardKey];
      const taskId = (await f.shard(key)).taskId as string;
      f.clock.advance(250);
      expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['stop-redriven', 'stop-redriven']);
      expect(f.launcher.stops[0]).toEqual({ taskId, reason: campaignStopReason(why) });
      Object.assign(f.launcher.tasks.get(taskId) ?? {}, { state: 'STOPPED', exitCode: 0 });
      expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['closed', 'stop-redriven']);
      expect(await f.shard(key)).toMatchObject({ status: 'COMPLETED', generation: 0 });
      const closing = (await f.store.listEvents(f.campaignId)).filter((e) => e.shardId === key.shardId && e.to === 'COMPLETED');
      expect(closing.map((e) => e.detail?.['reason'])).toEqual([`campaign ${to}: ${reason}`]);
    }
  });

  it("names a campaign ended without a reason 'ended'", async () => {
    const f = await ended('FAILED');
    const c = await f.campaign();
    await f.store.updateCampaign(f.campaignId, c.version, { endReason: undefined }); // a record stored before end reasons were written
    expect((await f.campaign()).endReason).toBeUndefined();
    for (const key of f.keys) Object.assign(f.launcher.tasks.get((await f.shard(key)).taskId as string) ?? {}, { state: 'STOPPED', exitCode: 0 });
    expect((await f.watchdog.pass()).map((v) => v.verdict)).toEqual(['closed', 'closed']);
    const closing = (await f.store.listEvents(f.campaignId)).filter((e) => e.to === 'COMPLETED');
    expect(closing.map((e) => e.detail?.['reason'])).toEqual(['campaign FAILED: ended', 'campaign FAILED: ended']);
  });
});

describe('a shard failed under onShardFailure: fail', () => {
  it("fails the campaign read afresh, and stops every other active shard's task", async () => {
    const f = await fleet({ shards: 3, watchdog: { maxRestarts: 0 } });
    await f.running();
    const [first, second, third] = f.keys as [ShardKey, ShardKey, ShardKey];
    // The third shard's task crashed and was reported: it waits for a relaunch, no task to stop.
    await f.store.updateShard(third, (await f.shard(third)).version, { status: 'RESTARTING', taskId: undefined, generation: 1, updatedAt: f.clock.now() });
    // The campaign record moves on (a heartbeat of the API, a scheduler write) between the watchdog's read and the fail.
    f.store.beforeUpdate = async () => {
      const c = await f.campaign();
      await f.store.updateCampaign(f.campaignId, c.version, { updatedAt: f.clock.now() });
    };
    const secondTask = (await f.shard(second)).taskId as string;
    expect(await crash(f, first)).toBe('fail');
    expect((await f.campaign()).status).toBe('FAILED');
    expect((await f.store.listEvents(f.campaignId)).filter((e) => e.type === 'campaign.status' && e.to === 'FAILED')).toHaveLength(1);
    expect(f.launcher.stops).toEqual([{ taskId: secondTask, reason: campaignStopReason('failed') }]);
  });

  it('at the overdue-launch deadline records the shard event with the reason, logged', async () => {
    const f = await fleet({ shards: 1, onShardFailure: 'continue' });
    const [key] = f.keys as [ShardKey];
    let verdict: string | undefined;
    for (let s = 0; s < 300 && verdict !== 'fail'; s++) {
      f.clock.advance(1_000);
      await f.queue.receive(10); // every launch message lost
      verdict = (await f.watchdog.pass())[0]?.verdict;
    }
    expect(verdict).toBe('fail');
    const event = (await f.store.listEvents(f.campaignId)).find((e) => e.shardId === key.shardId && e.to === 'FAILED');
    expect(String(event?.detail?.['reason'])).toMatch(/^launch never happened/);
    expect(f.logs.find((l) => l.event === 'shard failed')).toEqual({
      level: 'error',
      event: 'shard failed',
      fields: { ...key, reason: event?.detail?.['reason'] },
    });
  });
});

describe('a watchdog blind for a while', () => {
  it("logs why it does not confirm a LOST reading of a task that wrote since its previous look (seed 1315's case)", async () => {
    const f = await fleet({ shards: 1 });
    await f.drain();
    const [key] = f.keys as [ShardKey];
    const behind = new VirtualClock(T0 - 8_000); // the engine's clock runs 8 s behind the watchdog's
    const writer = new SqliteCampaignStore(f.path, behind);
    stores.push(writer);
    const task = writer.forTask(key, 0);
    const beat = async (n: number) => {
      behind.set(f.clock.now() - 8_000);
      await task.heartbeat(progress(n));
    };
    await beat(1);
    await f.watchdog.pass();
    await beat(2);
    f.clock.advance(1_000);
    await f.watchdog.pass();
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
    // The previous successful look was 7 s (the second blind stretch) before the pass that saw the change.
    const deferred = f.logs.filter((l) => l.event === 'watchdog late: stale reading not confirmed');
    expect(deferred).toContainEqual({
      level: 'warn',
      event: 'watchdog late: stale reading not confirmed',
      fields: {
        ...key,
        why: expect.stringMatching(
          /^the heartbeat changed since the watchdog's previous look \(7000 ms before it saw the change\): the task wrote after it, so its stale reading is the watchdog's blindness, not confirmed$/,
        ),
      },
    });
    expect(await f.shard(key)).toMatchObject({ status: 'RUNNING', generation: 0, restarts: [] });
  });
});
