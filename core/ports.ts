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
  /** Committed fills with `seq` above the checkpoint's `lastFillSeq` (none above the ledger's head), in `seq` order. */
  ledgerTail: Fill[];
}

/**
 * The engine's persistence port, bound to one shard, one generation and one writer: the engine
 * process's writer identity (`writer`, drawn once at boot by `newWriterId`). Every write is
 * fenced by generation AND writer: when the shard's current generation is no longer this one, or
 * another writer of this generation has claimed the shard since, the write changes nothing and
 * rejects with `FencedOutError` (naming the writer that holds the shard), and the engine exits
 * without writing more (exit 3).
 *
 * The claim, and who wins between two writers of one generation: the LATEST claimant. `restore()`
 * first claims the shard for (generation, writer) with a compare-and-set on the shard record,
 * refused with `FencedOutError` when the shard's generation is another; it takes the shard over
 * from any earlier writer of the same generation, then reads the checkpoint and ledger. So the
 * new holder's restore sees everything the old one committed before the claim, and nothing the
 * old one sends after it can land: its next heartbeat or commit (every part of a split commit) is
 * fenced. Why latest and not first: two tasks of one generation exist only when a launch was
 * repeated (a lost RunTask answer, a redelivered launch message, a launcher that lost track of
 * its tasks), and the task the fleet records on the shard (`ShardRecord.taskId`) is the one whose
 * launch was recorded last, nearly always the later one; latest-wins keeps it and fences the
 * stray, whose exit the fleet ignores (not the shard's task), where first-wins fenced the
 * recorded task at boot and cost a restart for nothing the engine did. A port that never claimed
 * (tests, tools) may write only while nobody has claimed its generation.
 */
export interface ShardPersistence {
  readonly key: ShardKey;
  readonly generation: number;
  /**
   * This engine process's writer identity (`ShardRecord.writer.id` while it holds the shard).
   * Every store's port has one; absent on ports that write to nothing shared (a benchmark's
   * discarding port, the built-in engine's stdio port whose agent holds the store).
   */
  readonly writer?: string;
  /**
   * Claims the shard for this generation and writer (taking it over from any other writer of the
   * same generation), then returns the state to resume from, read after the claim (a fresh shard
   * has no checkpoint and no fills). Calling it again claims again.
   * @throws FencedOutError when the shard's current generation is not this one, `ShardClosedError`
   *   (a `FencedOutError`) when the shard is closed (COMPLETED or FAILED: a task that starts after
   *   its shard's end); nothing written either way.
   */
  restore(): Promise<RestorePoint>;
  /** Records progress as this generation's heartbeat (stamped with the writer). */
  heartbeat(progress: Progress): Promise<void>;
  /**
   * Appends `fills` to the ledger and, with them, replaces the checkpoint when one is given:
   * all or nothing. Exactly once, so a commit may be retried whatever happened to an earlier
   * attempt (applied with its answer lost, or split and partly applied): a fill already in the
   * ledger with the same content is not written again; a different fill under a stored `seq` is
   * a `LedgerConflictError` (permanent, nothing written); new fills must continue the ledger one
   * `seq` at a time from its last (seq 0 first), or the commit is a `LedgerGapError` (permanent,
   * nothing written: a gap would be fills lost); a `seq` listed twice in one commit is a
   * `ProgrammingError` (not retryable). Failures that may pass reject with a retryable error.
   */
  commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void>;
}

import type { CampaignRecord, Heartbeat, LifecycleEvent, ShardRecord } from './model/records.js';
import type { SchedulePatch, ScheduleRecord } from './model/schedule-record.js';

/** The control-plane fields of a shard that an update may change (never the heartbeat). */
export type ShardPatch = Partial<Omit<ShardRecord, 'campaignId' | 'shardId' | 'index' | 'symbols' | 'heartbeat' | 'writer' | 'version'>>;
/** The fields of a campaign that an update may change. */
export type CampaignPatch = Partial<Omit<CampaignRecord, 'campaignId' | 'config' | 'symbols' | 'shardCount' | 'createdAt' | 'version'>>;

/**
 * The campaign/shard store shared by the control plane and the tasks: SQLite locally, DynamoDB on
 * AWS. Control-plane updates are compare-and-set on `version` and never change `writer`; task
 * writes (the claim, heartbeats, commits) are fenced by `generation` and `writer` and never touch
 * `version`, so heartbeats cannot make control-plane updates fail.
 */
export interface CampaignStore {
  /**
   * Creates a campaign and its shards atomically. With an `idempotencyKey` already used, returns
   * the existing campaign instead and creates nothing.
   */
  createCampaign(campaign: CampaignRecord, shards: ShardRecord[]): Promise<{ campaign: CampaignRecord; created: boolean }>;
  getCampaign(campaignId: string): Promise<CampaignRecord | undefined>;
  listCampaigns(): Promise<CampaignRecord[]>;
  /** Campaigns not in a terminal status, oldest first, through an index (never a scan): what the scheduler ticks over. */
  listLiveCampaigns(): Promise<CampaignRecord[]>;
  /** Compare-and-set: applies `patch` only if the stored version is `expectedVersion`; else `VersionConflictError`. */
  updateCampaign(campaignId: string, expectedVersion: number, patch: CampaignPatch): Promise<CampaignRecord>;

  getShard(key: ShardKey): Promise<ShardRecord | undefined>;
  listShards(campaignId: string): Promise<ShardRecord[]>;
  /** Shards not in a terminal status, across campaigns, through an index (never a scan). */
  listActiveShards(): Promise<ShardRecord[]>;
  /** Compare-and-set on `version`; `VersionConflictError` when someone else updated first. */
  updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch): Promise<ShardRecord>;

  /**
   * The engine's port for one generation of one shard and one writer (fenced heartbeats and
   * commits, `ShardPersistence`). `writer` is the engine process's identity (`newWriterId`); a
   * fresh one is drawn when it is not given, so each call is a writer of its own.
   */
  forTask(key: ShardKey, generation: number, writer?: string): ShardPersistence;
  /**
   * Every committed fill of a shard, in `seq` order, across generations: fills an unfinished
   * (split) commit left above the ledger's head are not committed and not returned
   * (`core/model/ledger-reconcile.ts`).
   */
  readLedger(key: ShardKey): Promise<Fill[]>;
  /** Every heartbeat of a shard, oldest first, across generations (the report's time series). */
  readHeartbeats(key: ShardKey): Promise<Heartbeat[]>;
  /** The shard's last checkpoint, if any. */
  readCheckpoint(key: ShardKey): Promise<Checkpoint | undefined>;

  appendEvents(events: LifecycleEvent[]): Promise<void>;
  listEvents(campaignId: string): Promise<LifecycleEvent[]>;
}

/**
 * Where schedules are kept (`core/schedule/`): the same SQLite file and DynamoDB stack as the
 * campaigns. Every update is compare-and-set on `version`, and `nextRunAt` changes only through
 * such an update, so an occurrence is claimed once however many control planes race for it.
 */
export interface ScheduleStore {
  /**
   * Stores a new schedule (a deleted one of the same id is replaced).
   * @throws AlreadyExistsError when a schedule with this id exists.
   */
  createSchedule(schedule: ScheduleRecord): Promise<ScheduleRecord>;
  /** The schedule, deleted ones included (`deletedAt` set); `undefined` when never created. */
  getSchedule(scheduleId: string): Promise<ScheduleRecord | undefined>;
  /** Schedules not deleted, by id (never a scan on DynamoDB: an index every live schedule is in). */
  listSchedules(): Promise<ScheduleRecord[]>;
  /** Compare-and-set: applies `patch` only if the stored version is `expectedVersion`; else `VersionConflictError` (`NotFoundError` when missing). */
  updateSchedule(scheduleId: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleRecord>;
}

/** Asks for one generation of one shard to be launched. */
export interface LaunchMessage {
  campaignId: string;
  shardId: string;
  generation: number;
}

/** A received message: `receipt` deletes it; `receiveCount` counts deliveries (at least once). */
export interface ReceivedMessage<T> {
  messageId: string;
  receipt: string;
  receiveCount: number;
  body: T;
}

/**
 * The launch queue: SQS on AWS, in-process locally, with the semantics the control plane relies
 * on: per-message delay, a visibility timeout after which an undeleted message is delivered
 * again, and a dead-letter queue after `maxReceives` deliveries.
 */
export interface LaunchQueue {
  send(message: LaunchMessage, delaySec?: number): Promise<void>;
  receive(maxMessages: number): Promise<ReceivedMessage<LaunchMessage>[]>;
  delete(receipt: string): Promise<void>;
  /**
   * Makes the delivery `receipt` came with visible again `delaySec` seconds from now, instead of
   * at the end of its visibility timeout: a launch that failed is retried soon, and its receives
   * toward the dead-letter queue are spent in minutes, not visibility timeouts. A receipt no
   * longer valid (deleted, or delivered again since) changes nothing and is not an error.
   */
  retryAfter(receipt: string, delaySec: number): Promise<void>;
  /** Messages that were delivered `maxReceives` times without being deleted. */
  deadLetters(): Promise<LaunchMessage[]>;
}

/** What a launched task needs: its shard, its generation, and its environment. */
export interface TaskSpec {
  key: ShardKey;
  generation: number;
  symbols: string[];
  env: Record<string, string>;
  /** The campaign's task size (`task` of its config): ECS runs the task at it; a process ignores it. */
  size?: { cpu: number; memoryMiB: number };
  /** The container image of a `kind: command` engine (`engine.image`): ECS runs it under a task definition made for it; a process ignores it. */
  image?: string;
}

/** A task as its runtime reports it. `oom` is true when the kernel's or ECS's OOM killer ended it. */
export interface TaskStatus {
  taskId: string;
  state: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number | null;
  /** The signal that ended the process (local tasks), null when it exited. */
  signal?: string | null;
  /** ECS's stop code (`SpotInterruption`, `TerminationNotice`, `UserInitiated`, `EssentialContainerExited`…). */
  stopCode?: string;
  /**
   * Why it was stopped. Who asked is read from it, one rule on every runtime
   * (`core/fleet/stop-author.ts`): the reason the fleet gave to `TaskLauncher.stop` starts with
   * `arbfleet: ` (`FLEET_STOP_PREFIX`), and any other reason is someone else's.
   */
  stoppedReason?: string;
  oom?: boolean;
  stoppedAt?: number;
  stderrTail?: string;
  /**
   * The runtime has no record of the task (ECS forgets stopped tasks, and may not show a task it
   * has just started; a local launcher does not know the tasks of a control plane before it).
   */
  unknown?: boolean;
  /**
   * RUNNING only: the engine has ended but the runtime has not yet reported the task's end (a
   * local process exited, not yet reaped or its output not yet drained; an ECS task on its way down
   * whose engine container has an exit code). The end is on its way and names its own cause, so
   * the watchdog does not take the silence before it for a loss (`WatchdogService.judge`).
   */
  exiting?: true;
}

/** Starts, stops and describes tasks: ECS RunTask on AWS, child processes locally. */
export interface TaskLauncher {
  launch(spec: TaskSpec): Promise<{ taskId: string }>;
  /**
   * Asks the task to stop (SIGTERM / StopTask); forced after the launcher's grace period. The
   * task's `stoppedReason` becomes `reason` as a fleet stop reason (`fleetStopReason`: prefixed
   * `arbfleet: ` when it is not already), so the stop is known to be the fleet's.
   */
  stop(taskId: string, reason: string): Promise<void>;
  describe(taskIds: string[]): Promise<TaskStatus[]>;
}

// The driving ports: what the HTTP API (`core/api/api-handler.ts`) asks of the fleet and of the
// schedules. They live here rather than in `core/api/` so the services implementing them do not
// import the transport (a folder loop fleet → api → local → fleet otherwise).

/** A campaign with its shards, as the API returns it. */
export interface CampaignView {
  campaign: CampaignRecord;
  shards: ShardRecord[];
}

/**
 * What the HTTP API (the `api` Lambda and the local `--api-port` server) asks of the fleet.
 * Implemented by `core/fleet/campaign-service.ts`; the handler maps its errors to statuses:
 * `ValidationError` 400, `NotFoundError` 404, `StateConflictError` 409 (all of them: `ERROR_TABLE` in `core/errors.ts`).
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
  /** Stops a campaign a user no longer wants: it ends CANCELLED. `StateConflictError` when already stopping or ended. */
  stopCampaign(campaignId: string): Promise<CampaignView>;
  /** The campaign's report as JSON (see `core/report/report-schema.ts`), built on demand. */
  getReport(campaignId: string): Promise<unknown>;
}

/** A run of a schedule, as a schedule's view lists it. */
export interface ScheduleRun {
  campaignId: string;
  status: CampaignRecord['status'];
  /** The occurrence, ISO 8601 UTC. */
  occurrence: string;
  createdAt: number;
}

/** A schedule with its next occurrences and its runs, as `GET /schedules/{id}` returns it. */
export interface ScheduleView {
  schedule: ScheduleRecord;
  /** The next occurrences from now (ISO 8601 UTC), as many as asked (`?next=N`, default 5); none while paused is still listed. */
  next: string[];
  /** Runs of this schedule, newest first. */
  runs: ScheduleRun[];
}

/** What a `trigger` did: started a run (`campaignId`), or kept it waiting behind the live one (`buffered`). */
export interface TriggerResult {
  outcome: 'started' | 'buffered';
  occurrence: string;
  campaignId?: string;
}

/**
 * What the HTTP API asks of the schedules (`core/schedule/schedule-service.ts`). Errors as for
 * campaigns: `ValidationError` 400 (field paths such as `cron`, `campaign.venues.a.name`),
 * `NotFoundError` 404, `AlreadyExistsError`/`StateConflictError` 409.
 */
export interface ScheduleApi {
  createSchedule(spec: unknown): Promise<ScheduleView>;
  listSchedules(): Promise<ScheduleRecord[]>;
  getSchedule(scheduleId: string, next?: number): Promise<ScheduleView>;
  pauseSchedule(scheduleId: string, note?: string): Promise<ScheduleView>;
  resumeSchedule(scheduleId: string): Promise<ScheduleView>;
  /** Starts a run now, under the overlap policy (`StateConflictError` when it refuses). */
  triggerSchedule(scheduleId: string): Promise<TriggerResult>;
  /** Deletes the schedule: no more runs; live runs go on; its record stays readable through its runs. */
  deleteSchedule(scheduleId: string): Promise<void>;
}
