/**
 * A watchdog's first look (just started, restarted after a crash, a cold Lambda) dates every
 * heartbeat as of that look, not by the writer's clock (`WatchdogService.observedHeartbeat`, as
 * Kubernetes' node lifecycle controller: "Missing timestamp for Node. Assuming now as a
 * timestamp"). `npm run sim` seed 8728: a control plane whose clock ran 2.846 s ahead of the
 * writer's crashed, froze and came back 2.7 s after a task's last heartbeat (the engines' store
 * calls throttled since); its first look read that heartbeat as 5.5 s old, kept the age, and
 * restarted the task LOST 3.9 s after its last heartbeat, under staleAfter (4 s) and 0.4 s before
 * the engine gave up on the store with exit 4 (STORE_UNAVAILABLE).
 * The real SQLite store (one file, a connection per process, each on its own clock), the in-memory
 * launch queue, a scripted launcher, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { ENGINE_EXIT } from '../../../core/exit-codes.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext, FleetEvents } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';
import { WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { RestartCause } from '../../../core/model/records.js';
import type { ShardKey } from '../../../core/ports.js';
import { progress } from '../../contract/record-builders.js';
import { campaignInput } from '../../support/campaigns.js';
import { MapLauncher } from '../../support/map-launcher.js';

/** True time at the start; the writer's (engine's) clock reads true time. */
const T0 = Date.UTC(2026, 0, 1);
/** The control plane's clock runs this far ahead of the writer's (seed 8728: 2,846 ms). */
const CP_AHEAD_MS = 2_846;
/** As the simulation's shards: heartbeat every 1 s, stale after 4 s (confirmation 1 s, self-fence 4.25 s). */
const TIMEOUTS = shardTimeouts({ heartbeatInterval: 1, staleAfter: 4 });
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** One campaign of one shard, launched; the control plane and the engine write one file, each on its own clock. */
async function fleet() {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-first-look-'));
  const writerClock = new VirtualClock(T0);
  const cpClock = new VirtualClock(T0 + CP_AHEAD_MS);
  const store = new SqliteCampaignStore(join(dir, 'fleet.db'), cpClock);
  stores.push(store);
  const writer = new SqliteCampaignStore(store.path, writerClock);
  stores.push(writer);
  const queue = new MemoryLaunchQueue(cpClock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new MapLauncher();
  const restarts: { cause: RestartCause; at: number }[] = [];
  const events: FleetEvents = {
    restarted: (cause, at) => restarts.push({ cause, at: at - CP_AHEAD_MS }),
    shardFailed: () => undefined,
    massStaleness: () => undefined,
  };
  const ctx: FleetContext = { store, queue, launcher, clock: cpClock, log: { log: () => undefined }, taskEnvironment: () => ({}), events };
  const { view } = await new CampaignService(ctx).createCampaign(
    campaignInput({ symbols: ['BTC'], duration: '10m', watchdog: { heartbeatInterval: '1s', staleAfter: '4s', maxRestarts: 10, backoff: { initial: 0 } } }),
  );
  const launches = new LaunchService(ctx);
  for (const m of await queue.receive(10)) if ((await launches.handle(m.body)) !== 'retry') await queue.delete(m.receipt);
  const key: ShardKey = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
  const taskId = (await store.getShard(key))?.taskId as string;
  /** The engine's port: one per process, as the runner's (it stamps `ticksSince` across its heartbeats). */
  const engine = writer.forTask(key, 0);
  /** True time (the writer's clock). */
  const now = () => writerClock.now();
  const advance = (ms: number) => {
    writerClock.advance(ms);
    cpClock.advance(ms);
  };
  return { ctx, store, engine, launcher, key, taskId, restarts, now, advance };
}

type Fleet = Awaited<ReturnType<typeof fleet>>;

/** Five heartbeats a second apart, each followed by a pass of `watchdog` (the shard RUNNING, observed); the last one's true time. */
async function heartbeatFor5s(f: Fleet, watchdog: WatchdogService, ticks: (s: number) => number = (s) => s): Promise<number> {
  for (let s = 1; s <= 5; s++) {
    f.advance(1_000);
    await f.engine.heartbeat(progress(ticks(s)));
    await watchdog.pass();
  }
  expect((await f.store.getShard(f.key))?.status).toBe('RUNNING');
  return f.now();
}

describe("a watchdog's first look", () => {
  it('does not age a heartbeat by the clock gap between its writer and a restarted watchdog: the engine that gave up on the store is booked STORE_UNAVAILABLE, not LOST (seed 8728)', async () => {
    const f = await fleet();
    const lastHeartbeat = await heartbeatFor5s(f, new WatchdogService(f.ctx));
    // The store throttles the engine from now on: no heartbeat lands. The control plane crashes; its
    // replacement's first pass comes 2.7 s after the last heartbeat (5.5 s by the writer's stamp on its clock).
    const restarted = new WatchdogService(f.ctx);
    f.advance(2_700);
    const verdicts = [(await restarted.pass())[0]?.verdict];
    // Passes every 1.1 s; the engine fences itself 4.25 s after its last heartbeat, exit 4 (the store's trouble).
    const engineExitAt = lastHeartbeat + TIMEOUTS.selfFenceSec * 1000;
    for (let step = 0; step < 100 && f.restarts.length === 0; step++) {
      f.advance(100);
      if (f.now() >= engineExitAt) Object.assign(f.launcher.tasks.get(f.taskId) ?? {}, { state: 'STOPPED', exitCode: ENGINE_EXIT.STORE_UNAVAILABLE });
      if (step % 11 === 10) verdicts.push((await restarted.pass())[0]?.verdict);
    }

    expect(f.restarts.map((r) => r.cause)).toEqual(['STORE_UNAVAILABLE']);
    expect(verdicts[0]).toBe('healthy'); // 2.7 s old on the watchdog's first look: dated as of that look
  });

  it('still restarts a task that died before the watchdog started, LOST, staleAfter after its first look and one confirmation', async () => {
    const f = await fleet();
    await heartbeatFor5s(f, new WatchdogService(f.ctx));
    f.advance(60_000); // dead for a minute when the control plane comes back
    const restarted = new WatchdogService(f.ctx);
    const firstLook = f.now();
    const verdicts = [(await restarted.pass())[0]?.verdict];
    for (let s = 1; s <= 20 && f.restarts.length === 0; s++) {
      f.advance(500);
      verdicts.push((await restarted.pass())[0]?.verdict);
    }

    expect(f.restarts.map((r) => r.cause)).toEqual(['LOST']);
    const after = (f.restarts[0]?.at ?? Number.NaN) - firstLook;
    expect(after).toBeGreaterThanOrEqual(TIMEOUTS.staleAfterSec * 1000);
    expect(after).toBeLessThanOrEqual(TIMEOUTS.watchdogKillSec * 1000 + 500);
    expect(verdicts[0]).toBe('healthy');
  });

  it("keeps a stall measured on the writer's own clock: a task heartbeating with ticks frozen for longer than staleAfter is suspected STALLED at once", async () => {
    const f = await fleet();
    // Ticks stop moving at the third heartbeat; heartbeats keep coming (the loop stalled, the timers live).
    await heartbeatFor5s(f, new WatchdogService(f.ctx), (s) => Math.min(s, 3));
    expect((await f.store.getShard(f.key))?.suspectSince).toBeUndefined(); // frozen 2 s: not yet
    const restarted = new WatchdogService(f.ctx);
    f.advance(1_000);
    await f.engine.heartbeat(progress(3));
    f.advance(1_100);
    await f.engine.heartbeat(progress(3));
    const [first] = await restarted.pass(); // frozen 4.1 s by the writer's clock, its heartbeat just written

    expect(first?.verdict).toBe('suspect');
    expect((await f.store.getShard(f.key))?.suspectSince).toBeDefined();
  });
});
