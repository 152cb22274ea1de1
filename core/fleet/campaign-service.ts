import { asEpochMs } from '../clock.js';
import { randomBytes } from 'node:crypto';
import type { CampaignView, FleetApi } from '../ports.js';
import { campaignFromObject } from '../config/load-config.js';
import { IdempotencyKeyReusedError, NotFoundError, StateConflictError, ValidationError } from '../errors.js';
import { buildReport, loadReportInput } from '../report/build-report.js';
import { transitionCampaign } from './campaign-lifecycle.js';
import { launchDelaySec, type FleetContext } from './fleet-context.js';
import type { CampaignRecord, LifecycleEvent, ShardRecord } from '../model/records.js';
import { pendingShardRecord, planShards } from './shard-planner.js';
import { campaignStopReason } from './watchdog-policy.js';

/** How a campaign is created: an idempotency key, and the schedule occurrence it is a run of. */
export interface CreateCampaignOptions {
  idempotencyKey?: string;
  origin?: { scheduleId: string; occurrence: number };
}

/** The reason a user's stop leaves on a campaign; the scheduler ends such a campaign CANCELLED. */
export const USER_STOP_REASON = 'stopped by user';

/**
 * Starting, listing, stopping and reporting campaigns: what the HTTP API and the CLI call.
 * A started campaign has its shards planned and one launch message per shard queued.
 */
export class CampaignService implements FleetApi {
  constructor(private readonly ctx: FleetContext) {}

  async createCampaign(raw: unknown, options: CreateCampaignOptions = {}): Promise<{ view: CampaignView; created: boolean }> {
    const { config, symbols } = campaignFromObject(raw);
    if (config.schedule?.cron !== undefined) {
      throw new ValidationError([
        {
          path: 'schedule.cron',
          message: 'a recurring campaign is a schedule: create it with POST /schedules (arbfleet schedule create CONFIG), which takes its cron from here',
        },
      ]);
    }
    const now = this.ctx.clock.now();
    const campaignId = (this.ctx.newCampaignId ?? newCampaignId)(now);
    const startAt = config.schedule?.startAt ? asEpochMs(Date.parse(config.schedule.startAt)) : undefined;
    const plan = planShards(
      symbols.map((s) => s.base),
      config.sharding.symbolsPerShard,
    );
    let campaign: CampaignRecord = {
      campaignId,
      name: config.name,
      status: 'SCHEDULED',
      config: config as unknown as Record<string, unknown>,
      symbols: symbols.map((s) => s.base),
      shardCount: plan.length,
      createdAt: now,
      updatedAt: now,
      version: 0,
      ...(startAt !== undefined ? { startAt } : {}),
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(options.origin !== undefined ? { scheduleId: options.origin.scheduleId, occurrence: options.origin.occurrence } : {}),
    };
    const startsNow = startAt === undefined || startAt <= now;
    const events: LifecycleEvent[] = [
      { at: now, campaignId, type: 'campaign.created', to: 'SCHEDULED', detail: { shards: plan.length, symbols: campaign.symbols.length } },
    ];
    if (startsNow) {
      const step = transitionCampaign(campaign, 'STARTING', now, { reason: 'started' });
      campaign = step.record;
      events.push(step.event);
    }
    const shards: ShardRecord[] = plan.map((p) => pendingShardRecord(campaignId, p, now));
    const refused = this.ctx.admit?.(campaign, shards) ?? [];
    if (refused.length > 0) throw new ValidationError(refused);
    const result = await this.ctx.store.createCampaign(campaign, shards);
    if (!result.created) {
      const differences = configDifferences(result.campaign.config, campaign.config);
      if (differences.length > 0) throw new IdempotencyKeyReusedError(options.idempotencyKey ?? '', result.campaign.campaignId, differences);
      return { view: await this.getCampaign(result.campaign.campaignId), created: false };
    }
    await this.ctx.store.appendEvents(events);
    if (startsNow) await this.enqueueLaunches(campaign, shards);
    this.ctx.log.log('info', 'campaign created', { campaignId, name: campaign.name, shards: plan.length, status: campaign.status });
    return { view: { campaign: result.campaign, shards }, created: true };
  }

  /** Queues generation 0 of every shard (a campaign starting). */
  async enqueueLaunches(campaign: CampaignRecord, shards: readonly ShardRecord[]): Promise<void> {
    const now = this.ctx.clock.now();
    for (const shard of shards) {
      await this.ctx.queue.send(
        { campaignId: campaign.campaignId, shardId: shard.shardId, generation: shard.generation },
        launchDelaySec(shard.launchNotBefore, now),
      );
    }
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    return (await this.ctx.store.listCampaigns()).sort((a, b) => b.createdAt - a.createdAt);
  }

  async getCampaign(campaignId: string): Promise<CampaignView> {
    const campaign = await this.ctx.store.getCampaign(campaignId);
    if (!campaign) throw new NotFoundError(`no campaign ${campaignId}`);
    return { campaign, shards: await this.ctx.store.listShards(campaignId) };
  }

  /**
   * A user's stop: a scheduled campaign is cancelled at once; a live one goes to STOPPING, its
   * tasks are asked to stop, and the scheduler ends it CANCELLED once every shard has stopped.
   */
  async stopCampaign(campaignId: string): Promise<CampaignView> {
    const { campaign, shards } = await this.getCampaign(campaignId);
    const now = this.ctx.clock.now();
    if (campaign.status === 'STOPPING') throw new StateConflictError(`campaign ${campaignId} is already stopping (${campaign.endReason ?? 'ending'})`);
    const to = campaign.status === 'SCHEDULED' ? 'CANCELLED' : 'STOPPING';
    const step = transitionCampaign(campaign, to, now, { reason: USER_STOP_REASON });
    const updated = await this.ctx.store.updateCampaign(campaignId, campaign.version, step.patch);
    await this.ctx.store.appendEvents([step.event]);
    for (const shard of shards) {
      if (shard.taskId) await this.ctx.launcher.stop(shard.taskId, campaignStopReason('cancelled'));
    }
    this.ctx.log.log('info', 'campaign stopping', { campaignId, reason: USER_STOP_REASON });
    return { campaign: updated, shards };
  }

  async getReport(campaignId: string): Promise<unknown> {
    await this.getCampaign(campaignId);
    const input = await loadReportInput(this.ctx.store, campaignId, this.ctx.clock.now());
    const replayExtent = this.ctx.replayExtent?.(input.campaign);
    return buildReport(replayExtent === undefined ? input : { ...input, replayExtent });
  }
}

/** The top-level fields of two validated configs whose values differ (key order ignored). */
export function configDifferences(stored: Record<string, unknown>, given: Record<string, unknown>): string[] {
  const canonical = (value: unknown): string =>
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
        : v,
    );
  const fields = [...new Set([...Object.keys(stored), ...Object.keys(given)])].sort();
  return fields.filter((field) => canonical(stored[field]) !== canonical(given[field]));
}

/** `c-<time>-<random>`: sortable by creation, unique without coordination. */
function newCampaignId(now: number): string {
  return `c-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}
