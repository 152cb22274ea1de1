import type { CampaignRecord, ShardRecord } from '../model/records.js';

/** A campaign with its shards, as the API returns it. */
export interface CampaignView {
  campaign: CampaignRecord;
  shards: ShardRecord[];
}

/**
 * What the HTTP API (the `api` Lambda and the local `--api-port` server) asks of the fleet.
 * Implemented by `core/fleet/fleet-service.ts`; the handler maps its errors to statuses:
 * `ValidationError` 400, `NotFoundError` 404, `ConflictError` 409.
 */
export interface FleetApi {
  /**
   * Validates `config` (a campaign config object, the same schema as the YAML files), plans
   * its shards and starts it (or schedules it). A repeated `idempotencyKey` returns the first
   * campaign with `created: false` and creates nothing.
   */
  createCampaign(config: unknown, options?: { idempotencyKey?: string }): Promise<{ view: CampaignView; created: boolean }>;
  listCampaigns(): Promise<CampaignRecord[]>;
  getCampaign(campaignId: string): Promise<CampaignView>;
  /** Stops a campaign a user no longer wants: it ends CANCELLED. `ConflictError` when already ended. */
  stopCampaign(campaignId: string): Promise<CampaignView>;
  /** The campaign's report as JSON (see `core/report/report-schema.ts`), built on demand. */
  getReport(campaignId: string): Promise<unknown>;
}
