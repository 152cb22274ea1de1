/**
 * The watchdog's judgement of one shard: a pure function of the shard record, its task's status
 * (when known), the time and the policy. The watchdog Lambda, the local control plane and the
 * ECS task-state-change handler all decide through `assessShard`; they only apply the verdict.
 *
 * Detection paths: a task that has STOPPED is judged at once (its own status is confirmation);
 * a heartbeat older than `staleAfter` means LOST, heartbeats whose progress stands still for
 * `staleAfter` mean STALLED (the heartbeat's `ticksSince` says since when; heartbeats written
 * without it fall back on the watchdog's own stored observation, `observedTicks`), and a launch without a heartbeat within `launchTimeout` means
 * LAUNCH_TIMEOUT; these three are confirmed before a kill (see `WatchdogPolicy.confirmAfterSec`).
 * RSS at `memoryRecycleAt` of the task's memory recycles the shard before the OOM killer does.
 *
 * Progress is the engine loop's `turns` when heartbeats carry them, else its ticks
 * (`progressCount`): turns advance while the market is quiet, so a quiet market or a recorded gap
 * is not a stall; the arrival of quotes is not what is judged.
 *
 * Every stop has an author (`stop-author.ts`): the fleet, the engine's own end (its final heartbeat
 * says `feed-done` or `deadline`), or outside. Only the first two complete a shard; an outside stop
 * before the campaign's end is a `PREEMPTED` restart from the checkpoint, paid from
 * `maxPreemptions`, never from `maxRestarts` (a Spot-heavy hour must not fail a campaign as if its
 * code crashed), after the minimum backoff.
 */
import { asEpochMs, type EpochMs } from '../clock.js';
import type { CampaignConfig } from '../config/campaign-config.js';
import { ProgrammingError } from '../errors.js';
import { ENGINE_EXIT } from '../exit-codes.js';
import type { Progress } from '../model/progress.js';
import type { TaskStatus } from '../ports.js';
import {
  nextBackoffSec,
  preemptionBudget,
  preemptionDelaySec,
  storeTroubleDelaySec,
  restartBudget,
  isBackoffReset,
  isOutsideCause,
  type BackoffPolicy,
  type RestartBudget,
} from './backoff.js';
import type { CauseDetail, Heartbeat, RestartCause, ShardRecord } from '../model/records.js';
import { isTerminalShard, isTroubleShard, type Incident } from './shard-lifecycle.js';
import { fleetStopReason, stopAuthor, type StopAuthor } from './stop-author.js';
import { progressCount } from './ticks-since.js';
import { shardTimeouts } from './timeouts.js';

export { fleetStopReason, isFleetStopReason } from './stop-author.js';

/** Everything the watchdog needs to judge a shard; build it from a config with `watchdogPolicyFor`. */
export interface WatchdogPolicy {
  /** How often a healthy task heartbeats (seconds). */
  heartbeatIntervalSec: number;
  /** A heartbeat this old, or progress standing still this long, is stale (seconds). */
  staleAfterSec: number;
  /** A launched task must heartbeat within this (seconds). */
  launchTimeoutSec: number;
  /** Fraction of `taskMemoryBytes` at which a shard is recycled (0.8 = 80%). */
  memoryRecycleAt: number;
  taskMemoryBytes: number;
  /**
   * How long a stale reading must persist before the task is killed (seconds). The first stale
   * reading only marks the shard suspect; a later reading still stale at `suspectSince +
   * confirmAfterSec` confirms it. That moment is a hard deadline: a frozen task still reports
   * itself RUNNING, so its own status can hasten a kill (STOPPED) but never postpone one.
   */
  confirmAfterSec: number;
  /** When the campaign ends (ms), if known: stops then are completion, and nothing restarts after. */
  campaignEndsAt?: number;
  /** The restart (crash) budget: at most this many restarts within `restartWindowSec`; preemptions are not counted. */
  maxRestarts: number;
  restartWindowSec: number;
  /** The preemption budget: at most this many `PREEMPTED` restarts within `restartWindowSec`. */
  maxPreemptions: number;
  backoff: BackoffPolicy;
}

/**
 * The overdue-launch deadline, in launch timeouts (`launchTimeout`, seconds): a launch overdue this
 * long since it was first due fails its shard. Time is the evidence, not a count of re-queues: a
 * re-queue lost to a transient fault (its message dropped, its delivery throwing and waiting out
 * the visibility timeout) is followed by the next one, however many were lost, until the deadline;
 * and a launch delivered and truly failing is the dead letter's to report, with its own cause
 * (`WatchdogService.failDeadLetteredLaunches`, after `maxReceives` deliveries: on AWS the launcher
 * brings a failed launch's message back after 30 s × its deliveries, `launchRetryDelaySec`, so the
 * five take about 5 minutes; locally the queue's 30 s visibility timeout, 2.5 minutes).
 *
 * Where 8 comes from: re-queues spaced exponentially, at 1, 2 and 4 launch timeouts after the
 * launch was due; the next doubling, 8, is the deadline, and one last re-queue at 7 gives the
 * launch a full launch timeout before it. That is more re-queues (4) over twice the time of the
 * count it replaces (`MAX_LAUNCH_REQUEUES = 3`: a shard failed 4 launch timeouts after its launch
 * was due, however many of those re-queues a fault storm had swallowed). With the default
 * `launchTimeout` (180 s) the deadline is 24 min; with the local fleet's (30 s), 4 min.
 */
export const LAUNCH_DEADLINE_TIMEOUTS = 8;

/** What to do about a shard waiting for a launch (PENDING or RESTARTING) that has not come. */
export type OverdueLaunch =
  | {
      kind: 'requeue';
      reason: string;
      /**
       * When the launch was first due (ms). The re-queue stores it as the shard's `launchNotBefore`
       * (a RESTARTING shard's already is; for a PENDING one it is a time past, so it delays
       * nothing), from which the deadline is counted once re-queues have moved `updatedAt`.
       */
      dueSince: number;
    }
  | { kind: 'fail'; reason: string };

/**
 * The reconciler's rule for a launch that never happened. A shard of a live campaign (STARTING
 * or RUNNING) that is PENDING or RESTARTING with no task has lost its launch message or never got
 * one (a step between the state change and the enqueue threw) once its launch has been due for
 * `launchTimeout`. It is due since `launchNotBefore`, its last update (the state change) or the
 * campaign's start (`campaignStartedAt`: a scheduled campaign's shards wait from their creation),
 * whichever is latest; once re-queued, since the `launchNotBefore` the first re-queue stored.
 *
 * The launch is queued again (launches are idempotent per generation), `launchRequeues` counting
 * the re-queues made: the k-th is due `launchTimeout × 2^(k−1)` after the launch was due (1, 2, 4
 * launch timeouts), and none later than one launch timeout before the deadline (7), nor sooner
 * than one launch timeout after the previous re-queue (`updatedAt`), so those a stopped watchdog
 * missed are not fired back to back. The shard fails at the first pass at which the launch has
 * been overdue for `LAUNCH_DEADLINE_TIMEOUTS × launchTimeout` and its last chance has passed: a
 * re-queue made no earlier than one launch timeout before the deadline, and a launch timeout
 * since. So at 8 launch timeouts when passes come on time; a watchdog back from an outage past
 * the deadline re-queues first and fails the shard one launch timeout later. Undefined while
 * nothing is due.
 */
export function overdueLaunch(shard: ShardRecord, now: number, launchTimeoutSec: number, campaignStartedAt?: number): OverdueLaunch | undefined {
  if ((shard.status !== 'PENDING' && shard.status !== 'RESTARTING') || shard.taskId !== undefined) return undefined;
  const timeoutMs = launchTimeoutSec * 1000;
  const requeues = shard.launchRequeues ?? 0;
  const lastAsked = Math.max(shard.launchNotBefore ?? 0, shard.updatedAt, campaignStartedAt ?? 0);
  const dueSince = requeues === 0 ? lastAsked : (shard.launchNotBefore ?? lastAsked);
  const deadlineMs = LAUNCH_DEADLINE_TIMEOUTS * timeoutMs;
  // The last chance: a re-queue made no earlier than one launch timeout before the deadline, then
  // given that launch timeout. One made long before (a watchdog down meanwhile, and likely the
  // launcher with it) is no such chance: the launch is re-queued once more first.
  const lastChanceAt = dueSince + deadlineMs - timeoutMs;
  const slot = Math.min(dueSince + timeoutMs * 2 ** requeues, lastChanceAt);
  if (now < Math.max(slot, lastAsked + timeoutMs)) return undefined;
  const late = `generation ${shard.generation} was due ${seconds(now - dueSince)} ago and never launched (launchTimeout ${launchTimeoutSec}s`;
  const deadline = `${LAUNCH_DEADLINE_TIMEOUTS} × launchTimeout = ${seconds(deadlineMs)}`;
  if (requeues > 0 && lastAsked >= lastChanceAt && now >= dueSince + deadlineMs) {
    return { kind: 'fail', reason: `launch never happened: ${late}, deadline ${deadline}), after ${requeues} re-queued launch(es)` };
  }
  return { kind: 'requeue', reason: `${late}; re-queue ${requeues + 1}, deadline ${deadline})`, dueSince };
}

export { CONFIRM_DEADLINE_SEC, CONFIRM_FRACTION, defaultConfirmAfterSec } from './timeouts.js';

/** The watchdog policy of a validated campaign config. */
export function watchdogPolicyFor(config: CampaignConfig, campaignEndsAt?: number): WatchdogPolicy {
  const w = config.watchdog;
  const policy: WatchdogPolicy = {
    heartbeatIntervalSec: w.heartbeatInterval,
    staleAfterSec: w.staleAfter,
    launchTimeoutSec: w.launchTimeout,
    memoryRecycleAt: w.memoryRecycleAt,
    taskMemoryBytes: config.task.memoryMiB * 1024 * 1024,
    confirmAfterSec: shardTimeouts(w).confirmAfterSec,
    maxRestarts: w.maxRestarts,
    restartWindowSec: w.restartWindow,
    maxPreemptions: w.maxPreemptions,
    backoff: w.backoff,
  };
  if (campaignEndsAt !== undefined) policy.campaignEndsAt = campaignEndsAt;
  return policy;
}

/**
 * The `stoppedReason` the control plane gives when it stops a task because its campaign is
 * ending (`ended`), was stopped by a user (`cancelled`) or has failed: a fleet stop
 * (`fleetStopReason`), so completion whatever the exit code. Launchers must carry the reason
 * given to `stop()` into `TaskStatus`.
 */
export function campaignStopReason(why: 'ended' | 'cancelled' | 'failed'): string {
  return fleetStopReason(`campaign ${why}`);
}

/** True when a task was stopped by the control plane because its campaign is ending. */
export function isCampaignStopReason(reason: string | undefined): boolean {
  return reason?.startsWith(CAMPAIGN_STOP_PREFIX) ?? false;
}

const CAMPAIGN_STOP_PREFIX = fleetStopReason('campaign ');

/** Evidence that the OOM killer (ECS's, the kernel's or V8's heap limit) ended a task. */
const OOM_PATTERN = /OutOfMemory|out of memory|OOMKilled/i;

/** A stopped task, judged: completion, or the cause of a restart with its evidence. */
export type StopClassification =
  | 'completed'
  | { cause: Extract<RestartCause, 'CRASHED' | 'OOM' | 'PREEMPTED' | 'STORE_UNAVAILABLE' | 'LOST'>; detail: CauseDetail; permanent?: true };

/**
 * Judges a STOPPED task by who ended it (`stopAuthor`), given `final`, the last heartbeat of its
 * generation (where the engine says why it stopped), and `campaignEndsAt` when known:
 * - completion: a fleet stop (`isFleetStopReason`: the campaign's end, a user's stop, …); any stop
 *   at or after `campaignEndsAt`; an exit 0 whose final heartbeat names the engine's own end
 *   (`feed-done`, `deadline`, or `feedDone`); an exit 0 that names nothing when no end is known
 *   (a `clock: virtual` campaign ends when its engines do);
 * - `OOM` when the runtime says so (the `oom` flag, `OutOfMemoryError` in `stopCode`/
 *   `stoppedReason`, V8's "heap out of memory" in the stderr tail), whoever asked for the stop;
 * - `PREEMPTED` for a stop from outside before the end: the detail names the signal (the process's
 *   own, or the one the engine's final heartbeat names) or the stop code and reason, with a note;
 *   and for an exit 0 before the end that names no end of its own (nothing says it finished: a
 *   restart from the checkpoint costs little, a shard wrongly complete loses the rest of its run);
 * - `STORE_UNAVAILABLE` for an exit `ENGINE_EXIT.STORE_UNAVAILABLE` (no signal, no OOM): the engine
 *   gave up on a busy or unreachable store (it could not write a heartbeat within its self-fence,
 *   or a commit within its commit bound, `core/fleet/timeouts.ts`, or could not open it); the note
 *   quotes its last stderr line, which says what it waited on; never a crash;
 * - for a task the runtime has no record of, no exit code and no signal (`isUnobservedEnd`: a
 *   predecessor's child after `arbfleet run --resume`, a task ECS forgot): its final heartbeat
 *   decides (`unobservedStop`): the engine's own end completes it, a signal it caught is
 *   `PREEMPTED`, anything else `LOST` (its end was not seen: not a crash);
 * - else `CRASHED` (a non-zero exit, another signal, or no exit code at all). An exit with
 *   `ENGINE_EXIT.BAD_INPUT` (no signal, no OOM: a config or data file the engine refuses) is
 *   `CRASHED` and `permanent`: the same input fails the same way on every relaunch.
 *
 * The engine's exit codes are `ENGINE_EXIT` (`core/exit-codes.ts`).
 *
 * @throws ProgrammingError when the task has not stopped.
 */
export function classifyStop(task: TaskStatus, campaignEndsAt?: number, final?: Progress): StopClassification {
  if (task.state !== 'STOPPED') throw new ProgrammingError(`task ${task.taskId} is ${task.state}, not STOPPED: there is no stop to classify`);
  const author = stopAuthor(task, final);
  if (author.by === 'fleet') return 'completed';
  if (campaignEndsAt !== undefined && task.stoppedAt !== undefined && task.stoppedAt >= campaignEndsAt) return 'completed';
  const signalled = task.signal !== undefined && task.signal !== null;
  const oom = task.oom === true || [task.stopCode, task.stoppedReason, task.stderrTail].some((t) => t !== undefined && OOM_PATTERN.test(t));
  const detail = stopDetail(task);
  if (!oom && author.by === 'outside') {
    if (author.signal !== undefined) detail.signal = author.signal;
    return { cause: 'PREEMPTED', detail: { ...detail, note: author.note } };
  }
  if (!oom && isUnobservedEnd(task)) return unobservedStop(author, detail, final);
  if (task.exitCode === 0 && !signalled) {
    if (author.by === 'engine' || campaignEndsAt === undefined) return 'completed';
    const note =
      "exited 0 before the campaign's end without saying it had finished (its final heartbeat names no end of its own): taken as a stop from outside";
    return { cause: 'PREEMPTED', detail: { ...detail, note } };
  }

  if (!signalled && (task.exitCode === undefined || task.exitCode === null)) {
    detail.note = 'the task stopped without an exit code (it may never have started)';
  }
  if (!oom && !signalled && task.exitCode === ENGINE_EXIT.STORE_UNAVAILABLE) {
    const said = lastLine(task.stderrTail ?? task.stoppedReason);
    detail.note = `the engine gave up on the store (exit ${ENGINE_EXIT.STORE_UNAVAILABLE})${said ? `: ${said}` : ''}`;
    return { cause: 'STORE_UNAVAILABLE', detail };
  }
  if (!oom && !signalled && task.exitCode === ENGINE_EXIT.BAD_INPUT) {
    detail.note = `the engine refused its input (exit ${ENGINE_EXIT.BAD_INPUT}: bad config or data); the same input fails the same way, so it is not relaunched`;
    return { cause: 'CRASHED', detail, permanent: true };
  }
  return { cause: oom ? 'OOM' : 'CRASHED', detail };
}

/**
 * True when the runtime has no record of a task (`TaskStatus.unknown`) and so reports no exit code
 * and no signal: its end happened out of sight (a local fleet resumed with `arbfleet run --resume`
 * cannot see the exits of its predecessor's children; ECS forgets stopped tasks). Its end is then
 * judged on its final heartbeat alone, never taken as a crash nobody saw.
 */
function isUnobservedEnd(task: TaskStatus): boolean {
  return task.unknown === true && (task.exitCode === undefined || task.exitCode === null) && (task.signal === undefined || task.signal === null);
}

/**
 * The end of a task whose exit was not observed (`isUnobservedEnd`), from what its generation's
 * final heartbeat says (`final`): the engine's own end (`feed-done`, `deadline`: written only after
 * its final commit succeeded) completes it; a signal it caught (written after that same commit) is
 * a stop from outside, `PREEMPTED`; a heartbeat that names no end, or none at all, is `LOST`: the
 * task is gone and nothing says how, which no one saw crash.
 */
function unobservedStop(author: StopAuthor, detail: CauseDetail, final: Progress | undefined): StopClassification {
  const unseen = `its end was not observed (${detail.stoppedReason ?? 'the runtime has no record of the task'})`;
  if (author.by === 'engine') return 'completed';
  if (final?.stop?.by === 'signal') {
    const note = `stopped from outside by ${final.stop.signal}: a signal arbfleet did not send (the engine's final heartbeat says so, written after its final commit); ${unseen}`;
    return { cause: 'PREEMPTED', detail: { ...detail, signal: final.stop.signal, note } };
  }
  const said = final === undefined ? 'it never heartbeated (it may never have started)' : 'its last heartbeat names no end of its own';
  return { cause: 'LOST', detail: { ...detail, note: `${unseen}; ${said}` } };
}

/** Nothing is wrong: store `patch` (when not empty) and, when `launchConfirmed`, move LAUNCHING → RUNNING. */
export interface HealthyVerdict {
  kind: 'healthy';
  patch: ObservationPatch;
  /** The current generation has heartbeated while the shard is LAUNCHING: it is now RUNNING. */
  launchConfirmed: boolean;
  /** When `launchConfirmed`: the heartbeat's arrival, to use as the restart's `restartedAt`. */
  firstHeartbeatAt?: EpochMs;
  /** Something worth a log line but no action (e.g. a recycle skipped because the budget is spent). */
  warning?: string;
}

/** A first stale reading: store `patch` (it sets `suspectSince`), kill nothing yet. */
export interface SuspectVerdict {
  kind: 'suspect';
  cause: Extract<RestartCause, 'LOST' | 'STALLED' | 'LAUNCH_TIMEOUT'>;
  patch: ObservationPatch;
  suspectSince: number;
  /** A reading still stale at or after this moment (ms) confirms the trouble. */
  confirmAt: number;
  reason: string;
}

/**
 * Confirmed trouble, budget left: store `restartShard(shard, incident, now, backoffSec)`, then
 * stop `stopTaskId` (when given: the generation bump fences it first), then enqueue the launch
 * with a delay of `backoffSec`.
 */
export interface RestartVerdict {
  kind: 'restart';
  incident: Incident;
  backoffSec: number;
  launchNotBefore: number;
  budget: RestartBudget;
  /** The task to stop, when it may still be running. */
  stopTaskId?: string;
  /**
   * The task was seen stopped (`judgeStop`): the cause, even `LOST` for an end nobody observed, is
   * judged on the end itself, not on a stale reading that a late watchdog or a store outage could
   * fake, so mass staleness and a late pass do not hold it back (`staleCauseOf`).
   */
  taskStopped?: true;
}

/** Confirmed trouble, budget spent: store `failShard(shard, incident, now, reason)`, stop `stopTaskId`, alarm. */
export interface FailVerdict {
  kind: 'fail';
  incident: Incident;
  budget: RestartBudget;
  reason: string;
  stopTaskId?: string;
  /** As `RestartVerdict.taskStopped`. */
  taskStopped?: true;
}

/** The shard's work is done: move it to COMPLETED (and stop `stopTaskId`, when given). */
export interface CompleteVerdict {
  kind: 'complete';
  reason: string;
  /** What the task's end looked like (exit code, signal, stop reason), for the report. */
  detail: CauseDetail;
  /**
   * Who completed it: the fleet (`fleet`: its own stop), the engine (`engine`: its final heartbeat
   * names its end), or the campaign's end (`campaign-end`: a stop at or after `campaignEndsAt`, or
   * trouble once the campaign has ended, or an exit 0 of a campaign with no known end).
   */
  by: 'fleet' | 'engine' | 'campaign-end';
  stopTaskId?: string;
}

/** Nothing to judge: a terminal shard, one awaiting its launch or in backoff, an older generation's task. */
export interface IgnoreVerdict {
  kind: 'ignore';
  reason: string;
}

/** The watchdog's judgement of one shard at one moment. */
export type Verdict = HealthyVerdict | SuspectVerdict | RestartVerdict | FailVerdict | CompleteVerdict | IgnoreVerdict;

/** The watchdog's own bookkeeping on a shard record; a key set to `undefined` clears that field. */
export type ObservationPatch = Partial<
  Pick<ShardRecord, 'observedTicks' | 'observedTicksSince' | 'healthySince' | 'peakRssBytes' | 'suspectSince' | 'backoffSec'>
>;

/** A stale reading: what kind, since when, and what it looked like. */
interface StaleReading {
  cause: SuspectVerdict['cause'];
  failedAt: EpochMs;
  note: string;
}

/**
 * Judges one shard at `now` (ms). `task` is the shard's task as its runtime reports it (from
 * DescribeTasks, a process table, or an ECS task-state-change event), or `undefined` when unknown.
 *
 * In order: terminal, not launched, in backoff or already in trouble → `ignore`; a task that is
 * not the shard's current one (an older generation's) → `ignore`; the task STOPPED → `complete`
 * or `restart`/`fail` at once (`classifyStop`); a stale reading (LOST, then STALLED, or
 * LAUNCH_TIMEOUT) → `suspect` the first time, `restart`/`fail` once confirmed; RSS at the recycle
 * threshold → `restart` as RECYCLED at once; else `healthy`. Once the campaign has ended
 * (`campaignEndsAt`), trouble yields `complete`: nothing restarts after the end.
 */
export function assessShard(shard: ShardRecord, reported: TaskStatus | undefined, now: number, policy: WatchdogPolicy): Verdict {
  // A runtime may not show a task it has only just started (ECS is eventually consistent): within
  // the launch timeout, "unknown" is no news; the launch timeout itself still catches a task that never came.
  const justLaunched = shard.status === 'LAUNCHING' && shard.launchedAt !== undefined && now - shard.launchedAt < policy.launchTimeoutSec * 1000;
  const task = reported?.unknown === true && justLaunched ? undefined : reported;
  const skip = skipReason(shard, task);
  if (skip !== undefined) return { kind: 'ignore', reason: skip };

  const heartbeat = shard.heartbeat?.generation === shard.generation ? shard.heartbeat : undefined;
  const ended = policy.campaignEndsAt !== undefined && now >= policy.campaignEndsAt;

  if (task?.state === 'STOPPED') return judgeStop(shard, task, heartbeat, now, policy);

  const stale = staleReading(shard, heartbeat, now, policy);
  if (stale) {
    const incident: Incident = { cause: stale.cause, detail: { ...evidence(heartbeat, now), note: stale.note }, failedAt: stale.failedAt };
    if (ended) return endedWithTrouble(shard, incident, policy, shard.taskId);
    if (shard.suspectSince === undefined || now < shard.suspectSince + policy.confirmAfterSec * 1000) {
      const suspectSince = shard.suspectSince ?? now;
      const patch: ObservationPatch = { ...progressObservation(shard, heartbeat) };
      if (shard.suspectSince === undefined) patch.suspectSince = now;
      return {
        kind: 'suspect',
        cause: stale.cause,
        patch,
        suspectSince,
        confirmAt: suspectSince + policy.confirmAfterSec * 1000,
        reason: stale.note,
      };
    }
    return confirmed(shard, incident, now, policy, shard.taskId);
  }

  const verdict = healthy(shard, heartbeat, now, policy);
  const recycleAt = policy.memoryRecycleAt * policy.taskMemoryBytes;
  if (ended || shard.status !== 'RUNNING' || !heartbeat || heartbeat.progress.rssBytes < recycleAt) return verdict;
  const note = `RSS ${mib(heartbeat.progress.rssBytes)} reached ${Math.round(policy.memoryRecycleAt * 100)}% of the task's ${mib(policy.taskMemoryBytes)}`;
  const incident: Incident = { cause: 'RECYCLED', detail: { ...evidence(heartbeat, now), note }, failedAt: heartbeat.receivedAt };
  const recycle = confirmed(shard, incident, now, policy, shard.taskId);
  if (recycle.kind === 'restart') return recycle;
  return { ...verdict, warning: `${note}, but the restart budget is spent: not recycling` };
}

function skipReason(shard: ShardRecord, task: TaskStatus | undefined): string | undefined {
  const { status } = shard;
  if (isTerminalShard(status)) return `shard is ${status}`;
  if (status === 'PENDING') return 'shard has not been launched yet';
  if (status === 'RESTARTING') {
    const until = shard.launchNotBefore === undefined ? '' : ` (backoff until ${new Date(shard.launchNotBefore).toISOString()})`;
    return `shard is awaiting the launch of generation ${shard.generation}${until}`;
  }
  if (isTroubleShard(status)) return `shard is ${status}: its restart is already under way`;
  if (task !== undefined && task.taskId !== shard.taskId) {
    return `task ${task.taskId} is not the shard's current task (${shard.taskId ?? 'none yet'}): it belongs to an older generation`;
  }
  if (shard.heartbeat !== undefined && shard.heartbeat.generation > shard.generation) {
    return `heartbeat of generation ${shard.heartbeat.generation} is ahead of the shard's generation ${shard.generation}: the record is being updated`;
  }
  return undefined;
}

function judgeStop(shard: ShardRecord, task: TaskStatus, heartbeat: Heartbeat | undefined, now: number, policy: WatchdogPolicy): Verdict {
  const stoppedAt = task.stoppedAt ?? now;
  const stop = classifyStop(task, policy.campaignEndsAt, heartbeat?.progress);
  if (stop === 'completed') {
    const author = stopAuthor(task, heartbeat?.progress);
    const by: CompleteVerdict['by'] = author.by === 'fleet' ? 'fleet' : author.by === 'engine' ? 'engine' : 'campaign-end';
    const how = task.exitCode === 0 ? 'exited 0' : `stopped (${describeExit(task)})`;
    const when =
      author.by === 'fleet'
        ? `on the fleet's stop (${task.stoppedReason})`
        : author.by === 'engine'
          ? author.end === 'feed-done'
            ? 'when its replay ended'
            : "at the campaign's end by its own clock"
          : 'at the campaign end';
    const reason = isUnobservedEnd(task)
      ? `task ${task.taskId} ended ${when}, as its final heartbeat says (its exit was not observed: ${task.stoppedReason ?? 'the runtime has no record of it'})`
      : `task ${task.taskId} ${how} ${when}`;
    return { kind: 'complete', reason, detail: stopDetail(task), by };
  }
  // An end not observed happened at some moment after the last heartbeat: dated by it, as a LOST
  // task found by its silence is, with the heartbeat's age as of now.
  const unseenSince = task.stoppedAt === undefined && isUnobservedEnd(task) ? heartbeat?.receivedAt : undefined;
  const incident: Incident = {
    cause: stop.cause,
    detail: { ...stop.detail, ...evidence(heartbeat, stoppedAt) },
    failedAt: unseenSince ?? asEpochMs(stoppedAt),
  };
  if (policy.campaignEndsAt !== undefined && now >= policy.campaignEndsAt) return endedWithTrouble(shard, incident, policy);
  if (stop.permanent) {
    const budget = restartBudget(shard.restarts, now, { maxRestarts: policy.maxRestarts, restartWindow: policy.restartWindowSec });
    const said = lastLine(withoutAgentPreamble(task.stderrTail ?? task.stoppedReason));
    return { kind: 'fail', incident, budget, reason: `bad input, not retried: the engine exited ${ENGINE_EXIT.BAD_INPUT}${said ? `: ${said}` : ''}` };
  }
  return { ...confirmed(shard, incident, now, policy), taskStopped: true };
}

function staleReading(shard: ShardRecord, heartbeat: Heartbeat | undefined, now: number, policy: WatchdogPolicy): StaleReading | undefined {
  const staleMs = policy.staleAfterSec * 1000;
  if (!heartbeat) {
    const launchedAt = shard.launchedAt ?? shard.updatedAt;
    if (now - launchedAt < policy.launchTimeoutSec * 1000) return undefined;
    return {
      cause: 'LAUNCH_TIMEOUT',
      failedAt: launchedAt,
      note: `no heartbeat from generation ${shard.generation} within ${seconds(now - launchedAt)} of its launch (launchTimeout ${policy.launchTimeoutSec}s)`,
    };
  }
  const age = now - heartbeat.receivedAt;
  const standing = ticksStandingSince(shard, heartbeat);
  // The first symptom names the trouble: ticks that stood still across heartbeats (standing
  // before the last one arrived) were a stall before the heartbeats stopped too, as when a
  // stalled engine is then starved of CPU.
  const stalledFirst = standing !== undefined && standing < heartbeat.receivedAt && now - standing >= staleMs;
  if (age >= staleMs && !stalledFirst) {
    const missed = Math.floor(age / (policy.heartbeatIntervalSec * 1000));
    return {
      cause: 'LOST',
      failedAt: heartbeat.receivedAt,
      note: `no heartbeat for ${seconds(age)} (staleAfter ${policy.staleAfterSec}s, about ${missed} intervals missed)`,
    };
  }
  if (standing !== undefined && now - standing >= staleMs) {
    return {
      cause: 'STALLED',
      failedAt: asEpochMs(standing),
      note:
        heartbeat.progress.turns === undefined
          ? `heartbeats keep coming but ticks have stood at ${heartbeat.progress.ticks} for ${seconds(now - standing)} (staleAfter ${policy.staleAfterSec}s)`
          : `heartbeats keep coming but the engine loop has stood at ${heartbeat.progress.turns} turns (${heartbeat.progress.ticks} ticks) for ${seconds(now - standing)} (staleAfter ${policy.staleAfterSec}s)`,
    };
  }
  return undefined;
}

/**
 * Since when the current generation's progress (`progressCount`: turns, else ticks) has stood at
 * its current value: the heartbeat's own `ticksSince` (set by the store that wrote it), or, for a
 * heartbeat without one (written before it existed), the watchdog's stored observation when it
 * saw the same count.
 */
function ticksStandingSince(shard: ShardRecord, heartbeat: Heartbeat): number | undefined {
  if (heartbeat.ticksSince !== undefined) return heartbeat.ticksSince;
  return shard.observedTicks === progressCount(heartbeat.progress) ? shard.observedTicksSince : undefined;
}

function healthy(shard: ShardRecord, heartbeat: Heartbeat | undefined, now: number, policy: WatchdogPolicy): HealthyVerdict {
  const patch: ObservationPatch = progressObservation(shard, heartbeat);
  if (shard.suspectSince !== undefined) patch.suspectSince = undefined;
  if (heartbeat && shard.healthySince === undefined) patch.healthySince = now;
  if (shard.backoffSec > 0 && isBackoffReset(shard, now, policy.backoff)) patch.backoffSec = 0;
  const launchConfirmed = shard.status === 'LAUNCHING' && heartbeat !== undefined;
  const verdict: HealthyVerdict = { kind: 'healthy', patch, launchConfirmed };
  if (launchConfirmed && heartbeat) verdict.firstHeartbeatAt = heartbeat.receivedAt;
  return verdict;
}

/**
 * The peak RSS and, only for a heartbeat without `ticksSince`, the ticks seen moving (and since
 * when), from the current generation's heartbeat. A heartbeat with `ticksSince` carries the stall
 * evidence itself, so a healthy shard whose ticks move costs no write on every pass.
 */
function progressObservation(shard: ShardRecord, heartbeat: Heartbeat | undefined): ObservationPatch {
  if (!heartbeat) return {};
  const patch: ObservationPatch = {};
  const { rssBytes } = heartbeat.progress;
  const ticks = progressCount(heartbeat.progress);
  if (heartbeat.ticksSince === undefined && (shard.observedTicks !== ticks || shard.observedTicksSince === undefined)) {
    patch.observedTicks = ticks;
    patch.observedTicksSince = heartbeat.receivedAt;
  }
  if (rssBytes > shard.peakRssBytes) patch.peakRssBytes = rssBytes;
  return patch;
}

/**
 * Confirmed trouble: a restart while its budget lasts, else a fail. A `PREEMPTED` incident is paid
 * from the preemption budget (`maxPreemptions`) and waits the minimum backoff
 * (`preemptionDelaySec`); a `STORE_UNAVAILABLE` one too, waiting longer with each outage in a row
 * (`storeTroubleDelaySec`); every other cause from the restart budget (`maxRestarts`, which does not
 * count preemptions) with the exponential backoff.
 */
function confirmed(shard: ShardRecord, incident: Incident, now: number, policy: WatchdogPolicy, stopTaskId?: string): RestartVerdict | FailVerdict {
  const stop = stopTaskId === undefined ? {} : { stopTaskId };
  if (isOutsideCause(incident.cause)) {
    const budget = preemptionBudget(shard.restarts, now, { maxPreemptions: policy.maxPreemptions, restartWindow: policy.restartWindowSec });
    if (budget.exhausted) {
      const reason = `preemption budget spent: ${budget.used} stop(s) from outside within ${policy.restartWindowSec}s (maxPreemptions ${policy.maxPreemptions}); last: ${incident.detail.note ?? 'stopped from outside'}`;
      return { kind: 'fail', incident, budget, reason, ...stop };
    }
    const backoffSec = incident.cause === 'STORE_UNAVAILABLE' ? storeTroubleDelaySec(shard.restarts, now, policy.backoff) : preemptionDelaySec(policy.backoff);
    return { kind: 'restart', incident, backoffSec, launchNotBefore: now + backoffSec * 1000, budget, ...stop };
  }
  const budget = restartBudget(shard.restarts, now, { maxRestarts: policy.maxRestarts, restartWindow: policy.restartWindowSec });
  if (budget.exhausted) {
    const reason = `restart budget spent: ${budget.used} restart(s) within ${policy.restartWindowSec}s (maxRestarts ${policy.maxRestarts}); last cause ${incident.cause}`;
    return { kind: 'fail', incident, budget, reason, ...stop };
  }
  const backoffSec = nextBackoffSec(shard, now, policy.backoff);
  return { kind: 'restart', incident, backoffSec, launchNotBefore: now + backoffSec * 1000, budget, ...stop };
}

function endedWithTrouble(shard: ShardRecord, incident: Incident, policy: WatchdogPolicy, stopTaskId?: string): CompleteVerdict {
  const endsAt = new Date(policy.campaignEndsAt as number).toISOString();
  const verdict: CompleteVerdict = {
    kind: 'complete',
    reason: `campaign ended at ${endsAt}; shard ${shard.shardId} is not restarted after ${incident.cause}${incident.detail.note ? `: ${incident.detail.note}` : ''}`,
    detail: incident.detail,
    by: 'campaign-end',
  };
  if (stopTaskId !== undefined) verdict.stopTaskId = stopTaskId;
  return verdict;
}

/**
 * The stderr text without the task agent's preamble on its bad-input line ("arbfleet-agent: bad-input:
 * engine exited 2 (bad input: not retried); its last stderr line: X" keeps X; the agent's own
 * refusal keeps its reason; `engine-task/src/agent/task-agent.ts`): the fail reason already says
 * so, and says it once.
 */
function withoutAgentPreamble(text: string | undefined): string | undefined {
  return text?.replace(/^[ \t]*arbfleet-agent: bad-input: (engine exited 2 \(bad input: not retried\)(; its last stderr line: )?)?/gm, '');
}

/** The last non-empty line of a stderr tail (where the engine's own message is), cut to 300 characters. */
function lastLine(text: string | undefined): string | undefined {
  const line = text
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  return line === undefined ? undefined : line.slice(0, 300);
}

function stopDetail(task: TaskStatus): CauseDetail {
  const detail: CauseDetail = {};
  if (task.exitCode !== undefined) detail.exitCode = task.exitCode;
  if (task.signal !== undefined) detail.signal = task.signal;
  if (task.stopCode !== undefined) detail.stopCode = task.stopCode;
  if (task.stoppedReason !== undefined) detail.stoppedReason = task.stoppedReason;
  if (task.stderrTail !== undefined) detail.stderrTail = task.stderrTail;
  return detail;
}

/** The last heartbeat's age and RSS at `at` (null when the generation never heartbeated). */
function evidence(heartbeat: Heartbeat | undefined, at: number): Pick<CauseDetail, 'lastHeartbeatAgeSec' | 'lastRssBytes'> {
  if (!heartbeat) return { lastHeartbeatAgeSec: null, lastRssBytes: null };
  return { lastHeartbeatAgeSec: Math.max(0, at - heartbeat.receivedAt) / 1000, lastRssBytes: heartbeat.progress.rssBytes };
}

function describeExit(task: TaskStatus): string {
  const parts: string[] = [];
  if (task.exitCode !== undefined && task.exitCode !== null) parts.push(`exit ${task.exitCode}`);
  if (task.signal) parts.push(`signal ${task.signal}`);
  return parts.join(', ') || 'no exit code';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
