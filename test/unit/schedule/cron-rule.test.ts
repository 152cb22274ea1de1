/**
 * The cron rule through croner: five fields, IANA zones, the DST rules the docs promise
 * (core/schedule/cron-rule.ts), and refusals that name the field and the reason.
 */
import { describe, expect, it } from 'vitest';
import { parseCronRule, type CronRule } from '../../../core/schedule/cron-rule.js';
import { calendarOf } from '../../../core/schedule/schedule-policy.js';

function rule(cron: string, timezone: string): CronRule {
  const parsed = parseCronRule(cron, timezone);
  if (Array.isArray(parsed)) throw new Error(JSON.stringify(parsed));
  return parsed;
}

const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString());
const around = (cron: string, tz: string, fromIso: string, count: number) => iso(calendarOf({}, rule(cron, tz)).upcoming(Date.parse(fromIso), count));

describe('DST in America/New_York', () => {
  it('spring forward (2026-03-08): 02:30 does not exist and runs once, at 03:30 EDT', () => {
    expect(around('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // 03:30 EDT: the skipped 02:30, once
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('fall back (2026-11-01): 01:30 happens twice on the wall and runs once, at the first (EDT)', () => {
    expect(around('30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; not 06:30Z (01:30 EST)
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('an hourly rule on the fall-back day runs 24 times, not 25', () => {
    const day = calendarOf({}, rule('0 * * * *', 'America/New_York')).upcoming(Date.parse('2026-11-01T04:00:00Z'), 30);
    const localDay = day.filter((ms) => ms < Date.parse('2026-11-02T05:00:00Z'));
    expect(localDay).toHaveLength(24);
  });
});

describe('DST in Europe/Berlin', () => {
  it('spring forward (2026-03-29): 02:30 runs once, at 03:30 CEST', () => {
    expect(around('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 3)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('fall back (2026-10-25): 02:30 runs once, at the first (CEST)', () => {
    expect(around('30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', 3)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });
});

describe('bounds and boundaries', () => {
  it('nextAfter is strictly after: an occurrence at the instant given is not returned again', () => {
    const r = rule('0 9 * * *', 'Asia/Seoul');
    const first = r.nextAfter(Date.parse('2026-01-05T00:00:00Z'))!;
    expect(new Date(first).toISOString()).toBe('2026-01-06T00:00:00.000Z');
    expect(r.nextAfter(first)).toBe(first + 86_400_000);
    expect(r.nextAfter(first - 1)).toBe(first);
  });

  it('startAt and until bound the calendar, both inclusive', () => {
    const cal = calendarOf({ startAt: '2026-01-03T00:00:00Z', until: '2026-01-05T00:00:00Z' }, rule('0 0 * * *', 'UTC'));
    expect(iso(cal.upcoming(Date.parse('2026-01-01T00:00:00Z'), 10))).toEqual(['2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-05T00:00:00.000Z']);
  });
});

describe('refusals name the field and the reason', () => {
  it('an impossible date: 0 0 31 2 * never occurs', () => {
    expect(parseCronRule('0 0 31 2 *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringMatching(/"0 0 31 2 \*" never occurs: no date matches its day-of-month and month fields/) }]);
  });

  it('six fields (seconds) are refused: schedules take five', () => {
    expect(parseCronRule('0 0 9 * * *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringMatching(/must have five fields .* got 6/) }]);
  });

  it('an out-of-range value in croner words', () => {
    expect(parseCronRule('61 * * * *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringMatching(/not a valid cron expression: .*minute/i) }]);
  });

  it('a zone that is not IANA', () => {
    expect(parseCronRule('0 9 * * *', 'Mars/Olympus')).toEqual([{ path: 'timezone', message: expect.stringMatching(/"Mars\/Olympus" is not an IANA time zone/) }]);
  });
});
