/**
 * What the schedule commands print for people (issue 21): a table for `list`, a short view for
 * `show` (and for `create`, `pause`, `resume`, whose answer is the same view), a sentence for
 * `trigger` and `delete`. Times in the schedule's own zone beside UTC, durations in words
 * (`10m`, `in 16h 32m`), nothing in epoch milliseconds. `--json` prints the API's answer instead.
 */
import { formatDuration } from '../core/config/duration.js';
import type { ScheduleRecord } from '../core/model/schedule-record.js';
import type { ScheduleView, TriggerResult } from '../core/ports.js';
import { relative, utcMinute as utc, zonedTime } from '../core/report/zoned-time.js';

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
