/**
 * A control plane's schedule side over a given store, on virtual time: the real campaign service
 * and schedule service, an in-memory launch queue, a launcher that never has tasks to stop. Runs
 * "end" when a test says so (the campaign record moves to COMPLETED), as a campaign's scheduler
 * would move it once its tasks exit.
 */
import type { VirtualClock } from '../../core/clock.js';
import { CampaignService } from '../../core/fleet/campaign-service.js';
import type { CampaignRecord } from '../../core/model/records.js';
import { MemoryLaunchQueue } from '../../core/local/memory-launch-queue.js';
import type { CampaignStore, ScheduleStore, TaskLauncher } from '../../core/ports.js';
import { ScheduleService, type ScheduleEvents } from '../../core/schedule/schedule-service.js';

const noTasks: TaskLauncher = {
  launch: async () => ({ taskId: 'never' }),
  stop: async () => undefined,
  describe: async () => [],
};

export interface ScheduleFleet {
  campaigns: CampaignService;
  schedules: ScheduleService;
  missed: { scheduleId: string; count: number }[];
  /** Campaigns this store holds that a schedule started, oldest first. */
  runs(scheduleId: string): Promise<CampaignRecord[]>;
  /** Ends a run as its scheduler would once its tasks exit. */
  finish(campaignId: string): Promise<void>;
  /** Ticks every `stepMs` until `until` (virtual time), as the control plane's loop would. */
  runUntil(until: number, stepMs?: number): Promise<void>;
}

export function scheduleFleet(store: CampaignStore & ScheduleStore, clock: VirtualClock, schedulesStore: ScheduleStore = store): ScheduleFleet {
  const campaigns = new CampaignService({
    store,
    queue: new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
    launcher: noTasks,
    clock,
    log: { log: () => undefined },
    taskEnvironment: () => ({}),
  });
  const missed: { scheduleId: string; count: number }[] = [];
  const events: ScheduleEvents = { missed: (scheduleId, count) => missed.push({ scheduleId, count }) };
  const schedules = new ScheduleService({ schedules: schedulesStore, store, campaigns, clock, log: { log: () => undefined }, events });
  return {
    campaigns,
    schedules,
    missed,
    async runs(scheduleId) {
      return (await store.listCampaigns()).filter((c) => c.scheduleId === scheduleId).sort((a, b) => (a.occurrence ?? 0) - (b.occurrence ?? 0));
    },
    async finish(campaignId) {
      const campaign = await store.getCampaign(campaignId);
      if (!campaign) throw new Error(`no campaign ${campaignId}`);
      await store.updateCampaign(campaignId, campaign.version, { status: 'COMPLETED', endedAt: clock.now(), endReason: 'test: run ended' });
    },
    async runUntil(until, stepMs = 60_000) {
      while (clock.now() < until) {
        clock.advance(Math.min(stepMs, until - clock.now()));
        await schedules.tick();
      }
    },
  };
}
