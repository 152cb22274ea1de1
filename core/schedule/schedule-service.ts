/**
 * Schedules as a service: what the API and the CLI call (create, list, get, pause, resume,
 * trigger, delete) and the tick a control plane runs (the local `arbfleet serve` loop, the
 * `scheduler` Lambda on AWS) to start the runs that are due.
 *
 * Exactly once per occurrence: a run is started in two durable steps. (1) The occurrence is
 * claimed by a compare-and-set on the schedule (`nextRunAt` moves on, `pending` records the run to
 * start, under the idempotency key `schedule:<id>:<occurrence ISO>`); of two control planes (or a
 * retried Lambda) only one wins it, the other's write fails its condition. (2) The campaign is
 * created with that idempotency key and `pending` cleared. A control plane that dies between the
 * two leaves `pending` behind, and whichever tick comes next finishes it; the key makes that
 * create return the campaign if it had been made already.
 */
import type { Clock, EpochMs } from '../clock.js';
import { NotFoundError, StateConflictError, ValidationError, VersionConflictError } from '../errors.js';
import type { CampaignService } from '../fleet/campaign-service.js';
import { isTerminalCampaign } from '../fleet/campaign-lifecycle.js';
import type { CampaignRecord, LifecycleEvent } from '../model/records.js';
import type { Logger } from '../log.js';
import type { CampaignStore, ScheduleApi, ScheduleRun, ScheduleStore, ScheduleView, TriggerResult } from '../ports.js';
import { decideSchedule, decideTrigger, type ScheduleDecision } from './schedule-policy.js';
import { occurrenceKey, scheduleEventsId, type SchedulePatch, type ScheduleRecord } from '../model/schedule-record.js';
import { calendarOfSpec, parseScheduleSpec } from './schedule-spec.js';

/** Told of occurrences missed, the moment a tick records them (on AWS: an EMF metric and its alarm). */
export interface ScheduleEvents {
  missed(scheduleId: string, count: number, at: number): void;
}

export interface ScheduleServiceDeps {
  schedules: ScheduleStore;
  store: CampaignStore;
  campaigns: Pick<CampaignService, 'createCampaign' | 'stopCampaign'>;
  clock: Clock;
  log: Logger;
  events?: ScheduleEvents;
}

/** What one tick did, per kind of step, and the schedules that could not advance (tried again next tick). */
export interface ScheduleTick {
  started: { scheduleId: string; occurrence: string; campaignId: string }[];
  skipped: number;
  buffered: number;
  missed: number;
  failed: { scheduleId: string; error: string }[];
}

/** Steps one schedule may take in one tick (each a compare-and-set), so a bad record cannot spin. */
const MAX_STEPS_PER_TICK = 50;
/** Occurrences `GET /schedules/{id}` lists by default, and at most. */
export const DEFAULT_NEXT = 5;
export const MAX_NEXT = 100;

export class ScheduleService implements ScheduleApi {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  async createSchedule(raw: unknown): Promise<ScheduleView> {
    const { spec, calendar } = parseScheduleSpec(raw);
    const now = this.deps.clock.now();
    const record: ScheduleRecord = {
      scheduleId: spec.name,
      spec,
      paused: spec.paused,
      ...(spec.note !== undefined ? { note: spec.note } : {}),
      nextRunAt: calendar.nextAfter(now - 1),
      runs: 0,
      skipped: 0,
      missed: 0,
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    const stored = await this.deps.schedules.createSchedule(record);
    await this.event(stored.scheduleId, 'schedule.created', { cron: spec.cron, timezone: spec.timezone, nextRunAt: iso(stored.nextRunAt) });
    this.deps.log.log('info', 'schedule created', { scheduleId: stored.scheduleId, cron: spec.cron, timezone: spec.timezone });
    return this.view(stored, DEFAULT_NEXT);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.deps.schedules.listSchedules();
  }

  async getSchedule(scheduleId: string, next = DEFAULT_NEXT): Promise<ScheduleView> {
    if (!Number.isInteger(next) || next < 0 || next > MAX_NEXT)
      throw new ValidationError([{ path: 'next', message: `must be a whole number from 0 to ${MAX_NEXT}, got ${next}` }]);
    return this.view(await this.read(scheduleId), next);
  }

  async pauseSchedule(scheduleId: string, note?: string): Promise<ScheduleView> {
    const current = await this.read(scheduleId);
    const updated = await this.deps.schedules.updateSchedule(scheduleId, current.version, { paused: true, note });
    await this.event(scheduleId, 'schedule.paused', note === undefined ? {} : { note });
    return this.view(updated, DEFAULT_NEXT);
  }

  /** Occurrences that came while paused are neither run nor missed: the calendar resumes from now. Resuming an active schedule changes nothing. */
  async resumeSchedule(scheduleId: string): Promise<ScheduleView> {
    const current = await this.read(scheduleId);
    if (!current.paused) return this.view(current, DEFAULT_NEXT);
    const now = this.deps.clock.now();
    const ended = current.spec.maxRuns !== undefined && current.runs >= current.spec.maxRuns;
    const nextRunAt = ended ? null : calendarOfSpec(current.spec).nextAfter(now - 1);
    const updated = await this.deps.schedules.updateSchedule(scheduleId, current.version, { paused: false, note: undefined, nextRunAt });
    await this.event(scheduleId, 'schedule.resumed', { nextRunAt: iso(nextRunAt) });
    return this.view(updated, DEFAULT_NEXT);
  }

  async triggerSchedule(scheduleId: string): Promise<TriggerResult> {
    const current = await this.read(scheduleId);
    if (current.pending)
      throw new StateConflictError(`schedule ${scheduleId} is starting a run (${current.pending.idempotencyKey}); try again in a moment`, { retryable: true });
    const now = this.deps.clock.now();
    const decision = decideTrigger(current, await this.liveRuns(scheduleId));
    if (decision.kind === 'refuse') throw new StateConflictError(`schedule ${scheduleId}: not triggered: ${decision.reason}`);
    if (decision.kind === 'buffer') {
      await this.deps.schedules.updateSchedule(scheduleId, current.version, { buffered: now });
      await this.event(scheduleId, 'schedule.buffered', { occurrence: iso(now), trigger: true });
      return { outcome: 'buffered', occurrence: iso(now) as string };
    }
    const claimed = await this.deps.schedules.updateSchedule(scheduleId, current.version, {
      pending: { occurrence: now, idempotencyKey: occurrenceKey(scheduleId, now, true), cancel: decision.cancel },
      runs: current.runs + 1,
    });
    const { campaignId } = await this.complete(claimed);
    return { outcome: 'started', occurrence: iso(now) as string, ...(campaignId !== undefined ? { campaignId } : {}) };
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    const current = await this.read(scheduleId);
    await this.deps.schedules.updateSchedule(scheduleId, current.version, { deletedAt: this.deps.clock.now(), nextRunAt: null, buffered: undefined });
    await this.event(scheduleId, 'schedule.deleted', {});
  }

  /**
   * One pass over every schedule: each takes the steps `decideSchedule` gives until it waits.
   * A lost compare-and-set means another control plane took the step: this one moves on to the
   * next schedule. Any other error is logged and returned in `failed`; the others still advance.
   */
  async tick(): Promise<ScheduleTick> {
    const result: ScheduleTick = { started: [], skipped: 0, buffered: 0, missed: 0, failed: [] };
    const live = liveRunsBySchedule(await this.deps.store.listLiveCampaigns());
    for (const schedule of await this.deps.schedules.listSchedules()) {
      try {
        await this.advance(schedule, live.get(schedule.scheduleId) ?? [], result);
      } catch (error) {
        if (error instanceof VersionConflictError) continue;
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        result.failed.push({ scheduleId: schedule.scheduleId, error: message });
        this.deps.log.log('error', 'scheduler could not advance schedule', { scheduleId: schedule.scheduleId, error: message });
      }
    }
    return result;
  }

  private async advance(first: ScheduleRecord, liveAtStart: string[], result: ScheduleTick): Promise<void> {
    let schedule = first;
    let live = [...liveAtStart];
    const calendar = calendarOfSpec(schedule.spec);
    for (let step = 0; step < MAX_STEPS_PER_TICK; step++) {
      const now = this.deps.clock.now();
      const decision = decideSchedule(schedule, calendar, live, now);
      if (decision.kind === 'wait') return;
      const id = schedule.scheduleId;
      switch (decision.kind) {
        case 'complete': {
          const done = await this.complete(schedule);
          schedule = done.schedule;
          if (done.campaignId !== undefined) {
            live = [...live.filter((c) => !done.cancelled.includes(c)), done.campaignId];
            result.started.push({ scheduleId: id, occurrence: iso(done.occurrence) as string, campaignId: done.campaignId });
          }
          break;
        }
        case 'start':
        case 'startBuffered':
          schedule = await this.claim(schedule, decision);
          break;
        case 'buffer':
          schedule = await this.deps.schedules.updateSchedule(id, schedule.version, {
            buffered: decision.occurrence,
            nextRunAt: decision.nextRunAt,
            ...foldedMissed(schedule, decision),
          });
          result.buffered++;
          await this.event(id, 'schedule.buffered', { occurrence: iso(decision.occurrence), waitingFor: live });
          break;
        case 'skip':
          schedule = await this.deps.schedules.updateSchedule(id, schedule.version, {
            skipped: schedule.skipped + 1,
            nextRunAt: decision.nextRunAt,
            ...foldedMissed(schedule, decision),
          });
          result.skipped++;
          await this.event(id, 'schedule.skipped', { occurrence: iso(decision.occurrence), live, overlap: schedule.spec.overlap });
          break;
        case 'miss':
          schedule = await this.deps.schedules.updateSchedule(id, schedule.version, {
            missed: schedule.missed + decision.count + (decision.coincident ?? 0),
            nextRunAt: decision.nextRunAt,
          });
          result.missed += decision.count;
          this.deps.events?.missed(id, decision.count, now);
          await this.event(id, 'schedule.missed', {
            occurrence: iso(decision.occurrence),
            count: decision.count,
            lateSec: decision.lateMs / 1000,
            catchupWindowSec: schedule.spec.catchupWindow,
          });
          this.deps.log.log('warn', 'schedule occurrences missed', { scheduleId: id, from: iso(decision.occurrence), count: decision.count });
          break;
      }
      if ('coincident' in decision && decision.coincident !== undefined) await this.recordCoincident(id, decision.occurrence, decision.coincident, now, result);
    }
  }

  /**
   * Records as missed the wall times a daylight-saving gap folded into `occurrence` (the rule's
   * shifted time fell on another time it names: one run for both, `CronRule.coincident`). The
   * count was written with the step's own compare-and-set; this tells the events and the metric.
   */
  private async recordCoincident(scheduleId: string, occurrence: number, count: number, now: EpochMs, result: ScheduleTick): Promise<void> {
    result.missed += count;
    this.deps.events?.missed(scheduleId, count, now);
    await this.event(scheduleId, 'schedule.missed', { occurrence: iso(occurrence), count, cause: 'dst-coincident' });
    this.deps.log.log('warn', 'schedule occurrences missed: a daylight-saving gap folded them into one run', {
      scheduleId,
      occurrence: iso(occurrence),
      count,
    });
  }

  /** Step 1: the compare-and-set that makes this control plane the one starting `occurrence`. */
  private async claim(schedule: ScheduleRecord, decision: Extract<ScheduleDecision, { kind: 'start' | 'startBuffered' }>): Promise<ScheduleRecord> {
    const patch: SchedulePatch = {
      pending: {
        occurrence: decision.occurrence,
        idempotencyKey: occurrenceKey(schedule.scheduleId, decision.occurrence),
        cancel: decision.kind === 'start' ? decision.cancel : [],
      },
      runs: schedule.runs + 1,
      lastOccurrence: decision.occurrence,
      ...(decision.kind === 'start' ? foldedMissed(schedule, decision) : {}),
      ...(decision.kind === 'start' ? { nextRunAt: decision.nextRunAt } : { buffered: undefined }),
    };
    return this.deps.schedules.updateSchedule(schedule.scheduleId, schedule.version, patch);
  }

  /**
   * Step 2: stops the runs to cancel, creates the campaign under the occurrence's idempotency key
   * and clears `pending`. Idempotent: run again after a crash it finds the same campaign. A config
   * the fleet refuses (its admission checks) ends the attempt: recorded, `pending` cleared.
   */
  private async complete(schedule: ScheduleRecord): Promise<{ schedule: ScheduleRecord; occurrence: number; campaignId?: string; cancelled: string[] }> {
    const pending = schedule.pending;
    if (!pending) return { schedule, occurrence: schedule.lastOccurrence ?? 0, cancelled: [] };
    const id = schedule.scheduleId;
    for (const campaignId of pending.cancel) {
      try {
        await this.deps.campaigns.stopCampaign(campaignId);
        await this.event(id, 'schedule.cancelled-previous', { campaignId, occurrence: iso(pending.occurrence) });
      } catch (error) {
        if (!(error instanceof StateConflictError || error instanceof VersionConflictError || error instanceof NotFoundError)) throw error; // already stopping or gone
      }
    }
    let campaignId: string | undefined;
    try {
      const { view } = await this.deps.campaigns.createCampaign(schedule.spec.campaign, {
        idempotencyKey: pending.idempotencyKey,
        origin: { scheduleId: id, occurrence: pending.occurrence },
      });
      campaignId = view.campaign.campaignId;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const updated = await this.deps.schedules.updateSchedule(id, schedule.version, { pending: undefined });
      await this.event(id, 'schedule.run-refused', { occurrence: iso(pending.occurrence), error: error.message });
      this.deps.log.log('error', 'schedule run refused', { scheduleId: id, occurrence: iso(pending.occurrence), error: error.message });
      return { schedule: updated, occurrence: pending.occurrence, cancelled: pending.cancel };
    }
    const updated = await this.deps.schedules.updateSchedule(id, schedule.version, { pending: undefined, lastCampaignId: campaignId });
    await this.event(id, 'schedule.run-started', { occurrence: iso(pending.occurrence), campaignId, idempotencyKey: pending.idempotencyKey });
    this.deps.log.log('info', 'schedule run started', { scheduleId: id, occurrence: iso(pending.occurrence), campaignId });
    return { schedule: updated, occurrence: pending.occurrence, campaignId, cancelled: pending.cancel };
  }

  private async read(scheduleId: string): Promise<ScheduleRecord> {
    const schedule = await this.deps.schedules.getSchedule(scheduleId);
    if (!schedule || schedule.deletedAt !== undefined) throw new NotFoundError(`no schedule ${scheduleId}`);
    return schedule;
  }

  private async liveRuns(scheduleId: string): Promise<string[]> {
    return liveRunsBySchedule(await this.deps.store.listLiveCampaigns()).get(scheduleId) ?? [];
  }

  private async view(schedule: ScheduleRecord, next: number): Promise<ScheduleView> {
    const upcoming = schedule.nextRunAt === null ? [] : calendarOfSpec(schedule.spec).upcoming(schedule.nextRunAt, next);
    const runs: ScheduleRun[] = (await this.deps.store.listCampaigns())
      .filter((c) => c.scheduleId === schedule.scheduleId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((c) => ({ campaignId: c.campaignId, status: c.status, occurrence: iso(c.occurrence ?? c.createdAt) as string, createdAt: c.createdAt }));
    return { schedule, next: upcoming.map((at) => iso(at) as string), runs };
  }

  private async event(scheduleId: string, type: string, detail: Record<string, unknown>): Promise<void> {
    const event: LifecycleEvent = { at: this.deps.clock.now(), campaignId: scheduleEventsId(scheduleId), type, detail };
    await this.deps.store.appendEvents([event]);
  }
}

/** The `missed` patch for wall times a daylight-saving gap folded into a decided occurrence; none: no patch. */
function foldedMissed(schedule: ScheduleRecord, decision: { coincident?: number }): SchedulePatch {
  return decision.coincident === undefined ? {} : { missed: schedule.missed + decision.coincident };
}

/** The live (non-terminal) runs of each schedule, by schedule id. */
export function liveRunsBySchedule(campaigns: readonly CampaignRecord[]): Map<string, string[]> {
  const live = new Map<string, string[]>();
  for (const campaign of campaigns) {
    if (campaign.scheduleId === undefined || isTerminalCampaign(campaign.status)) continue;
    live.set(campaign.scheduleId, [...(live.get(campaign.scheduleId) ?? []), campaign.campaignId]);
  }
  return live;
}

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
