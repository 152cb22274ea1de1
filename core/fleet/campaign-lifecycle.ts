/**
 * The campaign state machine:
 * `SCHEDULED → STARTING → RUNNING → STOPPING → COMPLETED`, or `CANCELLED` (stopped by a user)
 * or `FAILED` (a shard exhausted its restart budget and `onShardFailure` is `fail`).
 *
 * Pure: a transition returns the patched record, the patch to store (compare-and-set on
 * `version`, which the caller owns) and the lifecycle event to append.
 */
import { asEpochMs, type EpochMs } from '../clock.js';
import type { CampaignPatch } from '../ports.js';
import { StateConflictError } from '../errors.js';
import { isVirtualClock, type CampaignRecord, type CampaignStatus, type LifecycleEvent } from '../model/records.js';

/** The `type` of the lifecycle event every campaign transition records. */
export const CAMPAIGN_STATUS_EVENT = 'campaign.status';

/**
 * Where a campaign may go from each status. Beyond the main line:
 * - `CANCELLED` from any live status: a user stop (via `STOPPING` while tasks wind down, or
 *   directly when nothing runs yet);
 * - `FAILED` from `STARTING`, `RUNNING` or `STOPPING`: a shard failed and the policy says fail;
 * - `STARTING → STOPPING`: the campaign reached its end before every shard came up.
 */
export const CAMPAIGN_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  SCHEDULED: ['STARTING', 'CANCELLED'],
  STARTING: ['RUNNING', 'STOPPING', 'CANCELLED', 'FAILED'],
  RUNNING: ['STOPPING', 'CANCELLED', 'FAILED'],
  STOPPING: ['COMPLETED', 'CANCELLED', 'FAILED'],
  COMPLETED: [],
  CANCELLED: [],
  FAILED: [],
};

/** What a caller knows about a campaign transition. */
export interface CampaignTransitionNote {
  /** Why, in words a person reads in the report (e.g. `stopped by user`, `duration reached`). */
  reason?: string;
  /** The shard behind the transition (a failed shard that fails the campaign). */
  shardId?: string;
  /** On `STARTING`: overrides `now + config.duration` as the moment the scheduler ends the campaign. */
  endsAt?: EpochMs;
}

/** One transition's result: the record as it now is, the patch to store, the event to append. */
export interface CampaignStep {
  record: CampaignRecord;
  patch: CampaignPatch;
  event: LifecycleEvent;
}

/** True for `COMPLETED`, `CANCELLED` and `FAILED`: nothing leaves them. */
export function isTerminalCampaign(status: CampaignStatus): boolean {
  return CAMPAIGN_TRANSITIONS[status].length === 0;
}

/** True when the table allows `from → to`. */
export function canTransitionCampaign(from: CampaignStatus, to: CampaignStatus): boolean {
  return CAMPAIGN_TRANSITIONS[from].includes(to);
}

/**
 * Moves a campaign to `to` at `now` (ms). Sets `updatedAt`, and:
 * - on `STARTING`: `startedAt = now` and `endsAt = now + config.duration` (unless `note.endsAt`),
 *   so a campaign whose shards never come up still ends at its maximum runtime; a `clock: virtual`
 *   campaign has no wall-clock end (its duration is recorded time): it ends when every shard has;
 * - on `STOPPING`: `endReason` (the note's reason, e.g. `duration reached` or `stopped by user`);
 * - on a terminal status: `endedAt = now` and `endReason` (the note's, else the one given when
 *   stopping, else the status in words).
 * `version` is left alone: the store bumps it on a successful compare-and-set.
 *
 * @throws StateConflictError naming both statuses when the table does not allow the transition.
 */
export function transitionCampaign(record: CampaignRecord, to: CampaignStatus, now: EpochMs, note: CampaignTransitionNote = {}): CampaignStep {
  const from = record.status;
  if (!canTransitionCampaign(from, to)) {
    const allowed = CAMPAIGN_TRANSITIONS[from];
    const why = allowed.length === 0 ? `${from} is terminal` : `from ${from} it may go to ${allowed.join(', ')}`;
    throw new StateConflictError(`campaign ${record.campaignId} cannot go from ${from} to ${to}: ${why}`);
  }

  const patch: CampaignPatch = { status: to, updatedAt: now };
  if (to === 'STARTING') {
    patch.startedAt = now;
    const durationSec = record.config['duration'];
    const endsAt = note.endsAt ?? (typeof durationSec === 'number' && !isVirtualClock(record.config) ? asEpochMs(now + durationSec * 1000) : undefined);
    if (endsAt !== undefined) patch.endsAt = endsAt;
  }
  if (to === 'STOPPING' && note.reason !== undefined) patch.endReason = note.reason;
  if (isTerminalCampaign(to)) {
    patch.endedAt = now;
    patch.endReason = note.reason ?? record.endReason ?? to.toLowerCase();
  }

  const detail: Record<string, unknown> = {};
  if (note.reason !== undefined) detail['reason'] = note.reason;
  if (patch.endsAt !== undefined) detail['endsAt'] = patch.endsAt;
  const event: LifecycleEvent = { at: now, campaignId: record.campaignId, type: CAMPAIGN_STATUS_EVENT, from, to };
  if (note.shardId !== undefined) event.shardId = note.shardId;
  if (Object.keys(detail).length > 0) event.detail = detail;

  return { record: { ...record, ...patch }, patch, event };
}

/**
 * What a campaign does when one of its shards has failed (its restart budget spent, or bad input it will never accept):
 * with `config.onShardFailure` `fail` (the default) a live campaign goes to `FAILED`; with
 * `continue`, or when the campaign has already ended, nothing changes (`undefined`).
 */
export function campaignAfterShardFailure(
  record: CampaignRecord,
  shardId: string,
  now: EpochMs,
  why = 'exhausted its restart budget',
): CampaignStep | undefined {
  if (record.config['onShardFailure'] === 'continue') return undefined;
  if (!canTransitionCampaign(record.status, 'FAILED')) return undefined;
  return transitionCampaign(record, 'FAILED', now, { reason: `shard ${shardId} failed: ${why}`, shardId });
}
