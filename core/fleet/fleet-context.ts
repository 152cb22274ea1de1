import type { Clock } from '../clock.js';
import type { ReplayExtent } from '../data/replay-extent.js';
import type { FieldIssue } from '../errors.js';
import type { Logger } from '../log.js';
import type { CampaignStore, LaunchQueue, TaskLauncher } from '../ports.js';
import type { CampaignRecord, RestartCause, ShardRecord } from '../model/records.js';

/**
 * What the fleet's services share: the ports (store, queue, launcher), the clock and a logger.
 * Lambda handlers build it from AWS adapters, the local fleet from embedded ones.
 */
export interface FleetContext {
  store: CampaignStore;
  queue: LaunchQueue;
  launcher: TaskLauncher;
  clock: Clock;
  log: Logger;
  /** The environment a shard's task needs beyond its identity (config, store, end time...). */
  taskEnvironment(campaign: CampaignRecord, shard: ShardRecord): Record<string, string>;
  /**
   * The runtime's own front-door checks of a campaign about to be created (on AWS: Fargate size,
   * replay file inside the image, RunTask overrides size); issues make the create a ValidationError
   * (HTTP 400) and nothing is stored. Default: none.
   */
  admit?(campaign: CampaignRecord, shards: readonly ShardRecord[]): FieldIssue[];
  /**
   * Where a replay campaign's recorded files end (`core/data/replay-extent.ts`), for the report's
   * "Ran the full duration": the runtime reads them where it can (the local fleet); undefined leaves
   * an engine's feed-done on its word, and the row says so. Default: not read (on AWS).
   */
  replayExtent?(campaign: CampaignRecord): ReplayExtent | undefined;
  /** Told of restarts and failures as they are decided, by either detection path (on AWS: EMF metrics). Default: nobody. */
  events?: FleetEvents;
  /** New campaign ids (default: time-ordered and random). */
  newCampaignId?: (now: number) => string;
}

/** What the watchdog reports the moment it decides: one call per restarted or failed shard. */
export interface FleetEvents {
  restarted(cause: RestartCause, at: number): void;
  shardFailed(at: number): void;
  /**
   * A pass found a campaign's shards stale en masse and probed the store first
   * (`core/fleet/observer-policy.ts`): `storeOk` false when the probe failed (nothing restarted).
   */
  massStaleness?(storeOk: boolean, at: number): void;
}

/** SQS refuses delays above 15 minutes; a longer backoff is re-queued when the message comes back. */
export const MAX_QUEUE_DELAY_SEC = 900;

/** The queue delay for a launch not allowed before `notBefore` (ms), at `now`. */
export function launchDelaySec(notBefore: number | undefined, now: number): number {
  if (notBefore === undefined || notBefore <= now) return 0;
  return Math.min(MAX_QUEUE_DELAY_SEC, Math.ceil((notBefore - now) / 1000));
}
