/**
 * A schedule's calendar: a five-field cron expression read in an IANA time zone, evaluated by
 * croner (https://github.com/Hexagon/croner), never by hand.
 *
 * Fields: minute hour day-of-month month day-of-week (0 or 7 = Sunday), with croner's syntax
 * (`*`, lists, ranges, steps, names such as `MON-FRI`). When both day-of-month and day-of-week are
 * restricted, a date matches either (Vixie cron's rule, croner's default).
 *
 * Daylight-saving time, as croner resolves it (checked in `test/unit/schedule/cron-rule.test.ts`):
 * - spring forward: a wall time inside the skipped hour runs once, an hour later on the wall clock
 *   (`30 2 * * *` in America/New_York on 2026-03-08 runs at 03:30 EDT = 07:30Z; in Europe/Berlin
 *   on 2026-03-29 at 03:30 CEST = 01:30Z);
 * - fall back: a wall time inside the repeated hour runs once, at its first instance (`30 1 * * *`
 *   in America/New_York on 2026-11-01 runs at 01:30 EDT = 05:30Z, not again at 01:30 EST).
 */
import { Cron } from 'croner';
import type { FieldIssue } from '../errors.js';

/** A parsed cron rule: the next matching instant after a given one. */
export interface CronRule {
  readonly cron: string;
  readonly timezone: string;
  /** The first occurrence strictly after `after` (ms since the epoch), or `null` when there is none. */
  nextAfter(after: number): number | null;
}

/**
 * Parses `cron` in `timezone`.
 * @returns the rule, or the issues (paths `cron`, `timezone`) saying what is wrong: a syntax error
 *   in croner's words, a zone that is not an IANA name, or a rule that never matches a date
 *   (`0 0 31 2 *`: February has no 31st).
 */
export function parseCronRule(cron: string, timezone: string, paths = { cron: 'cron', timezone: 'timezone' }): CronRule | FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isIanaZone(timezone)) issues.push({ path: paths.timezone, message: `"${timezone}" is not an IANA time zone such as Asia/Seoul, Europe/Berlin or UTC` });
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    issues.push({ path: paths.cron, message: `must have five fields (minute hour day-of-month month day-of-week), got ${fields.length}: "${cron}"` });
    return issues;
  }
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { mode: '5-part', paused: true, ...(issues.length === 0 ? { timezone } : {}) });
  } catch (error) {
    issues.push({ path: paths.cron, message: `"${cron}" is not a valid cron expression: ${cronReason(error)}` });
    return issues;
  }
  if (pattern.nextRun(new Date(0)) === null) {
    issues.unshift({ path: paths.cron, message: `"${cron}" never occurs: no date matches its day-of-month and month fields together (e.g. February 31st)` });
  }
  if (issues.length > 0) return issues;
  return {
    cron,
    timezone,
    nextAfter(after: number): number | null {
      return pattern.nextRun(new Date(after))?.getTime() ?? null;
    },
  };
}

function isIanaZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone.length > 0;
  } catch {
    return false;
  }
}

function cronReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern:\s*/, '');
}
