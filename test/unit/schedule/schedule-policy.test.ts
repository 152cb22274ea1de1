/**
 * The pure decisions of a schedule: jitter (fixed per occurrence, inside its bound), the due time
 * at ±1 ms, catch-up coalescing, overlap and triggers.
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { parseCronRule, type CronRule } from '../../../core/schedule/cron-rule.js';
import { calendarOf, decideSchedule, decideTrigger, jitterMs } from '../../../core/schedule/schedule-policy.js';
import type { ScheduleRecord } from '../../../core/model/schedule-record.js';
import { storedSchedule } from '../../support/campaigns.js';

const T0 = Date.parse('2026-02-02T00:00:00Z');
const MIN = 60_000;

function schedule(overrides: Record<string, unknown> = {}, state: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return storedSchedule({ name: 's', ...overrides }, { createdAt: T0 - MIN, nextRunAt: T0, version: 3 }, state);
}
const calendar = calendarOf({}, parseCronRule('*/10 * * * *', 'UTC') as CronRule);

describe('jitter', () => {
  it('is the same for the same schedule and occurrence, inside [0, jitter), and differs between occurrences', () => {
    const delays = Array.from({ length: 50 }, (_, i) => jitterMs('s', T0 + i * 10 * MIN, 120));
    expect(delays.every((d) => d >= 0 && d < 120_000)).toBe(true);
    expect(jitterMs('s', T0, 120)).toBe(delays[0]);
    expect(new Set(delays).size).toBeGreaterThan(40);
    expect(jitterMs('s', T0, 0)).toBe(0);
  });

  it('moves the due time, not the occurrence: 1 ms before it waits, at it the occurrence starts', () => {
    const s = schedule({ jitter: '2m' });
    const due = T0 + jitterMs('s', T0, 120);
    expect(decideSchedule(s, calendar, [], due - 1)).toEqual({ kind: 'wait', until: due });
    expect(decideSchedule(s, calendar, [], due)).toEqual({ kind: 'start', occurrence: T0, nextRunAt: T0 + 10 * MIN, cancel: [] });
  });
});

describe('decideSchedule', () => {
  it('catch-up window at ±1 ms: exactly catchupWindow late still starts, 1 ms more is missed', () => {
    const s = schedule({ catchupWindow: '5m' });
    expect(decideSchedule(s, calendar, [], T0 + 5 * MIN).kind).toBe('start');
    expect(decideSchedule(s, calendar, [], T0 + 5 * MIN + 1)).toMatchObject({ kind: 'miss', occurrence: T0, count: 1, nextRunAt: T0 + 10 * MIN });
  });

  it('misses every occurrence past the window in one step, and leaves the one inside it', () => {
    const s = schedule({ catchupWindow: '5m' });
    expect(decideSchedule(s, calendar, [], T0 + 62 * MIN)).toMatchObject({ kind: 'miss', count: 6, nextRunAt: T0 + 60 * MIN });
  });

  it('a claimed run is completed before anything else, even while paused', () => {
    expect(decideSchedule(schedule({}, { paused: true, pending: { occurrence: T0, idempotencyKey: 'k', cancel: [] } }), calendar, [], T0 + 3 * MIN)).toEqual({
      kind: 'complete',
    });
  });

  it('maxRuns: the start of the last run sets nextRunAt to null', () => {
    expect(decideSchedule(schedule({ maxRuns: 3 }, { runs: 2 }), calendar, [], T0)).toMatchObject({ kind: 'start', nextRunAt: null });
  });

  it('a buffered occurrence starts once nothing is live, before the next occurrence', () => {
    const s = schedule({ overlap: 'bufferOne' }, { buffered: T0 - 10 * MIN, nextRunAt: ms(T0 + 10 * MIN) });
    expect(decideSchedule(s, calendar, ['c-1'], T0).kind).toBe('wait');
    expect(decideSchedule(s, calendar, [], T0)).toEqual({ kind: 'startBuffered', occurrence: T0 - 10 * MIN });
  });
});

describe('decideTrigger', () => {
  it('follows the overlap policy', () => {
    expect(decideTrigger(schedule({ overlap: 'skip' }), [])).toEqual({ kind: 'start', cancel: [] });
    expect(decideTrigger(schedule({ overlap: 'skip' }), ['c-1']).kind).toBe('refuse');
    expect(decideTrigger(schedule({ overlap: 'bufferOne' }), ['c-1'])).toEqual({ kind: 'buffer' });
    expect(decideTrigger(schedule({ overlap: 'bufferOne' }, { buffered: T0 }), ['c-1']).kind).toBe('refuse');
    expect(decideTrigger(schedule({ overlap: 'cancelPrevious' }), ['c-1'])).toEqual({ kind: 'start', cancel: ['c-1'] });
    expect(decideTrigger(schedule({ overlap: 'allow' }), ['c-1'])).toEqual({ kind: 'start', cancel: [] });
  });
});

describe('wall times a daylight-saving gap folds into one occurrence (Calendar.coincident)', () => {
  const folding = { ...calendar, coincident: (at: number) => (at === T0 + 10 * MIN || at === T0 + 20 * MIN ? 1 : 0) };

  it('a decided occurrence carries them: start, skip and buffer alike; none: the decision keeps its shape', () => {
    const at = T0 + 10 * MIN;
    expect(decideSchedule(schedule({}, { nextRunAt: ms(at) }), folding, [], at)).toEqual({
      kind: 'start',
      occurrence: at,
      nextRunAt: at + 10 * MIN,
      cancel: [],
      coincident: 1,
    });
    expect(decideSchedule(schedule({ overlap: 'skip' }, { nextRunAt: ms(at) }), folding, ['c-1'], at)).toEqual({
      kind: 'skip',
      occurrence: at,
      nextRunAt: at + 10 * MIN,
      coincident: 1,
    });
    expect(decideSchedule(schedule({ overlap: 'bufferOne' }, { nextRunAt: ms(at) }), folding, ['c-1'], at)).toEqual({
      kind: 'buffer',
      occurrence: at,
      nextRunAt: at + 10 * MIN,
      coincident: 1,
    });
    expect(decideSchedule(schedule(), folding, [], T0)).toEqual({ kind: 'start', occurrence: T0, nextRunAt: T0 + 10 * MIN, cancel: [] });
  });

  it('the catch-up walk sums them over every occurrence it records as missed', () => {
    const now = T0 + 40 * MIN;
    expect(decideSchedule(schedule({ catchupWindow: '5m' }), folding, [], now)).toEqual({
      kind: 'miss',
      occurrence: T0,
      count: 4,
      nextRunAt: T0 + 40 * MIN,
      lateMs: 40 * MIN,
      coincident: 2,
    });
  });
});
