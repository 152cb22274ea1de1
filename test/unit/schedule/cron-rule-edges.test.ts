/**
 * A cron rule at its edges (`core/schedule/cron-rule.ts`; written against the survivors of its
 * Stryker run, docs/mutation.md): fields split on any run of blanks and the rule trimmed, croner's
 * reason without its `CronPattern:` prefix, the end of croner's calendar, a spring-forward time
 * that is the shifted image of a time the rule does not name. (Croner's `utcOffset: 0`, which keeps
 * the machine's own zone out, is not tested here: Stryker runs vitest in worker threads, where
 * `process.env.TZ` does not change the zone; docs/mutation.md.)
 */
import { describe, expect, it } from 'vitest';
import { type CronRule, parseCronRule } from '../../../core/schedule/cron-rule.js';

function rule(cron: string, timezone = 'UTC'): CronRule {
  const parsed = parseCronRule(cron, timezone);
  if (Array.isArray(parsed)) throw new Error(`${cron} in ${timezone}: ${JSON.stringify(parsed)}`);
  return parsed;
}

describe('the rule as written', () => {
  it('blanks around the rule and runs of blanks (tabs too) between its fields are one separator', () => {
    expect(rule('  0 2 * * *  ').nextAfter(0)).toBe(Date.parse('1970-01-01T02:00:00Z'));
    expect(rule('0  2 *\t* *').nextAfter(0)).toBe(Date.parse('1970-01-01T02:00:00Z'));
  });

  it("a value croner refuses: its reason, without croner's CronPattern: prefix", () => {
    expect(parseCronRule('61 * * * *', 'UTC')).toEqual([
      { path: 'cron', message: '"61 * * * *" is not a valid cron expression: Invalid value for minute: 61' },
    ]);
  });
});

describe('the end of the calendar', () => {
  it("past croner's last year (it searches up to 3000) there is no next occurrence: null, not a crash", () => {
    expect(rule('0 0 29 2 *').nextAfter(Date.parse('3000-06-01T00:00:00Z'))).toBeNull();
  });
});

describe('coincident', () => {
  it('03:30 EDT on a spring-forward day is the image of 02:30 EST, which 30 3 * * * does not name: no fold', () => {
    const ny = rule('30 3 * * *', 'America/New_York');
    const at = Date.parse('2027-03-14T07:30:00Z');
    expect(ny.nextAfter(at - 1)).toBe(at);
    expect(ny.coincident(at)).toBe(0);
    expect(rule('30 2,3 * * *', 'America/New_York').coincident(at)).toBe(1);
  });

  it('02:30 EST on a fall-back day, a day after 03:30 EDT: no fold (the wall time a day before names another instant)', () => {
    const ny = rule('30 2,3 * * *', 'America/New_York');
    const at = Date.parse('2026-11-01T07:30:00Z');
    expect(ny.nextAfter(at - 1)).toBe(at);
    expect(ny.coincident(at)).toBe(0);
  });
});
