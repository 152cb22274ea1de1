/**
 * A schedule: a named, stored object that starts a campaign run at each occurrence of its cron
 * rule. `ScheduleSpecSchema` is what a user gives (API body, `arbfleet schedule create`);
 * `ScheduleRecordSchema` is what the store keeps, with the state the scheduler moves forward.
 */
import { z } from 'zod';
import { durationSeconds } from '../config/duration.js';
import { EpochMsSchema } from './units.js';

/**
 * What happens when an occurrence comes while an earlier run of the same schedule is still live
 * (the choices of Temporal's schedule overlap policies and Kubernetes' CronJob `concurrencyPolicy`):
 * - `skip`: the occurrence is skipped (recorded, no run);
 * - `bufferOne`: it waits and starts when the live run ends; one at most waits, later ones are skipped;
 * - `cancelPrevious`: the live runs are stopped (CANCELLED) and the new one starts;
 * - `allow`: it starts alongside.
 */
export const OverlapPolicySchema = z.enum(['skip', 'bufferOne', 'cancelPrevious', 'allow']);
export type OverlapPolicy = z.infer<typeof OverlapPolicySchema>;

/** Schedule names: the same rule as campaign names (they are also the schedule's id). */
const scheduleName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit');

/** A schedule as a user writes it. Durations accept seconds or strings (`"10m"`) and come out as seconds. */
export const ScheduleSpecSchema = z
  .object({
    name: scheduleName,
    description: z.string().max(500).optional(),
    cron: z.string().min(1).meta({ description: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"' }),
    timezone: z.string().min(1).default('UTC').meta({ description: 'IANA time zone the cron rule is read in, e.g. Asia/Seoul' }),
    startAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'no occurrence before this instant' }),
    until: z.iso.datetime({ offset: true }).optional().meta({ description: 'no occurrence after this instant' }),
    maxRuns: z.number().int().min(1).max(1_000_000).optional().meta({ description: 'the schedule ends after starting this many runs' }),
    overlap: OverlapPolicySchema.default('skip'),
    catchupWindow: durationSeconds(0, 366 * 86_400)
      .default(60)
      .meta({
        description: 'an occurrence found this late (the control plane was down) still runs; a later one is recorded as missed',
      }),
    jitter: durationSeconds(0, 86_400).default(0).meta({
      description: 'each occurrence starts up to this much later, by a fixed amount per occurrence (the same on every control plane)',
    }),
    paused: z.boolean().default(false),
    note: z.string().max(500).optional().meta({ description: 'why it is paused' }),
    campaign: z.record(z.string(), z.unknown()).meta({ description: 'the campaign config each run is created from (the campaign config schema)' }),
  })
  .strict();
export type ScheduleSpecInput = z.input<typeof ScheduleSpecSchema>;
export type ScheduleSpec = z.output<typeof ScheduleSpecSchema>;

/** An occurrence claimed but whose campaign is not yet known to exist: the durable intent. */
export const PendingRunSchema = z
  .object({
    /** The occurrence (ms since the epoch); for a `trigger`, the moment it was asked. */
    occurrence: z.number(),
    /** `schedule:<id>:<occurrence ISO>` (or `schedule:<id>:trigger:<ISO>`): the campaign's idempotency key. */
    idempotencyKey: z.string(),
    /** Live runs to stop first (`cancelPrevious`). */
    cancel: z.array(z.string()).default([]),
  })
  .strict();
export type PendingRun = z.infer<typeof PendingRunSchema>;

export const ScheduleRecordSchema = z
  .object({
    scheduleId: z.string(),
    /** The validated spec; `spec.campaign` is the validated campaign config (defaults filled in). */
    spec: ScheduleSpecSchema,
    paused: z.boolean(),
    note: z.string().optional(),
    /** The next occurrence not yet decided (ms); `null` when no more will come (`until`, `maxRuns`). Moved only by compare-and-set. */
    nextRunAt: EpochMsSchema.nullable(),
    pending: PendingRunSchema.optional(),
    /** `bufferOne`: the occurrence waiting for the live run to end. */
    buffered: z.number().optional(),
    /** Runs started (occurrences and triggers). */
    runs: z.number().int().nonnegative(),
    /** Occurrences not run because an earlier run was live (`skip`, or `bufferOne` with one already waiting). */
    skipped: z.number().int().nonnegative(),
    /** Occurrences found later than `catchupWindow` (the control plane was down): recorded, not run. */
    missed: z.number().int().nonnegative(),
    lastOccurrence: z.number().optional(),
    lastCampaignId: z.string().optional(),
    /** Set by DELETE: the schedule is gone from lists and answers 404; its runs are kept. */
    deletedAt: EpochMsSchema.optional(),
    createdAt: EpochMsSchema,
    updatedAt: EpochMsSchema,
    version: z.number().int().nonnegative(),
  })
  .strict();
export type ScheduleRecord = z.infer<typeof ScheduleRecordSchema>;

/** The fields of a schedule an update may change. */
export type SchedulePatch = Partial<Omit<ScheduleRecord, 'scheduleId' | 'spec' | 'createdAt' | 'version'>>;

/** The idempotency key of the campaign an occurrence starts: the occurrence is part of the run's identity. */
export function occurrenceKey(scheduleId: string, occurrence: number, trigger = false): string {
  return `schedule:${scheduleId}:${trigger ? 'trigger:' : ''}${new Date(occurrence).toISOString()}`;
}

/** The `campaignId` under which a schedule's lifecycle events are kept (missed, skipped, paused…). */
export function scheduleEventsId(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}
