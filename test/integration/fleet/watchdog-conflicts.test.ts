/**
 * What the watchdog shrugs off and what it does not (`movedMeanwhile` in
 * `core/fleet/watchdog-service.ts`): a write that meets a shard moved on since it was read (a lost
 * compare-and-set, `VersionConflictError`, or a step its stale copy's state refuses,
 * `StateConflictError`) is judged again next time; a `ProgrammingError` (a rule of the code broken)
 * is never swallowed as a conflict. The real SQLite store (its shard updates made to throw once),
 * the in-memory launch queue, a scripted launcher, virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { ProgrammingError, StateConflictError, VersionConflictError } from '../../../core/errors.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { WatchdogService } from '../../../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { ShardKey, ShardPatch } from '../../../core/ports.js';
import { campaignInput } from '../../support/campaigns.js';
import { MapLauncher } from '../../support/map-launcher.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A SQLite store whose next shard update throws `failNext` instead of writing. */
class FailingOnce extends SqliteCampaignStore {
  failNext: Error | undefined;
  override async updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch) {
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
    return super.updateShard(key, expectedVersion, patch);
  }
}

async function launchedShard() {
  const clock = new VirtualClock(T0);
  const store = new FailingOnce(join(mkdtempSync(join(tmpdir(), 'arbfleet-conflicts-')), 'fleet.db'), clock);
  stores.push(store);
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const ctx: FleetContext = { store, queue, launcher: new MapLauncher(), clock, log: { log: () => undefined }, taskEnvironment: () => ({}) };
  const { view } = await new CampaignService(ctx).createCampaign(campaignInput({ symbols: ['BTC'], watchdog: { heartbeatInterval: '1s', staleAfter: '5s' } }));
  const launches = new LaunchService(ctx);
  for (const m of await queue.receive(10)) await launches.handle(m.body);
  const key = { campaignId: view.campaign.campaignId, shardId: 'shard-000' };
  const shard = await store.getShard(key);
  const crash = { key, generation: 0, taskId: shard?.taskId as string, state: 'STOPPED' as const, exitCode: 1, stoppedAt: clock.now() };
  return { store, key, crash, watchdog: new WatchdogService(ctx) };
}

describe('the watchdog and the conflicts it meets', () => {
  it('a crash whose restart loses its compare-and-set, or meets a state its copy no longer allows, is ignored now and judged again', async () => {
    for (const conflict of [
      new VersionConflictError('shard-000 is at version 4, not 3'),
      new StateConflictError('shard-000 cannot go from COMPLETED to CRASHED'),
    ]) {
      const f = await launchedShard();
      f.store.failNext = conflict;
      expect(await f.watchdog.onTaskStopped(f.crash)).toBe('ignore');
      expect(await f.store.getShard(f.key)).toMatchObject({ status: 'LAUNCHING', generation: 0 });
      // The next report of the same end is judged afresh, and restarts the shard.
      expect(await f.watchdog.onTaskStopped(f.crash)).toBe('restart');
      expect(await f.store.getShard(f.key)).toMatchObject({ status: 'RESTARTING', generation: 1 });
    }
  });

  it('a ProgrammingError is not swallowed as a conflict: it reaches the caller', async () => {
    const f = await launchedShard();
    f.store.failNext = new ProgrammingError('a rule of the code broken');
    await expect(f.watchdog.onTaskStopped(f.crash)).rejects.toBeInstanceOf(ProgrammingError);
  });
});
