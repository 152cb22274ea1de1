/**
 * A schedule's calendar: a five-field cron expression read in an IANA time zone. Croner
 * (https://github.com/Hexagon/croner) decides which wall times match; this file turns each wall
 * time into an instant, because croner 10 drops every wall time in a daylight-saving gap after
 * the first one and picks the second instance of a repeated time in zones whose shift is not an
 * hour (Australia/Lord_Howe), with no option to do otherwise (its README: "jobs scheduled during
 * DST gaps are skipped").
 *
 * Fields: minute hour day-of-month month day-of-week (0 or 7 = Sunday), with croner's syntax
 * (`*`, lists, ranges, steps, names such as `MON-FRI`). When both day-of-month and day-of-week are
 * restricted, a date matches either (Vixie cron's rule, croner's default).
 *
 * Daylight-saving time, the rule (Temporal's `disambiguation: 'compatible'`; checked for every
 * IANA zone with a transition in 2026-2030 in `test/unit/schedule/cron-dst-property.test.ts`):
 * - gap (spring forward): each wall time the rule names inside the skipped interval runs once,
 *   shifted forward by the length of the gap (`*\/10 2 * * *` in America/New_York on 2027-03-14
 *   runs at 03:00, 03:10 … 03:50 EDT; Australia/Lord_Howe's 30-minute gap moves 02:15 to 02:45);
 * - overlap (fall back): each wall time inside the repeated interval runs once, at its first
 *   instance (`30 1 * * *` in America/New_York on 2026-11-01 at 01:30 EDT = 05:30Z, not again at
 *   01:30 EST; Lord_Howe `45 1 * * *` on 2027-04-04 at 01:45 +11:00);
 * - when a shifted wall time lands on an instant the rule also names (`0,30 2,3 * * *` on a
 *   spring-forward day: 02:30 shifted is 03:30), the two are one occurrence; `coincident` counts
 *   the wall times folded into it, which the schedule records as missed.
 * Assumes at most one offset change within a day of any wall time (true of every zone in 2026-2030).
 */
import { Cron } from 'croner';
import type { FieldIssue } from '../errors.js';
import { zoneOffsets } from '../clock.js';

/** A parsed cron rule: the next matching instant after a given one. */
export interface CronRule {
  readonly cron: string;
  readonly timezone: string;
  /** The first occurrence strictly after `after` (ms since the epoch), or `null` when there is none. */
  nextAfter(after: number): number | null;
  /**
   * How many wall times the rule names, besides one, fall on the occurrence `at` (ms): 0 except
   * when a gap's shifted wall time lands on a wall time the rule also names (then 1).
   */
  coincident(at: number): number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

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
  // Croner reads the pattern on a wall-clock scale: wall time as if it were UTC, every minute of
  // every day present, none twice. Instants come from `instantOfWall` below.
  let wall: Cron;
  try {
    wall = new Cron(cron, { mode: '5-part', paused: true, utcOffset: 0 });
  } catch (error) {
    issues.push({ path: paths.cron, message: `"${cron}" is not a valid cron expression: ${cronReason(error)}` });
    return issues;
  }
  if (wall.nextRun(new Date(0)) === null) {
    issues.unshift({ path: paths.cron, message: `"${cron}" never occurs: no date matches its day-of-month and month fields together (e.g. February 31st)` });
  }
  if (issues.length > 0) return issues;
  const offsetAt = zoneOffsets(timezone);
  const instantOf = (w: number): number => instantOfWall(w, offsetAt);
  return {
    cron,
    timezone,
    nextAfter(after: number): number | null {
      // Wall times map to instants in order (ties only where a shifted gap time meets a named
      // one), so the first wall time whose instant is past `after` is the answer. A gap's shifted
      // times lie up to one gap before `after`'s own wall time: start from the earlier offset.
      const from = Math.floor(after / MINUTE_MS) * MINUTE_MS;
      let w = from + Math.min(offsetAt(from), offsetAt(from - DAY_MS)) - MINUTE_MS;
      for (;;) {
        const next = wall.nextRun(new Date(w))?.getTime();
        if (next === undefined) return null;
        const at = instantOf(next);
        if (at > after) return at;
        w = next;
      }
    },
    coincident(at: number): number {
      const here = at + offsetAt(at);
      const before = at + offsetAt(at - DAY_MS);
      const named = (w: number) => wall.match(new Date(w)) && instantOf(w) === at;
      return here !== before && named(here) && named(before) ? 1 : 0;
    },
  };
}

/**
 * The instant (ms) of wall time `wall` (a wall-clock reading written as if UTC) in the zone whose
 * offsets `offsetAt` gives: the single one; in an overlap the first; in a gap the wall time read
 * with the offset before the gap (so it lands the gap's length later on the wall clock).
 */
function instantOfWall(wall: number, offsetAt: (instant: number) => number): number {
  const early = offsetAt(wall - DAY_MS);
  const late = offsetAt(wall + DAY_MS);
  if (early === late) return wall - early;
  const viaEarly = offsetAt(wall - early) === early;
  const viaLate = offsetAt(wall - late) === late;
  if (viaEarly && viaLate) return Math.min(wall - early, wall - late);
  if (viaEarly) return wall - early;
  if (viaLate) return wall - late;
  return wall - early;
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
