/**
 * What the fleet tells the outside the moment it decides (`FleetContext.events`: on AWS the
 * restart and failed-shard EMF metrics the alarms watch), from both ways a fault is found, and the
 * scheduler's tick, which must advance every live campaign even when one of them cannot be: the
 * real SQLite store, the in-memory launch queue, a scripted task launcher, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext, FleetEvents } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { SchedulerService } from '../../../core/fleet/scheduler-service.js';
import { WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { CampaignPatch } from '../../../core/ports.js';
import type { RestartCause } from '../../../core/model/records.js';
import { campaignInput } from '../../support/campaigns.js';
import { progress } from '../../contract/record-builders.js';
import { MapLauncher } from '../../support/map-launcher.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A SQLite store whose campaign updates throw for the campaigns in `broken` (a bad record, an AWS error). */
class BrokenForSome extends SqliteCampaignStore {
  readonly broken = new Set<string>();
  override async updateCampaign(campaignId: string, expectedVersion: number, patch: CampaignPatch) {
    if (this.broken.has(campaignId)) throw new Error(`DynamoDB: InternalServerError (injected for ${campaignId})`);
    return super.updateCampaign(campaignId, expectedVersion, patch);
  }
}

function fleet() {
  const clock = new VirtualClock(T0);
  const store = new BrokenForSome(join(mkdtempSync(join(tmpdir(), 'arbfleet-events-')), 'fleet.db'), clock);
  stores.push(store);
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new MapLauncher();
  const told: { what: 'restarted' | 'failed'; cause?: RestartCause; at: number }[] = [];
  const events: FleetEvents = { restarted: (cause, at) => told.push({ what: 'restarted', cause, at }), shardFailed: (at) => told.push({ what: 'failed', at }) };
  const ctx: FleetContext = { store, queue, launcher, clock, log: { log: () => undefined }, taskEnvironment: () => ({}), events };
  const launches = new LaunchService(ctx);
  const drain = async () => {
    for (const m of await queue.receive(10)) if ((await launches.handle(m.body)) !== 'retry') await queue.delete(m.receipt);
  };
  return { clock, store, launcher, told, drain, campaigns: new CampaignService(ctx), watchdog: new WatchdogService(ctx), scheduler: new SchedulerService(ctx) };
}

const config = campaignInput({ symbols: ['BTC'], watchdog: { heartbeatInterval: '1s', staleAfter: '5s', maxRestarts: 1, backoff: { initial: 0 } } });

describe('restarts and failures are told the moment they are decided, by either path', () => {
  it('a watchdog pass that finds a silent shard tells one LOST restart, at the pass, and never again for it', async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign(config);
    await f.drain();
    const key = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
    await f.store.forTask(key, 0).heartbeat(progress(10));
    await f.watchdog.pass();
    expect(f.told).toEqual([]);
    // Silent from now on: suspect after staleAfter, restart once confirmed.
    for (let i = 0; i < 40 && f.told.length === 0; i++) {
      f.clock.advance(250);
      await f.watchdog.pass();
    }
    expect(f.told).toEqual([{ what: 'restarted', cause: 'LOST', at: f.clock.now() }]);
    expect((await f.store.getShard(key))?.generation).toBe(1);
    for (let i = 0; i < 8; i++) {
      f.clock.advance(250);
      await f.watchdog.pass();
    }
    expect(f.told).toHaveLength(1);
  });

  it('a task end reported by the runtime tells one CRASHED restart, a duplicate report nothing; the restart budget spent, one failed shard', async () => {
    const f = fleet();
    const { view } = await f.campaigns.createCampaign(config);
    await f.drain();
    const key = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
    const first = (await f.store.getShard(key))?.taskId as string;
    const crash = (taskId: string, generation: number) =>
      f.watchdog.onTaskStopped({ key, generation, taskId, state: 'STOPPED', exitCode: 1, stoppedAt: f.clock.now() });
    expect(await crash(first, 0)).toBe('restart');
    expect(await crash(first, 0)).toBe('ignore');
    expect(f.told).toEqual([{ what: 'restarted', cause: 'CRASHED', at: T0 }]);

    await f.drain();
    const second = (await f.store.getShard(key))?.taskId as string;
    f.clock.advance(1_000);
    expect(await crash(second, 1)).toBe('fail'); // maxRestarts 1: spent
    expect(f.told).toEqual([
      { what: 'restarted', cause: 'CRASHED', at: T0 },
      { what: 'failed', at: T0 + 1_000 },
    ]);
  });
});

describe('the scheduler tick', () => {
  it('advances every live campaign when one of them throws, reports that one, and advances it on a later tick', async () => {
    const f = fleet();
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const { view } = await f.campaigns.createCampaign({ ...config, name, duration: '1m' });
      ids.push(view.campaign.campaignId);
    }
    await f.drain();
    const [one, two, three] = ids as [string, string, string];
    f.store.broken.add(two);
    f.clock.advance(61_000); // past every campaign's endsAt
    const tick = await f.scheduler.tick();
    expect(tick.failed).toEqual([{ campaignId: two, error: expect.stringMatching(/InternalServerError \(injected/) }]);
    const status = async (id: string) => (await f.store.getCampaign(id))?.status;
    expect([await status(one), await status(two), await status(three)]).toEqual(['STOPPING', 'RUNNING', 'STOPPING']);

    f.store.broken.clear();
    expect((await f.scheduler.tick()).failed).toEqual([]);
    expect(await status(two)).toBe('STOPPING');
  });
});
