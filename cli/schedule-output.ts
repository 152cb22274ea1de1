/**
 * What the schedule commands print for people (issue 21): a table for `list`, a short view for
 * `show` (and for `create`, `pause`, `resume`, whose answer is the same view), a sentence for
 * `trigger` and `delete`. Times in the schedule's own zone beside UTC, durations in words
 * (`10m`, `in 16h 32m`), nothing in epoch milliseconds. `--json` prints the API's answer instead.
 */
import { formatDuration } from '../core/config/duration.js';
import type { ScheduleRecord } from '../core/model/schedule-record.js';
import type { ScheduleView, TriggerResult } from '../core/ports.js';

/** `2026-12-08 09:00 KST` in `zone` (24-hour clock, the zone's short name as the platform's ICU gives it). */
export function zonedTime(ms: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/** `2026-12-08T00:00Z` */
function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** `in 16h32m`, `in 2d3h`, `3m ago` from `now`, to the minute (`in <1m` under a minute). */
export function relative(ms: number, now: number): string {
  const minutes = Math.floor(Math.abs(ms - now) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const span =
    minutes === 0
      ? '<1m'
      : days > 0
        ? `${days}d${hours > 0 ? `${hours}h` : ''}`
        : hours > 0
          ? `${hours}h${minutes % 60 > 0 ? `${minutes % 60}m` : ''}`
          : `${minutes}m`;
  return ms >= now ? `in ${span}` : `${span} ago`;
}

/** A spec's duration in seconds, in words (`10m`, `0s`). */
function words(seconds: number): string {
  return seconds === 0 ? '0s' : formatDuration(seconds);
}

/** active, paused (with its note), ended (no occurrence left), deleted. */
function state(s: ScheduleRecord): string {
  if (s.deletedAt !== undefined) return 'deleted';
  if (s.paused) return s.note ? `paused: ${s.note}` : 'paused';
  return s.nextRunAt === null ? 'ended' : 'active';
}

/** Aligns rows of cells into columns, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** `schedule list`: one row per schedule. */
export function renderScheduleList(schedules: readonly ScheduleRecord[], now: number): string[] {
  if (schedules.length === 0) return ['no schedules (create one with `arbfleet schedule create FILE`)'];
  const rows = schedules.map((s) => {
    const zone = s.spec.timezone;
    const next = s.paused || s.nextRunAt === null ? '-' : `${zonedTime(s.nextRunAt, zone)} (${utc(s.nextRunAt)}, ${relative(s.nextRunAt, now)})`;
    return [s.scheduleId, `"${s.spec.cron}"`, zone, state(s), next, String(s.runs), String(s.skipped), String(s.missed), s.lastCampaignId ?? '-'];
  });
  return table([['name', 'cron', 'zone', 'state', 'next run', 'runs', 'skipped', 'missed', 'last campaign'], ...rows]);
}

/** `schedule show` (and create, pause, resume): the rule, the state, the next runs, the runs so far. */
export function renderScheduleView(view: ScheduleView, now: number): string[] {
  const s = view.schedule;
  const spec = s.spec;
  const zone = spec.timezone;
  const rule = [
    `schedule ${s.scheduleId}: cron "${spec.cron}" in ${zone}`,
    `overlap ${spec.overlap}`,
    `catch-up window ${words(spec.catchupWindow)}`,
    ...(spec.jitter > 0 ? [`jitter up to ${words(spec.jitter)}`] : []),
    ...(spec.maxRuns !== undefined ? [`at most ${spec.maxRuns} run(s)`] : []),
    ...(spec.until !== undefined ? [`until ${spec.until}`] : []),
  ].join(', ');
  const lines = [rule, `state: ${state(s)} · runs ${s.runs} · skipped ${s.skipped} · missed ${s.missed}`];
  if (s.deletedAt !== undefined) {
    lines.push('next runs: none (deleted)');
  } else if (s.paused) {
    lines.push('next runs: none while paused (`arbfleet schedule resume` picks the calendar up from then)');
  } else if (view.next.length === 0) {
    lines.push('next runs: none (the schedule has ended)');
  } else {
    lines.push('next runs:');
    lines.push(...table(view.next.map((iso) => Date.parse(iso)).map((ms) => [`  ${zonedTime(ms, zone)}`, utc(ms), relative(ms, now)])));
  }
  if (view.runs.length === 0) {
    lines.push('runs: none yet');
  } else {
    lines.push('runs (newest first):');
    lines.push(...table(view.runs.map((r) => [`  ${zonedTime(Date.parse(r.occurrence), zone)}`, r.campaignId, r.status])));
  }
  return lines;
}

/** `schedule trigger`: what it did. */
export function renderTrigger(scheduleId: string, result: TriggerResult): string[] {
  return result.outcome === 'started'
    ? [`schedule ${scheduleId}: started campaign ${result.campaignId ?? '?'} (occurrence ${result.occurrence})`]
    : [`schedule ${scheduleId}: a run is live; this one waits to start when it ends (overlap bufferOne, occurrence ${result.occurrence})`];
}
