import { ms } from '../../core/model/units.js';
import type { CampaignView, FleetApi } from '../../core/ports.js';
import { campaignFromObject } from '../../core/config/load-config.js';
import { StateConflictError, NotFoundError } from '../../core/errors.js';
import type { CampaignRecord, ShardRecord } from '../../core/model/records.js';
import { pendingShardRecord, planShards } from '../../core/fleet/shard-planner.js';

const T0 = Date.UTC(2026, 0, 1);
const ENDED = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

/**
 * An in-memory FleetApi for handler tests. Config validation is the real one
 * (`campaignFromObject`); everything else is a map. `writes` counts every change it makes, so a
 * test can prove a refused request created nothing.
 */
export class FakeFleetApi implements FleetApi {
  readonly campaigns = new Map<string, CampaignView>();
  readonly byIdempotencyKey = new Map<string, string>();
  /** Campaigns created plus campaigns stopped. */
  writes = 0;
  /** Every call, by method name, in order (e.g. to prove the fleet was never asked). */
  readonly calls: string[] = [];
  /** When set, the next call throws this instead of answering. */
  failNext: unknown;

  async createCampaign(config: unknown, options: { idempotencyKey?: string } = {}): Promise<{ view: CampaignView; created: boolean }> {
    this.enter('createCampaign');
    const campaign = campaignFromObject(config);
    const replayed = options.idempotencyKey === undefined ? undefined : this.byIdempotencyKey.get(options.idempotencyKey);
    if (replayed !== undefined) return { view: this.view(replayed), created: false };
    const campaignId = `c-${String(this.campaigns.size + 1).padStart(4, '0')}`;
    const symbols = campaign.symbols.map((s) => s.base);
    const plan = planShards(symbols, campaign.config.sharding.symbolsPerShard);
    const record: CampaignRecord = {
      campaignId,
      name: campaign.config.name,
      status: 'STARTING',
      config: campaign.config as unknown as Record<string, unknown>,
      symbols,
      shardCount: plan.length,
      createdAt: ms(T0),
      updatedAt: ms(T0),
      version: 0,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    };
    const shards: ShardRecord[] = plan.map((p) => pendingShardRecord(campaignId, p, ms(T0)));
    this.campaigns.set(campaignId, { campaign: record, shards });
    if (options.idempotencyKey !== undefined) this.byIdempotencyKey.set(options.idempotencyKey, campaignId);
    this.writes++;
    return { view: this.view(campaignId), created: true };
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    this.enter('listCampaigns');
    return [...this.campaigns.values()].map((v) => v.campaign);
  }

  async getCampaign(campaignId: string): Promise<CampaignView> {
    this.enter('getCampaign');
    return this.view(campaignId);
  }

  async stopCampaign(campaignId: string): Promise<CampaignView> {
    this.enter('stopCampaign');
    const { campaign, shards } = this.view(campaignId);
    if (ENDED.has(campaign.status)) throw new StateConflictError(`campaign ${campaignId} already ended ${campaign.status}`);
    this.campaigns.set(campaignId, { campaign: { ...campaign, status: 'CANCELLED', endReason: 'stopped by user', version: campaign.version + 1 }, shards });
    this.writes++;
    return this.view(campaignId);
  }

  async getReport(campaignId: string): Promise<unknown> {
    this.enter('getReport');
    const { campaign, shards } = this.view(campaignId);
    return { campaignId, name: campaign.name, status: campaign.status, shards: shards.length, totals: { trades: 0 } };
  }

  private enter(method: string): void {
    this.calls.push(method);
    if (this.failNext === undefined) return;
    const error = this.failNext;
    this.failNext = undefined;
    throw error;
  }

  private view(campaignId: string): CampaignView {
    const view = this.campaigns.get(campaignId);
    if (!view) throw new NotFoundError(`no campaign ${campaignId}`);
    return structuredClone(view);
  }
}
