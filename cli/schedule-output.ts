/**
 * What the schedule commands print for people (issue 21): a table for `list`, a short view for
 * `show` (and for `create`, `pause`, `resume`, whose answer is the same view), a sentence for
 * `trigger` and `delete`. Times in the schedule's own zone beside UTC, durations in words
 * (`10m`, `in 16h 32m`), nothing in epoch milliseconds. `--json` prints the API's answer instead.
 * A refusal (`apiRefusal`) is an error in words, never the API's JSON on stdout.
 */
import { withLines } from '../core/config/config-issues.js';
import { formatDuration } from '../core/config/duration.js';
import { AlreadyExistsError, NotFoundError, StateConflictError, ValidationError, type FieldIssue } from '../core/errors.js';
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

/** Where a refused request's fields came from: the file (and its text, for lines) and the flags that override fields. */
export interface RefusedRequest {
  /** The command as the user typed it, e.g. `schedule show nope`. */
  command: string;
  /** How to list what there is, e.g. `arbfleet schedule list`. */
  listCommand: string;
  /** What `listCommand` lists (default `the schedules`). */
  listed?: string;
  /** `create`: the file the spec came from, its text, and whether it is a campaign config (its fields under `campaign.` in the spec). */
  file?: { path: string; text: string; campaignConfig: boolean };
  /** The request fields a flag set (`timezone` → `--timezone`, `next` → `--next`). */
  flags?: Readonly<Record<string, string>>;
}

/**
 * A refusal of the API (a non-2xx answer: `schedule` and `remote`) as an error of the family, in words, for stderr: a 400
 * is a `ValidationError` (exit 2) naming each field where the user set it (the flag that gave it,
 * else the file's field with its line), a 404 a `NotFoundError` saying how to list the schedules,
 * a 409 an `AlreadyExistsError` or `StateConflictError` (exit 1, `ERROR_TABLE`); anything else an
 * error with the API's own message (exit 1). The answer is `{ error, message, issues? }`
 * (`core/api/http-status.ts`), or a gateway's `{ message }`.
 */
export function apiRefusal(status: number, body: unknown, request: RefusedRequest): Error {
  const { error, message, issues } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown; issues?: unknown };
  const said = typeof message === 'string' ? message : typeof body === 'string' ? body : `HTTP ${status}`;
  if (status === 400 || error === 'ValidationError') return validationRefusal(said, Array.isArray(issues) ? (issues as FieldIssue[]) : [], request);
  if (status === 404 || error === 'NotFoundError')
    return new NotFoundError(`${request.command}: ${said} (\`${request.listCommand}\` lists ${request.listed ?? 'the schedules'})`);
  if (error === 'AlreadyExistsError') return new AlreadyExistsError(`${request.command}: ${said}${request.file ? ' (--name gives the schedule another)' : ''}`);
  if (status === 409 || error === 'StateConflictError') return new StateConflictError(`${request.command}: ${said}`);
  return new Error(`${request.command}: the API answered ${status}${typeof error === 'string' ? ` ${error}` : ''}: ${said}`);
}

/** A 400's issues named where the user set each field: the flag, else the file's field (`campaign.symbols` of a campaign config is its `symbols`) and line. */
function validationRefusal(said: string, issues: readonly FieldIssue[], request: RefusedRequest): ValidationError {
  if (issues.length === 0) return new ValidationError([{ path: '', message: said }], request.command);
  const { file, flags = {} } = request;
  const fromFlags: FieldIssue[] = [];
  const fromFile: FieldIssue[] = [];
  for (const issue of issues) {
    const flag = flags[issue.path];
    if (flag !== undefined) fromFlags.push({ path: flag, message: issue.message });
    else fromFile.push({ path: file ? fieldInFile(issue.path, file.campaignConfig) : issue.path, message: issue.message });
  }
  if (file === undefined || fromFile.length === 0) return new ValidationError([...fromFlags, ...fromFile], file === undefined ? request.command : undefined);
  return new ValidationError([...withLines(fromFile, file.text), ...fromFlags], file.path);
}

/** A spec field's path in the file it came from: a campaign config's fields are the spec's `campaign.…`, its cron `schedule.cron`. */
function fieldInFile(path: string, campaignConfig: boolean): string {
  if (!campaignConfig) return path;
  if (path === 'cron' || path === 'startAt') return `schedule.${path}`;
  return path.startsWith('campaign.') ? path.slice('campaign.'.length) : path;
}
