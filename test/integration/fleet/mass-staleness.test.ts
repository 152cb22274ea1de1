/**
 * Mass staleness suspects the observer first (`core/fleet/observer-policy.ts`, issue 20): when most
 * of a campaign's shards read stale in the same pass, the watchdog probes the store before
 * restarting any, restarts at most `massRestartsPerPass` per pass, and says so (an event, a
 * `massStaleness` call the AWS side turns into a metric); a late pass of its own confirms nothing.
 * The real SQLite store, the in-memory launch queue, a scripted launcher, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext, FleetEvents } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { LifecycleEvent, RestartCause } from '../../../core/model/records.js';
import type { ShardKey } from '../../../core/ports.js';
import { campaignInput } from '../../support/campaigns.js';
import { progress } from '../../contract/record-builders.js';
import { MapLauncher } from '../../support/map-launcher.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store whose event writes can be made to fail as SQLite does under another process's lock, or to take time. */
class ProbedStore extends SqliteCampaignStore {
  busy = false;
  /** Virtual ms every shard update takes (a write lock held elsewhere, waited out). */
  updateTakesMs = 0;
  constructor(
    path: string,
    private readonly virtual: VirtualClock,
  ) {
    super(path, virtual);
  }
  override async appendEvents(events: LifecycleEvent[]) {
    if (this.busy) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    return super.appendEvents(events);
  }
  override async updateShard(...args: Parameters<SqliteCampaignStore['updateShard']>) {
    this.virtual.advance(this.updateTakesMs);
    return super.updateShard(...args);
  }
}

const SYMBOLS = ['BTC', 'ETH', 'XRP', 'SOL', 'ADA'];

async function fleet(watchdog: Record<string, unknown> = {}) {
  const clock = new VirtualClock(T0);
  const store = new ProbedStore(join(mkdtempSync(join(tmpdir(), 'arbfleet-mass-')), 'fleet.db'), clock);
  stores.push(store);
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new MapLauncher();
  const told: { what: string; cause?: RestartCause; storeOk?: boolean; at: number }[] = [];
  const events: FleetEvents = {
    restarted: (cause, at) => told.push({ what: 'restarted', cause, at }),
    shardFailed: (at) => told.push({ what: 'failed', at }),
    massStaleness: (storeOk, at) => told.push({ what: 'mass', storeOk, at }),
  };
  const ctx: FleetContext = { store, queue, launcher, clock, log: { log: () => undefined }, taskEnvironment: () => ({}), events };
  const launches = new LaunchService(ctx);
  const campaigns = new CampaignService(ctx);
  const config = campaignInput({
    symbols: SYMBOLS,
    sharding: { symbolsPerShard: 1 },
    watchdog: { heartbeatInterval: '1s', staleAfter: '5s', maxRestarts: 10, backoff: { initial: 0 }, ...watchdog },
  });
  const { view } = await campaigns.createCampaign(config);
  for (const m of await queue.receive(10)) if ((await launches.handle(m.body)) !== 'retry') await queue.delete(m.receipt);
  const keys: ShardKey[] = SYMBOLS.map((_, i) => ({ campaignId: view.campaign.campaignId, shardId: `shard-00${i}` }));
  const wd = new WatchdogService(ctx);
  for (const key of keys) await store.forTask(key, 0).heartbeat(progress(10));
  await wd.pass();
  return { clock, store, told, keys, watchdog: wd, campaignId: view.campaign.campaignId };
}

/** Restarts told per pass, over `passes` passes 250 ms apart. */
async function restartsPerPass(f: Awaited<ReturnType<typeof fleet>>, passes: number): Promise<number[]> {
  const perPass: number[] = [];
  for (let i = 0; i < passes; i++) {
    f.clock.advance(250);
    const before = f.told.filter((t) => t.what === 'restarted').length;
    await f.watchdog.pass();
    perPass.push(f.told.filter((t) => t.what === 'restarted').length - before);
  }
  return perPass;
}

describe('mass staleness', () => {
  it('when every shard goes silent at once: probes the store, records the event, and restarts at most one shard per pass, all of them in the end', async () => {
    const f = await fleet();
    const perPass = await restartsPerPass(f, 60);

    expect(Math.max(...perPass)).toBe(1);
    expect(perPass.reduce((a, b) => a + b, 0)).toBe(SYMBOLS.length);
    expect(f.told.filter((t) => t.what === 'restarted').every((t) => t.cause === 'LOST')).toBe(true);
    expect(f.told.find((t) => t.what === 'mass')).toMatchObject({ storeOk: true });
    const said = (await f.store.listEvents(f.campaignId)).filter((e) => e.type === 'watchdog.mass-staleness');
    expect(said.length).toBeGreaterThan(0);
    expect(said[0]?.detail?.reason).toMatch(/^5 of 5 shards \(100 %\) read stale in the same pass \(massStaleThreshold 0\.55, massStaleMinShards 3\)/);
  });

  it('restarts nothing while the store probe fails, then resumes at the bounded rate once it answers', async () => {
    const f = await fleet();
    f.store.busy = true;
    const held = await restartsPerPass(f, 40);
    expect(held.reduce((a, b) => a + b, 0)).toBe(0);
    expect(f.told.filter((t) => t.what === 'mass').every((t) => t.storeOk === false)).toBe(true);
    f.store.busy = false;
    const after = await restartsPerPass(f, 40);
    expect(Math.max(...after)).toBe(1);
    expect(after.reduce((a, b) => a + b, 0)).toBe(SYMBOLS.length);
  });

  it('below the threshold (2 of 5 silent) shards are restarted as usual, without a probe', async () => {
    const f = await fleet();
    // Three shards keep heartbeating; two go silent.
    const perPass: number[] = [];
    for (let i = 0; i < 40; i++) {
      f.clock.advance(250);
      for (const key of f.keys.slice(2)) await f.store.forTask(key, 0).heartbeat(progress(100 + i));
      const before = f.told.filter((t) => t.what === 'restarted').length;
      await f.watchdog.pass();
      perPass.push(f.told.filter((t) => t.what === 'restarted').length - before);
    }
    expect(perPass.reduce((a, b) => a + b, 0)).toBe(2);
    expect(Math.max(...perPass)).toBe(2);
    expect(f.told.some((t) => t.what === 'mass')).toBe(false);
  });

  it('the rate and the threshold are settings: massRestartsPerPass 3 restarts up to three a pass', async () => {
    const f = await fleet({ massRestartsPerPass: 3 });
    const perPass = await restartsPerPass(f, 40);
    expect(Math.max(...perPass)).toBe(3);
    expect(perPass.reduce((a, b) => a + b, 0)).toBe(SYMBOLS.length);
  });
});

describe('a late watchdog pass', () => {
  it('confirms no stale reading right after a pass whose store calls were held longer than the stall tolerance (4 s): it suspects again, and confirms on a pass that is on time', async () => {
    const f = await fleet({ massStaleMinShards: 100 });
    // Silent for 5.25 s: every shard reads stale; each suspicion's write waits 0.9 s on a lock held elsewhere (the pass, 4.5 s).
    f.clock.advance(5_250);
    f.store.updateTakesMs = 900;
    await f.watchdog.pass();
    expect(f.told).toEqual([]);
    f.store.updateTakesMs = 0;
    // Past every confirmation deadline, but the previous pass took 4.5 s: nothing is confirmed.
    const late = await restartsPerPass(f, 1);
    expect(late).toEqual([0]);
    const after = await restartsPerPass(f, 10);
    expect(after.reduce((a, b) => a + b, 0)).toBe(SYMBOLS.length);
  });
});
