/**
 * The schedule policy's edges that mutation testing (`npm run mutate`, docs/mutation.md) found
 * unguarded: what a paused or exhausted schedule waits for, the catch-up walk's bounds (the
 * calendar ending, the window's edge with jitter, the per-step cap) and the trigger's refusal.
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { parseCronRule, type CronRule } from '../../../core/schedule/cron-rule.js';
import { calendarOf, decideSchedule, decideTrigger, jitterMs, MAX_MISSED_PER_STEP, type Calendar } from '../../../core/schedule/schedule-policy.js';
import type { ScheduleRecord } from '../../../core/model/schedule-record.js';
import { storedSchedule } from '../../support/campaigns.js';

const T0 = Date.parse('2026-02-02T00:00:00Z');
const MIN = 60_000;

function schedule(overrides: Record<string, unknown> = {}, state: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return storedSchedule({ name: 's', ...overrides }, { createdAt: T0 - MIN, nextRunAt: T0, version: 3 }, state);
}
const everyTenMinutes = calendarOf({}, parseCronRule('*/10 * * * *', 'UTC') as CronRule);

describe('decideSchedule waits', () => {
  it('while paused, with no deadline, even when an occurrence is overdue', () => {
    expect(decideSchedule(schedule({}, { paused: true }), everyTenMinutes, [], T0 + 3 * MIN)).toEqual({ kind: 'wait', until: null });
  });

  it('with no deadline once no occurrence is left (nextRunAt null)', () => {
    expect(decideSchedule(schedule({}, { nextRunAt: null }), everyTenMinutes, [], T0 + 3 * MIN)).toEqual({ kind: 'wait', until: null });
  });
});

describe('the catch-up walk (miss)', () => {
  it('stops at the end of the calendar: the last occurrence missed leaves nextRunAt null', () => {
    const until = new Date(T0 + 10 * MIN).toISOString();
    const bounded = calendarOf({ until }, parseCronRule('*/10 * * * *', 'UTC') as CronRule);
    const s = schedule({ catchupWindow: '5m', until });
    expect(decideSchedule(s, bounded, [], T0 + 60 * MIN)).toEqual({ kind: 'miss', occurrence: T0, count: 2, nextRunAt: null, lateMs: 60 * MIN });
  });

  it('an occurrence exactly catchupWindow past its jittered due time is not missed; the jitter is added, not taken away', () => {
    const s = schedule({ catchupWindow: '5m', jitter: '2m' });
    const next = T0 + 10 * MIN;
    const jitterOfNext = jitterMs('s', next, 120);
    expect(jitterOfNext).toBeGreaterThan(0);
    const now = next + jitterOfNext + 5 * MIN;
    expect(decideSchedule(s, everyTenMinutes, [], now)).toEqual({
      kind: 'miss',
      occurrence: T0,
      count: 1,
      nextRunAt: next,
      lateMs: now - T0 - jitterMs('s', T0, 120),
    });
    expect(decideSchedule(s, everyTenMinutes, [], now + 1)).toMatchObject({ kind: 'miss', count: 2, nextRunAt: next + 10 * MIN });
  });

  it(`records at most MAX_MISSED_PER_STEP (${MAX_MISSED_PER_STEP}) occurrences in one step, and points at the next one`, () => {
    const everyMinute: Calendar = { nextAfter: (after) => ms(after + MIN), upcoming: () => [] };
    const s = schedule({ catchupWindow: '1m' });
    const decision = decideSchedule(s, everyMinute, [], T0 + 2 * MAX_MISSED_PER_STEP * MIN);
    expect(decision).toMatchObject({ kind: 'miss', occurrence: T0, count: MAX_MISSED_PER_STEP, nextRunAt: T0 + MAX_MISSED_PER_STEP * MIN });
  });
});

describe('decideTrigger refusals name the live runs and the policy', () => {
  it('skip: every live run, comma separated', () => {
    expect(decideTrigger(schedule({ overlap: 'skip' }), ['c-1', 'c-2'])).toEqual({
      kind: 'refuse',
      reason: 'run c-1, c-2 is still live and the overlap policy is skip',
    });
  });

  it('bufferOne with a run already waiting says so', () => {
    expect(decideTrigger(schedule({ overlap: 'bufferOne' }, { buffered: T0 }), ['c-1'])).toEqual({
      kind: 'refuse',
      reason: 'run c-1 is still live and the overlap policy is bufferOne (one run already waits)',
    });
  });
});
