import type { CampaignRecord } from '../model/records.js';
import type { ScheduleRecord } from '../model/schedule-record.js';

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
 * `NotFoundError` 404, `ConflictError` 409.
 */
export interface ScheduleApi {
  createSchedule(spec: unknown): Promise<ScheduleView>;
  listSchedules(): Promise<ScheduleRecord[]>;
  getSchedule(scheduleId: string, next?: number): Promise<ScheduleView>;
  pauseSchedule(scheduleId: string, note?: string): Promise<ScheduleView>;
  resumeSchedule(scheduleId: string): Promise<ScheduleView>;
  /** Starts a run now, under the overlap policy (`ConflictError` when it refuses). */
  triggerSchedule(scheduleId: string): Promise<TriggerResult>;
  /** Deletes the schedule: no more runs; live runs go on; its record stays readable through its runs. */
  deleteSchedule(scheduleId: string): Promise<void>;
}
