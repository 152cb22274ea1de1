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
    expect(around('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fall back (2026-10-25): 02:30 runs once, at the first (CEST)', () => {
    expect(around('30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });
});

describe('the dst-schedules case (../shared/cases/from-public-reports/dst-schedules): every wall time the rule names runs', () => {
  it('*/30 2 * * * in America/New_York on 2027-03-14: 02:00 and 02:30 both run, shifted to 03:00 and 03:30 EDT', () => {
    expect(around('*/30 2 * * *', 'America/New_York', '2027-03-13T00:00:00Z', 6)).toEqual([
      '2027-03-13T07:00:00.000Z',
      '2027-03-13T07:30:00.000Z',
      '2027-03-14T07:00:00.000Z', // 03:00 EDT (02:00 shifted by the 1-hour gap)
      '2027-03-14T07:30:00.000Z', // 03:30 EDT (02:30)
      '2027-03-15T06:00:00.000Z',
      '2027-03-15T06:30:00.000Z',
    ]);
  });

  it('*/10 2 * * * in America/New_York on 2027-03-14: six runs, 03:00 to 03:50 EDT', () => {
    const day = around('*/10 2 * * *', 'America/New_York', '2027-03-14T06:00:00Z', 7);
    expect(day).toEqual(['00', '10', '20', '30', '40', '50'].map((m) => `2027-03-14T07:${m}:00.000Z`).concat('2027-03-15T06:00:00.000Z'));
  });

  it('15,45 2 * * * in Europe/Berlin on 2027-03-28: 03:15 and 03:45 CEST', () => {
    expect(around('15,45 2 * * *', 'Europe/Berlin', '2027-03-28T00:00:00Z', 3)).toEqual([
      '2027-03-28T01:15:00.000Z',
      '2027-03-28T01:45:00.000Z',
      '2027-03-29T00:15:00.000Z',
    ]);
  });

  it('45 1 * * * in Australia/Lord_Howe (a 30-minute shift) on 2027-04-04: the first 01:45 (+11:00), not the second (+10:30)', () => {
    expect(around('45 1 * * *', 'Australia/Lord_Howe', '2027-04-02T00:00:00Z', 3)).toEqual([
      '2027-04-02T14:45:00.000Z', // 2027-04-03 01:45 +11:00
      '2027-04-03T14:45:00.000Z', // 2027-04-04 01:45 +11:00, the first instance; not 15:15Z
      '2027-04-04T15:15:00.000Z', // 2027-04-05 01:45 +10:30
    ]);
  });

  it("Lord_Howe's 30-minute gap (2027-10-03, 02:00 -> 02:30): 02:15 runs at 02:45 +11:00", () => {
    expect(around('15 2 * * *', 'Australia/Lord_Howe', '2027-10-01T00:00:00Z', 3)).toEqual([
      '2027-10-01T15:45:00.000Z', // 2027-10-02 02:15 +10:30
      '2027-10-02T15:45:00.000Z', // 2027-10-03 02:45 +11:00: 02:15 shifted by the 30-minute gap
      '2027-10-03T15:15:00.000Z', // 2027-10-04 02:15 +11:00
    ]);
  });

  it('a shifted wall time that lands on another named one is one occurrence; coincident counts the other', () => {
    const r = rule('0,30 2,3 * * *', 'America/New_York');
    const day = iso(calendarOf({}, r).upcoming(Date.parse('2027-03-14T05:00:00Z'), 3));
    expect(day).toEqual(['2027-03-14T07:00:00.000Z', '2027-03-14T07:30:00.000Z', '2027-03-15T06:00:00.000Z']);
    expect([Date.parse('2027-03-14T07:00:00Z'), Date.parse('2027-03-14T07:30:00Z'), Date.parse('2027-03-15T06:00:00Z')].map((at) => r.coincident(at))).toEqual([
      1, 1, 0,
    ]);
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
    expect(iso(cal.upcoming(Date.parse('2026-01-01T00:00:00Z'), 10))).toEqual([
      '2026-01-03T00:00:00.000Z',
      '2026-01-04T00:00:00.000Z',
      '2026-01-05T00:00:00.000Z',
    ]);
  });
});

describe('refusals name the field and the reason', () => {
  it('an impossible date: 0 0 31 2 * never occurs', () => {
    expect(parseCronRule('0 0 31 2 *', 'UTC')).toEqual([
      { path: 'cron', message: expect.stringMatching(/"0 0 31 2 \*" never occurs: no date matches its day-of-month and month fields/) },
    ]);
  });

  it('six fields (seconds) are refused: schedules take five', () => {
    expect(parseCronRule('0 0 9 * * *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringMatching(/must have five fields .* got 6/) }]);
  });

  it('an out-of-range value in croner words', () => {
    expect(parseCronRule('61 * * * *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringMatching(/not a valid cron expression: .*minute/i) }]);
  });

  it('a zone that is not IANA', () => {
    expect(parseCronRule('0 9 * * *', 'Mars/Olympus')).toEqual([
      { path: 'timezone', message: expect.stringMatching(/"Mars\/Olympus" is not an IANA time zone/) },
    ]);
  });
});
