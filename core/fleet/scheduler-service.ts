import type { EpochMs } from '../clock.js';
import { StateConflictError, VersionConflictError } from '../errors.js';
import { isTerminalCampaign, transitionCampaign } from './campaign-lifecycle.js';
import { CampaignService, USER_STOP_REASON } from './campaign-service.js';
import type { FleetContext } from './fleet-context.js';
import type { CampaignRecord } from '../model/records.js';
import { isActiveShard, isTerminalShard, transitionShard } from './shard-lifecycle.js';
import { campaignStopReason } from './watchdog-policy.js';

/** How long after `endsAt` the engines get to close their trades and exit on their own. */
export const END_GRACE_MS = 10_000;
export const MAX_RUNTIME_REASON = 'Max runtime reached';
/** Why a campaign ends before its maximum runtime: every shard finished its work (a replay that ran out, a virtual-time campaign). */
export const ALL_SHARDS_DONE_REASON = 'every shard completed';

/** What one scheduler tick did. */
export interface SchedulerTick {
  finished: string[];
  /** Campaigns whose step threw something other than a lost race; they are tried again next tick. */
  failed: { campaignId: string; error: string }[];
}

/**
 * The campaign clock: starts scheduled campaigns when due, moves campaigns past their maximum
 * runtime to STOPPING (engines end themselves at `endsAt`; tasks still running `END_GRACE_MS`
 * later are stopped), moves a running campaign whose shards have all ended (their replays ran
 * out, or a virtual-time campaign, which has no `endsAt`) to STOPPING, and completes a stopping
 * campaign once every shard is terminal.
 */
export class SchedulerService {
  private readonly campaigns: CampaignService;

  constructor(private readonly ctx: FleetContext) {
    this.campaigns = new CampaignService(ctx);
  }

  /**
   * One tick over the live campaigns (the store's index of non-terminal campaigns, never a scan).
   * Each campaign is advanced on its own: one that throws (a lost race, an AWS error, a bad
   * record) is logged and reported in `failed`, and the others still advance; the next tick
   * tries it again.
   * @returns the ids it finished (COMPLETED, CANCELLED or FAILED) and the campaigns that failed to advance, with why.
   */
  async tick(): Promise<SchedulerTick> {
    const finished: string[] = [];
    const failed: { campaignId: string; error: string }[] = [];
    for (const campaign of await this.ctx.store.listLiveCampaigns()) {
      if (isTerminalCampaign(campaign.status)) continue; // the index lags a moment behind the table
      try {
        if (await this.advance(campaign)) finished.push(campaign.campaignId);
      } catch (error) {
        // Raced with another writer (a lost compare-and-set, or a step its copy no longer allows): next tick.
        if (error instanceof VersionConflictError || error instanceof StateConflictError) continue;
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        failed.push({ campaignId: campaign.campaignId, error: message });
        this.ctx.log.log('error', 'scheduler could not advance campaign', { campaignId: campaign.campaignId, status: campaign.status, error: message });
      }
    }
    return { finished, failed };
  }

  private async advance(campaign: CampaignRecord): Promise<boolean> {
    const { store, clock } = this.ctx;
    const now = clock.now();
    if (campaign.status === 'SCHEDULED') {
      if (campaign.startAt !== undefined && campaign.startAt > now) return false;
      const step = transitionCampaign(campaign, 'STARTING', now, { reason: 'scheduled start' });
      await store.updateCampaign(campaign.campaignId, campaign.version, step.patch);
      await store.appendEvents([step.event]);
      await this.campaigns.enqueueLaunches(step.record, await store.listShards(campaign.campaignId));
      return false;
    }
    if ((campaign.status === 'STARTING' || campaign.status === 'RUNNING') && campaign.endsAt !== undefined && now >= campaign.endsAt) {
      const step = transitionCampaign(campaign, 'STOPPING', now, { reason: MAX_RUNTIME_REASON });
      await store.updateCampaign(campaign.campaignId, campaign.version, step.patch);
      await store.appendEvents([step.event]);
      this.ctx.log.log('info', 'campaign stopping', { campaignId: campaign.campaignId, reason: MAX_RUNTIME_REASON });
      return false;
    }
    if (campaign.status === 'RUNNING' && (await this.everyShardEnded(campaign))) {
      const step = transitionCampaign(campaign, 'STOPPING', now, { reason: ALL_SHARDS_DONE_REASON });
      await store.updateCampaign(campaign.campaignId, campaign.version, step.patch);
      await store.appendEvents([step.event]);
      this.ctx.log.log('info', 'campaign stopping', { campaignId: campaign.campaignId, reason: ALL_SHARDS_DONE_REASON });
      return false;
    }
    if (campaign.status === 'STOPPING') return this.finishStopping(campaign, now);
    return false;
  }

  /** Every shard has ended (COMPLETED, or FAILED under `onShardFailure: continue`): nothing is left to run. */
  private async everyShardEnded(campaign: CampaignRecord): Promise<boolean> {
    const shards = await this.ctx.store.listShards(campaign.campaignId);
    return shards.length > 0 && shards.every((s) => isTerminalShard(s.status));
  }

  private async finishStopping(campaign: CampaignRecord, now: EpochMs): Promise<boolean> {
    const { store, launcher } = this.ctx;
    const userStop = campaign.endReason === USER_STOP_REASON;
    const graceOver = userStop || campaign.endsAt === undefined || now >= campaign.endsAt + END_GRACE_MS;
    let live = 0;
    for (const shard of await store.listShards(campaign.campaignId)) {
      if (!isActiveShard(shard.status)) continue;
      if (shard.taskId === undefined) {
        // Nothing the fleet knows of runs for it (waiting for a launch or in backoff): it ends here,
        // one generation on as a fence. A launch of its generation may have started a task whose id
        // never reached the record (RunTask's answer lost, the launch's compare-and-set failed): the
        // store refuses that task's first heartbeat or commit, and it exits 3 without writing.
        const step = transitionShard(shard, 'COMPLETED', now, { reason: 'campaign ended before its relaunch' });
        await store.updateShard({ campaignId: shard.campaignId, shardId: shard.shardId }, shard.version, { ...step.patch, generation: shard.generation + 1 });
        await store.appendEvents([step.event]);
        continue;
      }
      live++;
      if (graceOver) await launcher.stop(shard.taskId, campaignStopReason(userStop ? 'cancelled' : 'ended'));
    }
    if (live > 0) return false;
    const fresh = (await store.getCampaign(campaign.campaignId)) ?? campaign;
    const step = transitionCampaign(fresh, userStop ? 'CANCELLED' : 'COMPLETED', now, { reason: fresh.endReason ?? MAX_RUNTIME_REASON });
    await store.updateCampaign(fresh.campaignId, fresh.version, step.patch);
    await store.appendEvents([step.event]);
    this.ctx.log.log('info', 'campaign ended', { campaignId: campaign.campaignId, status: step.record.status, reason: step.record.endReason });
    return true;
  }
}
