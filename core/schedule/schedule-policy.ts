/**
 * What a schedule does next: pure functions of its record, the live runs and the time. The
 * schedule service (`schedule-service.ts`) carries each decision out with a compare-and-set on the
 * record, so two control planes deciding the same thing cannot both act on it.
 */
import { createHash } from 'node:crypto';
import { asEpochMs, type EpochMs } from '../clock.js';
import type { CronRule } from './cron-rule.js';
import type { ScheduleRecord, ScheduleSpec } from '../model/schedule-record.js';

/** The occurrences of a spec's rule inside its `startAt`/`until` bounds. */
export interface Calendar {
  /** The first occurrence strictly after `after` (ms) and not after `until`, or `null`. */
  nextAfter(after: number): EpochMs | null;
  /** The first `count` occurrences at or after `from` (ms). */
  upcoming(from: number, count: number): number[];
  /** Wall times the rule names folded into `occurrence` by a daylight-saving gap, besides one (`CronRule.coincident`); absent: 0. */
  coincident?(occurrence: number): number;
}

/** A spec's calendar: the cron rule bounded by `startAt` (inclusive) and `until` (inclusive). */
export function calendarOf(spec: Pick<ScheduleSpec, 'startAt' | 'until'>, rule: CronRule): Calendar {
  const startAt = spec.startAt === undefined ? undefined : Date.parse(spec.startAt);
  const until = spec.until === undefined ? undefined : Date.parse(spec.until);
  const nextAfter = (after: number): EpochMs | null => {
    const from = startAt !== undefined && after < startAt ? startAt - 1 : after;
    const next = rule.nextAfter(from);
    return next === null || (until !== undefined && next > until) ? null : asEpochMs(next);
  };
  return {
    nextAfter,
    upcoming(from, count) {
      const out: number[] = [];
      let at = from - 1;
      while (out.length < count) {
        const next = nextAfter(at);
        if (next === null) break;
        out.push(next);
        at = next;
      }
      return out;
    },
    coincident: (occurrence) => rule.coincident(occurrence),
  };
}

/**
 * The delay added to an occurrence's start (ms, `0 <= delay < jitter`): a hash of the schedule
 * and the occurrence, so every control plane computes the same one and the identity never moves.
 */
export function jitterMs(scheduleId: string, occurrence: number, jitterSec: number): number {
  if (jitterSec <= 0) return 0;
  const digest = createHash('sha256').update(`${scheduleId}@${occurrence}`).digest();
  return digest.readUInt32BE(0) % Math.floor(jitterSec * 1000);
}

/**
 * What to do with a schedule now. A step that decides an occurrence carries `coincident` when a
 * daylight-saving gap folded other wall times of the rule into it (`CronRule.coincident`): runs
 * not made, which the service records as missed.
 */
export type ScheduleDecision =
  /** Nothing before `until` (ms; `null`: nothing will come unless resumed or triggered). */
  | { kind: 'wait'; until: number | null }
  /** Finish a claimed run (create its campaign, idempotently): a control plane died between the two. */
  | { kind: 'complete' }
  /** Claim `occurrence` and start its run, stopping `cancel` first. */
  | { kind: 'start'; occurrence: number; nextRunAt: EpochMs | null; cancel: string[]; coincident?: number }
  /** Start the run `bufferOne` kept waiting: the live run has ended. */
  | { kind: 'startBuffered'; occurrence: number }
  /** Keep `occurrence` waiting for the live run (`bufferOne`). */
  | { kind: 'buffer'; occurrence: number; nextRunAt: EpochMs | null; coincident?: number }
  /** Record `occurrence` as skipped: a run is live (`skip`, or `bufferOne` with one already waiting). */
  | { kind: 'skip'; occurrence: number; nextRunAt: EpochMs | null; coincident?: number }
  /**
   * Record `count` occurrences from `occurrence` on as missed: found later than `catchupWindow`
   * after they were due (the control plane was down). `nextRunAt` is the first one not missed.
   */
  | { kind: 'miss'; occurrence: number; count: number; nextRunAt: EpochMs | null; lateMs: number; coincident?: number };

/**
 * The next step of `schedule` at `now` (ms), given the ids of its runs still live.
 *
 * Order: a claimed run is completed first; a paused schedule waits; a buffered occurrence starts
 * once nothing is live; then the occurrence at `nextRunAt`, due at `nextRunAt + jitter`: later
 * than `catchupWindow` it is missed; otherwise the overlap policy decides. Each step moves
 * `nextRunAt` to the following occurrence (`null` after `until`, or once `maxRuns` runs started).
 * Called again after each step, it walks through every occurrence due while the control plane was down.
 */
export function decideSchedule(schedule: ScheduleRecord, calendar: Calendar, live: readonly string[], now: number): ScheduleDecision {
  if (schedule.pending) return { kind: 'complete' };
  if (schedule.paused) return { kind: 'wait', until: null };
  if (schedule.buffered !== undefined && live.length === 0) return { kind: 'startBuffered', occurrence: schedule.buffered };
  const occurrence = schedule.nextRunAt;
  if (occurrence === null) return { kind: 'wait', until: null };
  const { spec } = schedule;
  const due = occurrence + jitterMs(schedule.scheduleId, occurrence, spec.jitter);
  if (now < due) return { kind: 'wait', until: due };
  const following = calendar.nextAfter(occurrence);
  const lateMs = now - due;
  if (lateMs > spec.catchupWindow * 1000) return missed(schedule, calendar, occurrence, now, lateMs);
  return withCoincident(overlapDecision(schedule, occurrence, following, live), calendar.coincident?.(occurrence) ?? 0);
}

/** The occurrence due now, under the overlap policy, given the runs still live. */
function overlapDecision(
  schedule: ScheduleRecord,
  occurrence: number,
  following: EpochMs | null,
  live: readonly string[],
): Extract<ScheduleDecision, { kind: 'start' | 'buffer' | 'skip' }> {
  const { spec } = schedule;
  const afterStart = spec.maxRuns !== undefined && schedule.runs + 1 >= spec.maxRuns ? null : following;
  if (live.length === 0 || spec.overlap === 'allow') return { kind: 'start', occurrence, nextRunAt: afterStart, cancel: [] };
  switch (spec.overlap) {
    case 'skip':
      return { kind: 'skip', occurrence, nextRunAt: following };
    case 'bufferOne':
      return schedule.buffered === undefined ? { kind: 'buffer', occurrence, nextRunAt: afterStart } : { kind: 'skip', occurrence, nextRunAt: following };
    case 'cancelPrevious':
      return { kind: 'start', occurrence, nextRunAt: afterStart, cancel: [...live] };
  }
}

/** `decision` carrying `coincident` when it is not 0 (decisions without folded wall times keep their shape). */
function withCoincident<D extends Extract<ScheduleDecision, { occurrence: number }>>(decision: D, coincident: number): D {
  return coincident > 0 ? { ...decision, coincident } : decision;
}

/**
 * What a manual `trigger` at `now` does under the overlap policy: start (stopping `cancel`),
 * buffer, or be refused (`skip`, or a buffer already full) with the reason.
 */
export function decideTrigger(
  schedule: ScheduleRecord,
  live: readonly string[],
): { kind: 'start'; cancel: string[] } | { kind: 'buffer' } | { kind: 'refuse'; reason: string } {
  if (live.length === 0 || schedule.spec.overlap === 'allow') return { kind: 'start', cancel: [] };
  if (schedule.spec.overlap === 'cancelPrevious') return { kind: 'start', cancel: [...live] };
  if (schedule.spec.overlap === 'bufferOne' && schedule.buffered === undefined) return { kind: 'buffer' };
  return {
    kind: 'refuse',
    reason: `run ${live.join(', ')} is still live and the overlap policy is ${schedule.spec.overlap}${schedule.buffered !== undefined ? ' (one run already waits)' : ''}`,
  };
}

/** Most occurrences one `miss` step records (a per-minute rule down for a year is 525,600). */
export const MAX_MISSED_PER_STEP = 100_000;

/** Every occurrence from `first` on that is already past its catch-up window, in one step. */
function missed(schedule: ScheduleRecord, calendar: Calendar, first: number, now: number, lateMs: number): ScheduleDecision {
  const windowMs = schedule.spec.catchupWindow * 1000;
  let count = 1;
  let coincident = calendar.coincident?.(first) ?? 0;
  let next = calendar.nextAfter(first);
  while (next !== null && count < MAX_MISSED_PER_STEP && now - (next + jitterMs(schedule.scheduleId, next, schedule.spec.jitter)) > windowMs) {
    count++;
    coincident += calendar.coincident?.(next) ?? 0;
    next = calendar.nextAfter(next);
  }
  return withCoincident({ kind: 'miss', occurrence: first, count, nextRunAt: next, lateMs }, coincident);
}
