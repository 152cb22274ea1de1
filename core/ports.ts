/**
 * The ports of arbfleet: interfaces that core services and the engine depend on. Adapters live
 * in `core/local/` (embedded defaults) and `core/aws/`; a contract suite in `test/contract/`
 * runs against every adapter of a port.
 */
import type { Checkpoint } from './model/checkpoint.js';
import type { Fill } from './model/fill.js';
import type { Progress } from './model/progress.js';

export type { Clock } from './clock.js';

/** Identifies one shard of one campaign. */
export interface ShardKey {
  campaignId: string;
  shardId: string;
}

/** What a task resumes from: the last checkpoint and the fills committed after it. */
export interface RestorePoint {
  checkpoint: Checkpoint | null;
  /** Fills with `seq` above the checkpoint's `lastFillSeq`, in `seq` order. */
  ledgerTail: Fill[];
}

/**
 * The engine's persistence port, bound to one shard and one generation. Every write is fenced:
 * when the shard's current generation is no longer this one, the write changes nothing and
 * rejects with `FencedOutError`, and the engine exits without writing more.
 */
export interface ShardPersistence {
  readonly key: ShardKey;
  readonly generation: number;
  /** The state to resume from (a fresh shard has no checkpoint and no fills). */
  restore(): Promise<RestorePoint>;
  /** Records progress as this generation's heartbeat. */
  heartbeat(progress: Progress): Promise<void>;
  /**
   * Appends `fills` to the ledger and, with them, replaces the checkpoint when one is given:
   * all or nothing. Fills already in the ledger (same `seq`) are an error, never a duplicate.
   */
  commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void>;
}

import type { CampaignRecord, Heartbeat, LifecycleEvent, ShardRecord } from './fleet/records.js';

/** The control-plane fields of a shard that an update may change (never the heartbeat). */
export type ShardPatch = Partial<Omit<ShardRecord, 'campaignId' | 'shardId' | 'index' | 'symbols' | 'heartbeat' | 'version'>>;
/** The fields of a campaign that an update may change. */
export type CampaignPatch = Partial<Omit<CampaignRecord, 'campaignId' | 'config' | 'symbols' | 'shardCount' | 'createdAt' | 'version'>>;

/**
 * The campaign/shard store shared by the control plane and the tasks: SQLite locally, DynamoDB on
 * AWS. Control-plane updates are compare-and-set on `version`; task writes are fenced by
 * `generation` and never touch `version`, so heartbeats cannot make control-plane updates fail.
 */
export interface CampaignStore {
  /**
   * Creates a campaign and its shards atomically. With an `idempotencyKey` already used, returns
   * the existing campaign instead and creates nothing.
   */
  createCampaign(campaign: CampaignRecord, shards: ShardRecord[]): Promise<{ campaign: CampaignRecord; created: boolean }>;
  getCampaign(campaignId: string): Promise<CampaignRecord | undefined>;
  listCampaigns(): Promise<CampaignRecord[]>;
  /** Compare-and-set: applies `patch` only if the stored version is `expectedVersion`; else `ConflictError`. */
  updateCampaign(campaignId: string, expectedVersion: number, patch: CampaignPatch): Promise<CampaignRecord>;

  getShard(key: ShardKey): Promise<ShardRecord | undefined>;
  listShards(campaignId: string): Promise<ShardRecord[]>;
  /** Shards not in a terminal status, across campaigns, through an index (never a scan). */
  listActiveShards(): Promise<ShardRecord[]>;
  /** Compare-and-set on `version`; `ConflictError` when someone else updated first. */
  updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch): Promise<ShardRecord>;

  /** The engine's port for one generation of one shard (fenced heartbeats and commits). */
  forTask(key: ShardKey, generation: number): ShardPersistence;
  /** Every fill of a shard, in `seq` order, across generations. */
  readLedger(key: ShardKey): Promise<Fill[]>;
  /** Every heartbeat of a shard, oldest first, across generations (the report's time series). */
  readHeartbeats(key: ShardKey): Promise<Heartbeat[]>;
  /** The shard's last checkpoint, if any. */
  readCheckpoint(key: ShardKey): Promise<Checkpoint | undefined>;

  appendEvents(events: LifecycleEvent[]): Promise<void>;
  listEvents(campaignId: string): Promise<LifecycleEvent[]>;
}
