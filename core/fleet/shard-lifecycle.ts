/**
 * The shard state machine:
 * `PENDING → LAUNCHING → RUNNING → COMPLETED`; on trouble `RUNNING | LAUNCHING → STALLED |
 * CRASHED | LOST → RESTARTING → LAUNCHING`, the generation (the fencing token) going up by one on
 * entering `RESTARTING`; `FAILED` when the restart budget (or, for stops from outside, the preemption budget) is spent.
 *
 * Pure: a transition returns the patched record, the patch to store (compare-and-set on
 * `version`, which the caller owns) and the lifecycle event to append. A patch key whose value is
 * `undefined` clears that field.
 */
import type { EpochMs } from '../clock.js';
import type { ShardPatch } from '../ports.js';
import { ProgrammingError, StateConflictError, ValidationError } from '../errors.js';
import {
  SHARD_STATUS_EVENT,
  type CauseDetail,
  type LifecycleEvent,
  type RestartCause,
  type RestartRecord,
  type ShardRecord,
  type ShardStatus,
} from '../model/records.js';

/** The event type, defined with the event record so the report reads it without the fleet; kept here for the transitions' callers. */
export { SHARD_STATUS_EVENT };

/** The statuses a restart leaves from: the shard's task is dead or about to be killed. */
export type TroubleStatus = Extract<ShardStatus, 'STALLED' | 'CRASHED' | 'LOST'>;

/**
 * Where a shard may go from each status. Beyond the main line:
 * - `RUNNING → RESTARTING`: a planned recycle (`RECYCLED`: memory near the limit), not trouble;
 * - `PENDING | RESTARTING → FAILED`: its launch was dead-lettered (it could never be launched);
 * - `→ COMPLETED` from every live status: the campaign ended (a task that exits 0 at the end, or
 *   a shard that was waiting to launch or to restart when the end came).
 */
export const SHARD_TRANSITIONS: Readonly<Record<ShardStatus, readonly ShardStatus[]>> = {
  PENDING: ['LAUNCHING', 'COMPLETED', 'FAILED'],
  LAUNCHING: ['RUNNING', 'STALLED', 'CRASHED', 'LOST', 'COMPLETED'],
  RUNNING: ['STALLED', 'CRASHED', 'LOST', 'RESTARTING', 'COMPLETED'],
  STALLED: ['RESTARTING', 'FAILED', 'COMPLETED'],
  CRASHED: ['RESTARTING', 'FAILED', 'COMPLETED'],
  LOST: ['RESTARTING', 'FAILED', 'COMPLETED'],
  RESTARTING: ['LAUNCHING', 'COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: [],
};

/** What ended (or is ending) a generation: the cause, its evidence, and when it began. */
export interface Incident {
  cause: RestartCause;
  detail: CauseDetail;
  /** Best estimate of when the trouble began (ms): last progress or heartbeat, or the exit. */
  failedAt: EpochMs;
}

/** What a caller knows about a shard transition. */
export interface ShardTransitionNote {
  /** Why, in words a person reads in the report. */
  reason?: string;
  /**
   * Required on entering `STALLED | CRASHED | LOST`, and on `RUNNING → RESTARTING` (a recycle):
   * appended to `restarts` as the record of this incident.
   */
  incident?: Incident;
  /** On `LAUNCHING`: the task now running this generation, when already known. */
  taskId?: string;
  /** On `RESTARTING`: the delay before the next launch, in seconds (default 0); it becomes the shard's `backoffSec`… */
  backoffSec?: number;
  /** …unless this is set (a preemption): the delay is used once and the shard's `backoffSec` stays as it was. */
  keepBackoff?: boolean;
  /** On `RUNNING`: when the generation's first heartbeat arrived (default `now`). */
  firstHeartbeatAt?: EpochMs;
}

/** One transition's result: the record as it now is, the patch to store, the event to append. */
export interface ShardStep {
  record: ShardRecord;
  patch: ShardPatch;
  event: LifecycleEvent;
}

/** Several transitions applied in one store update: the merged patch and every event, in order. */
export interface ShardSteps {
  record: ShardRecord;
  patch: ShardPatch;
  events: LifecycleEvent[];
}

/** True for `COMPLETED` and `FAILED`: nothing leaves them. */
export function isTerminalShard(status: ShardStatus): boolean {
  return SHARD_TRANSITIONS[status].length === 0;
}

/**
 * True for every status that is not terminal: the shard is in the store's index of active shards
 * and the watchdog visits it.
 */
export function isActiveShard(status: ShardStatus): boolean {
  return !isTerminalShard(status);
}

/** True for `STALLED`, `CRASHED` and `LOST`. */
export function isTroubleShard(status: ShardStatus): status is TroubleStatus {
  return status === 'STALLED' || status === 'CRASHED' || status === 'LOST';
}

/** True when the table allows `from → to`. */
export function canTransitionShard(from: ShardStatus, to: ShardStatus): boolean {
  return SHARD_TRANSITIONS[from].includes(to);
}

/**
 * The trouble status a cause puts a shard in: an OOM kill is a crash, a launch that never
 * heartbeated is lost, and so is a task taken away from outside (`PREEMPTED`: its host or its
 * capacity went, as with a lost host; the restart record keeps the cause apart). `RECYCLED` is
 * planned and has none (the shard goes straight to `RESTARTING`).
 */
export function troubleStatusFor(cause: RestartCause): TroubleStatus | undefined {
  switch (cause) {
    case 'STALLED':
      return 'STALLED';
    case 'CRASHED':
    case 'OOM':
      return 'CRASHED';
    case 'LOST':
    case 'LAUNCH_TIMEOUT':
    case 'PREEMPTED':
    case 'STORE_UNAVAILABLE':
      return 'LOST';
    case 'RECYCLED':
      return undefined;
  }
}

/**
 * Moves a shard to `to` at `now` (ms). Sets `updatedAt`, and:
 * - on `LAUNCHING`: `launchedAt = now`, `taskId` (the note's, else cleared), backoff wait cleared;
 * - on `RUNNING`: `healthySince`; closes the open restart record (`restartedAt`, `downtimeSec`);
 * - on `STALLED | CRASHED | LOST` (and a recycle): appends the incident to `restarts`, and raises
 *   `peakRssBytes` to the incident's last RSS;
 * - on `RESTARTING`: `generation + 1`, `backoffSec` (unchanged with `keepBackoff`) and
 *   `launchNotBefore = now + backoff`, and
 *   clears what belonged to the old generation (task, observations, suspicion).
 * `version` is left alone: the store bumps it on a successful compare-and-set.
 *
 * @throws StateConflictError naming both statuses when the table does not allow the transition.
 * @throws ValidationError when a transition that records an incident is given none, or one whose
 *   cause does not lead to `to`.
 */
export function transitionShard(record: ShardRecord, to: ShardStatus, now: EpochMs, note: ShardTransitionNote = {}): ShardStep {
  const from = record.status;
  if (!canTransitionShard(from, to)) {
    const allowed = SHARD_TRANSITIONS[from];
    const why = allowed.length === 0 ? `${from} is terminal` : `from ${from} it may go to ${allowed.join(', ')}`;
    throw new StateConflictError(
      `shard ${record.shardId} of campaign ${record.campaignId} (generation ${record.generation}) cannot go from ${from} to ${to}: ${why}`,
    );
  }
  const incident = incidentFor(record, to, note);

  const patch: ShardPatch = { status: to, updatedAt: now, suspectSince: undefined };
  if (incident) {
    patch.restarts = [...record.restarts, restartRecord(record, incident, now)];
    patch.healthySince = undefined;
    const lastRss = incident.detail.lastRssBytes;
    if (typeof lastRss === 'number' && lastRss > record.peakRssBytes) patch.peakRssBytes = lastRss;
  }
  // A launch that happened, or a new generation, starts the count of re-queued launches afresh.
  if ((to === 'LAUNCHING' || to === 'RESTARTING') && record.launchRequeues !== undefined) patch.launchRequeues = undefined;
  switch (to) {
    case 'LAUNCHING':
      Object.assign(patch, { launchedAt: now, taskId: note.taskId, launchNotBefore: undefined });
      break;
    case 'RUNNING':
      patch.healthySince = now;
      closeOpenRestart(record, note.firstHeartbeatAt ?? now, patch);
      break;
    case 'RESTARTING': {
      const backoffSec = note.backoffSec ?? 0;
      Object.assign(patch, {
        generation: record.generation + 1,
        backoffSec: note.keepBackoff === true ? record.backoffSec : backoffSec,
        launchNotBefore: now + backoffSec * 1000,
        taskId: undefined,
        launchedAt: undefined,
        healthySince: undefined,
        observedTicks: undefined,
        observedTicksSince: undefined,
      });
      break;
    }
    default:
      break;
  }

  const next: ShardRecord = { ...record, ...patch };
  return { record: next, patch, event: shardEvent(record, next, now, note, incident) };
}

/**
 * Restarts a shard after an incident, in one store update: into the incident's trouble status
 * (recording it), then `RESTARTING` with the next generation and `backoffSec` of backoff.
 * A recycle goes straight from `RUNNING` to `RESTARTING`. A `PREEMPTED` restart waits
 * `backoffSec` (the minimum backoff, `preemptionDelaySec`) but leaves the shard's `backoffSec` as
 * it was: a stop from outside neither grows the backoff nor resets it.
 */
export function restartShard(record: ShardRecord, incident: Incident, now: EpochMs, backoffSec: number, reason?: string): ShardSteps {
  const trouble = troubleStatusFor(incident.cause);
  const why = reason === undefined ? {} : { reason };
  if (!trouble) return merge([transitionShard(record, 'RESTARTING', now, { incident, backoffSec, ...why })]);
  const first = transitionShard(record, trouble, now, { incident, ...why });
  const keepBackoff = incident.cause === 'PREEMPTED' || incident.cause === 'STORE_UNAVAILABLE' ? { keepBackoff: true } : {};
  return merge([first, transitionShard(first.record, 'RESTARTING', now, { backoffSec, ...keepBackoff })]);
}

/**
 * Fails a shard whose restart budget is spent, in one store update: into the incident's trouble
 * status (recording it), then `FAILED`.
 *
 * @throws ProgrammingError for a `RECYCLED` incident: a recycle is a precaution, never a reason to fail.
 */
export function failShard(record: ShardRecord, incident: Incident, now: EpochMs, reason: string): ShardSteps {
  const trouble = troubleStatusFor(incident.cause);
  if (!trouble) {
    throw new ProgrammingError(`shard ${record.shardId} of campaign ${record.campaignId}: a ${incident.cause} incident never fails a shard`);
  }
  const first = transitionShard(record, trouble, now, { incident });
  return merge([first, transitionShard(first.record, 'FAILED', now, { reason })]);
}

function incidentFor(record: ShardRecord, to: ShardStatus, note: ShardTransitionNote): Incident | undefined {
  const recycle = record.status === 'RUNNING' && to === 'RESTARTING';
  if (!isTroubleShard(to) && !recycle) return undefined;
  const where = `shard ${record.shardId} of campaign ${record.campaignId}`;
  if (!note.incident) {
    throw new ValidationError([{ path: 'incident', message: `required to move ${where} from ${record.status} to ${to}` }]);
  }
  const expected = troubleStatusFor(note.incident.cause);
  if (recycle ? expected !== undefined : expected !== to) {
    const leadsTo = expected ?? 'RESTARTING (a recycle, from RUNNING)';
    throw new ValidationError([{ path: 'incident.cause', message: `${note.incident.cause} leads to ${leadsTo}, not to ${to} (${where})` }]);
  }
  return note.incident;
}

function restartRecord(record: ShardRecord, incident: Incident, now: EpochMs): RestartRecord {
  return {
    fromGeneration: record.generation,
    cause: incident.cause,
    detail: incident.detail,
    failedAt: incident.failedAt,
    detectedAt: now,
    detectionDelaySec: Math.max(0, now - incident.failedAt) / 1000,
  };
}

/** The newest restart record without `restartedAt` gets one: the new generation is trading. */
function closeOpenRestart(record: ShardRecord, restartedAt: EpochMs, patch: ShardPatch): void {
  const last = record.restarts.at(-1);
  if (!last || last.restartedAt !== undefined || last.fromGeneration >= record.generation) return;
  const closed: RestartRecord = { ...last, restartedAt, downtimeSec: Math.max(0, restartedAt - last.failedAt) / 1000 };
  patch.restarts = [...record.restarts.slice(0, -1), closed];
}

function shardEvent(before: ShardRecord, after: ShardRecord, now: EpochMs, note: ShardTransitionNote, incident?: Incident): LifecycleEvent {
  const detail: Record<string, unknown> = {};
  if (note.reason !== undefined) detail['reason'] = note.reason;
  if (incident) Object.assign(detail, incident.detail, { failedAt: incident.failedAt });
  if (after.generation !== before.generation) {
    Object.assign(detail, { fromGeneration: before.generation, backoffSec: after.backoffSec, launchNotBefore: after.launchNotBefore });
  }
  if (after.status === 'LAUNCHING' && after.taskId !== undefined) detail['taskId'] = after.taskId;
  if (before.taskId !== undefined && after.taskId === undefined) detail['previousTaskId'] = before.taskId;

  const event: LifecycleEvent = {
    at: now,
    campaignId: before.campaignId,
    shardId: before.shardId,
    generation: after.generation,
    type: SHARD_STATUS_EVENT,
    from: before.status,
    to: after.status,
  };
  if (incident) event.cause = incident.cause;
  if (Object.keys(detail).length > 0) event.detail = detail;
  return event;
}

function merge(steps: [ShardStep, ...ShardStep[]]): ShardSteps {
  return {
    record: (steps.at(-1) as ShardStep).record,
    patch: Object.assign({}, ...steps.map((s) => s.patch)) as ShardPatch,
    events: steps.map((s) => s.event),
  };
}
