import { z } from 'zod';
import { ProgressSchema } from './progress.js';
import { EpochMsSchema } from './units.js';

// Every `*At` field of these records is an instant in ms since the epoch, typed `EpochMs`
// (`core/clock.ts`): stamped from a `Clock` or computed from instants through `asEpochMs`.

/** Campaign lifecycle (see docs/architecture.md). */
export const CampaignStatusSchema = z.enum(['SCHEDULED', 'STARTING', 'RUNNING', 'STOPPING', 'COMPLETED', 'CANCELLED', 'FAILED']);
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

/** Shard lifecycle. `STALLED | CRASHED | LOST` are the trouble states a restart leaves from. */
export const ShardStatusSchema = z.enum(['PENDING', 'LAUNCHING', 'RUNNING', 'STALLED', 'CRASHED', 'LOST', 'RESTARTING', 'COMPLETED', 'FAILED']);
export type ShardStatus = z.infer<typeof ShardStatusSchema>;

/** Why a shard was restarted (or failed). */
export const RestartCauseSchema = z.enum([
  /** Heartbeats kept coming but progress stood still for `staleAfter`. */
  'STALLED',
  /** The task exited non-zero or was killed by a signal. */
  'CRASHED',
  /** The kernel's (or ECS's) OOM killer ended the task. */
  'OOM',
  /** No heartbeat for `staleAfter`: frozen, partitioned or gone without a trace. */
  'LOST',
  /** Launched but never heartbeated within `launchTimeout`. */
  'LAUNCH_TIMEOUT',
  /** RSS crossed `memoryRecycleAt`: checkpointed, stopped and relaunched on purpose. */
  'RECYCLED',
  /**
   * Stopped from outside before the campaign's end (a signal arbfleet did not send, an ECS stop
   * code such as `SpotInterruption`/`TerminationNotice`, someone else's StopTask): restarted from
   * its checkpoint; the detail names the signal or the stop code and reason
   * (`core/fleet/stop-author.ts`). Paid from `watchdog.maxPreemptions`, not `maxRestarts`.
   */
  'PREEMPTED',
  /**
   * The store was busy or unreachable (a write lock held by another process, DynamoDB throttling, a
   * network fault): the engine gave up after its self-fence or commit bound (`core/fleet/timeouts.ts`)
   * and exited `ENGINE_EXIT.STORE_UNAVAILABLE` (4, `core/exit-codes.ts`) saying what it waited on ("store busy: SQLITE_BUSY for
   * 6.1 s"), or the watchdog's own probe of the store failed when it would have restarted the shard.
   * Not the engine's fault: never counted as a crash, paid from `maxPreemptions`, not `maxRestarts`.
   */
  'STORE_UNAVAILABLE',
]);
export type RestartCause = z.infer<typeof RestartCauseSchema>;

/** What was known about a task when it was judged dead: the evidence a report shows. */
export const CauseDetailSchema = z
  .object({
    exitCode: z.number().int().nullable().optional(),
    signal: z.string().nullable().optional(),
    stopCode: z.string().optional(),
    stoppedReason: z.string().optional(),
    lastHeartbeatAgeSec: z.number().nullable().optional(),
    lastRssBytes: z.number().nullable().optional(),
    stderrTail: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();
export type CauseDetail = z.infer<typeof CauseDetailSchema>;

/** One restart of a shard, from detection to the new generation's first heartbeat. */
export const RestartRecordSchema = z
  .object({
    fromGeneration: z.number().int().nonnegative(),
    cause: RestartCauseSchema,
    detail: CauseDetailSchema,
    /** When the trouble began as far as anyone can tell (last progress or heartbeat, or the exit). */
    failedAt: EpochMsSchema,
    detectedAt: EpochMsSchema,
    detectionDelaySec: z.number().nonnegative(),
    /** When the new generation's first heartbeat arrived (absent until then). */
    restartedAt: EpochMsSchema.optional(),
    downtimeSec: z.number().nonnegative().optional(),
  })
  .strict();
export type RestartRecord = z.infer<typeof RestartRecordSchema>;

/**
 * The writer that holds a shard: one engine process (its writer identity, drawn once at boot:
 * `newWriterId`, `core/model/shard-writer.ts`) that claimed the shard for `generation` before
 * its restore (`ShardPersistence.restore`, `core/ports.ts`). While it holds the shard, no other
 * writer of that generation may heartbeat or commit; a later claim of the same generation takes
 * the shard over.
 */
export const ShardWriterSchema = z
  .object({
    id: z.string().min(1),
    generation: z.number().int().nonnegative(),
    /** When it claimed the shard, ms since the epoch (the writer's wall clock). */
    claimedAt: EpochMsSchema,
  })
  .strict();
export type ShardWriter = z.infer<typeof ShardWriterSchema>;

/** The latest heartbeat of a shard's current generation. */
export const HeartbeatSchema = z
  .object({
    generation: z.number().int().nonnegative(),
    /** The writer identity of the process that wrote it (absent in heartbeats from before writers were recorded). */
    writer: z.string().optional(),
    /** When the store received it, ms since the epoch (the writer's wall clock). */
    receivedAt: EpochMsSchema,
    /**
     * When the writer first received this generation's current `progress.ticks` (same clock): the
     * ticks have stood still since then. Stores set it (`TicksSince`); absent in older heartbeats.
     */
    ticksSince: z.number().optional(),
    progress: ProgressSchema,
  })
  .strict();
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** A shard as the control plane sees it. `version` guards every control-plane update. */
export const ShardRecordSchema = z
  .object({
    campaignId: z.string(),
    shardId: z.string(),
    index: z.number().int().nonnegative(),
    symbols: z.array(z.string()).min(1),
    status: ShardStatusSchema,
    /** The fencing token: only the task of this generation may write. */
    generation: z.number().int().nonnegative(),
    /** The task running this generation: a pid locally, an ECS task ARN on AWS. */
    taskId: z.string().optional(),
    launchedAt: EpochMsSchema.optional(),
    /**
     * Earliest time the next launch may happen (backoff). Once the watchdog has re-queued an
     * overdue launch, also when that launch was first due (for a PENDING shard, a time already
     * past), from which `overdueLaunch` counts its deadline.
     */
    launchNotBefore: z.number().optional(),
    /**
     * How many times the watchdog queued this generation's launch again because it was overdue
     * (its message lost, or a step between the state change and the enqueue threw); it spaces the
     * re-queues (`overdueLaunch`), the deadline is counted in time.
     */
    launchRequeues: z.number().int().nonnegative().optional(),
    heartbeat: HeartbeatSchema.optional(),
    /**
     * The writer that last claimed the shard (written by the task, never by a control-plane
     * update); it holds the shard while `writer.generation` is the shard's `generation`. Absent on
     * records from before writers were recorded, and until the first claim.
     */
    writer: ShardWriterSchema.optional(),
    /** The watchdog's own observation of progress: ticks it last saw and since when they stand. */
    observedTicks: z.number().int().nonnegative().optional(),
    observedTicksSince: z.number().optional(),
    /** First reading that looked stale, awaiting confirmation before a kill. */
    suspectSince: z.number().optional(),
    /**
     * A memory recycle under way (the intent, written before its side effect): the task was asked
     * to stop so that its final commit lands under its own generation; once it has stopped (or
     * `staleAfter` after `requestedAt`), the generation is raised and the next one launched.
     */
    recycle: z
      .object({
        requestedAt: EpochMsSchema,
        backoffSec: z.number().nonnegative(),
        incident: z.object({ cause: z.literal('RECYCLED'), detail: CauseDetailSchema, failedAt: EpochMsSchema }).strict(),
      })
      .strict()
      .optional(),
    restarts: z.array(RestartRecordSchema),
    backoffSec: z.number().nonnegative(),
    /** Since when the shard has been healthy without interruption (resets the backoff). */
    healthySince: z.number().optional(),
    peakRssBytes: z.number().int().nonnegative(),
    updatedAt: EpochMsSchema,
    version: z.number().int().nonnegative(),
  })
  .strict();
export type ShardRecord = z.infer<typeof ShardRecordSchema>;

/** A campaign as the control plane sees it. The config is stored validated, defaults filled in. */
export const CampaignRecordSchema = z
  .object({
    campaignId: z.string(),
    name: z.string(),
    status: CampaignStatusSchema,
    /** The validated config (`CampaignConfig`), kept as data. */
    config: z.record(z.string(), z.unknown()),
    symbols: z.array(z.string()).min(1),
    shardCount: z.number().int().positive(),
    createdAt: EpochMsSchema,
    startAt: EpochMsSchema.optional(),
    startedAt: EpochMsSchema.optional(),
    /** `startedAt + duration`: when the scheduler ends it. */
    endsAt: EpochMsSchema.optional(),
    endedAt: EpochMsSchema.optional(),
    endReason: z.string().optional(),
    idempotencyKey: z.string().optional(),
    /** The schedule that started this run (`core/schedule/`), absent for a campaign started by hand. */
    scheduleId: z.string().optional(),
    /** The occurrence (ms) of that schedule this run is: with `scheduleId`, its identity (a `trigger` records when it was asked). */
    occurrence: z.number().optional(),
    /** When the reporter stored the final report (AWS); absent until then. */
    reportedAt: EpochMsSchema.optional(),
    updatedAt: EpochMsSchema,
    version: z.number().int().nonnegative(),
  })
  .strict();
export type CampaignRecord = z.infer<typeof CampaignRecordSchema>;

/**
 * True when a stored campaign config (`CampaignRecord.config`) says `clock: virtual`: its shards
 * run on the recorded time as fast as the CPU allows; a config from before the field is `real`.
 */
export function isVirtualClock(config: Record<string, unknown>): boolean {
  return config['clock'] === 'virtual';
}

/** The `type` of the lifecycle event every shard transition records (`core/fleet/shard-lifecycle.ts`). */
export const SHARD_STATUS_EVENT = 'shard.status';

/** A lifecycle event: every transition is recorded as one. */
export const LifecycleEventSchema = z
  .object({
    at: z.number(),
    campaignId: z.string(),
    shardId: z.string().optional(),
    generation: z.number().int().nonnegative().optional(),
    type: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    cause: z.string().optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type LifecycleEvent = z.infer<typeof LifecycleEventSchema>;
