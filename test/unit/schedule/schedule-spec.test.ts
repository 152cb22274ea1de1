/**
 * A schedule spec as a user sends it (`core/schedule/schedule-spec.ts`; written against the
 * survivors of its Stryker run, docs/mutation.md): `until` against `startAt` at the edge, the
 * campaign config's `schedule` block moved up only where the spec sets nothing, inputs that are
 * not objects refused as input (never a crash), the campaign's issues under `campaign.`, the source
 * named, and a stored spec whose rule no longer parses.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import type { ScheduleSpec } from '../../../core/model/schedule-record.js';
import { calendarOfSpec, parseScheduleSpec } from '../../../core/schedule/schedule-spec.js';
import { campaignInput } from '../../support/campaigns.js';

const base = { name: 'nightly', cron: '0 2 * * *', campaign: campaignInput({ name: 'nightly-run' }) as Record<string, unknown> };

function issuesOf(raw: unknown, source?: string): { issues: unknown; source: unknown } {
  try {
    parseScheduleSpec(raw, source);
  } catch (error) {
    if (error instanceof ValidationError) return { issues: error.issues, source: error.source };
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('until against startAt', () => {
  it('until equal to startAt is refused naming both; a second later is accepted; either alone is accepted', () => {
    expect(issuesOf({ ...base, startAt: '2026-03-01T00:00:00Z', until: '2026-03-01T00:00:00Z' }).issues).toEqual([
      { path: 'until', message: 'must be after startAt (2026-03-01T00:00:00Z), got 2026-03-01T00:00:00Z' },
    ]);
    expect(parseScheduleSpec({ ...base, startAt: '2026-03-01T00:00:00Z', until: '2026-03-01T00:00:01Z' }).spec.until).toBe('2026-03-01T00:00:01Z');
    expect(parseScheduleSpec({ ...base, until: '2020-01-01T00:00:00Z' }).spec.startAt).toBeUndefined();
    expect(parseScheduleSpec({ ...base, startAt: '2030-01-01T00:00:00Z' }).spec.until).toBeUndefined();
  });
});

describe("the campaign config's schedule block", () => {
  it('its cron and startAt become the schedule’s when the spec sets neither; the block leaves the run config', () => {
    const { cron: _none, ...rest } = base;
    const { spec, calendar } = parseScheduleSpec({
      ...rest,
      campaign: { ...base.campaign, schedule: { cron: '30 4 * * *', startAt: '2026-05-01T00:00:00Z' } },
    });
    expect(spec).toMatchObject({ cron: '30 4 * * *', startAt: '2026-05-01T00:00:00Z' });
    expect(spec.campaign.schedule).toBeUndefined();
    expect(calendar.nextAfter(0)).toBe(Date.parse('2026-05-01T04:30:00Z'));
  });

  it("the spec's own cron and startAt win over the block's", () => {
    const { spec } = parseScheduleSpec({
      ...base,
      startAt: '2026-06-01T00:00:00Z',
      campaign: { ...base.campaign, schedule: { cron: '30 4 * * *', startAt: '2026-05-01T00:00:00Z' } },
    });
    expect(spec).toMatchObject({ cron: '0 2 * * *', startAt: '2026-06-01T00:00:00Z' });
  });

  it('a block that is not an object is the campaign’s issue, not a crash', () => {
    expect(issuesOf({ ...base, campaign: { ...base.campaign, schedule: null } }).issues).toEqual([
      { path: 'campaign.schedule', message: expect.stringContaining('expected object') },
    ]);
    expect(issuesOf({ ...base, campaign: { ...base.campaign, schedule: 'nightly' } }).issues).toEqual([
      { path: 'campaign.schedule', message: expect.stringContaining('expected object') },
    ]);
  });
});

describe('input that is not a spec', () => {
  // POST /schedules {} said zod's "Invalid input: expected record, received undefined" per field.
  it('an empty spec: each required field said missing, with the shape it takes', () => {
    expect(issuesOf({}).issues).toEqual([
      { path: 'name', message: 'required, missing (expected string)' },
      { path: 'cron', message: 'required, missing (expected string)' },
      { path: 'campaign', message: 'required, missing (expected object)' },
    ]);
  });

  it('null, an array, a string: refused as input, naming the source', () => {
    for (const raw of [null, [], 'nightly']) {
      const { issues, source } = issuesOf(raw, 'nightly.json');
      expect(source).toBe('nightly.json');
      expect(issues).toEqual([{ path: '', message: expect.stringContaining('expected object') }]);
    }
  });

  it('a campaign that is an array or null: refused at campaign', () => {
    for (const [campaign, found] of [
      [[], 'array'],
      [null, 'null'],
    ]) {
      expect(issuesOf({ ...base, campaign }).issues).toEqual([{ path: 'campaign', message: `expected object, found ${found}` }]);
    }
  });

  it("the campaign config's own issues carry campaign. before their path, a root issue campaign itself, with the source", () => {
    const { issues, source } = issuesOf({ ...base, campaign: { ...base.campaign, bogus: 1, duration: 'soon' } }, 'api');
    expect(source).toBe('api');
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'campaign.bogus', message: expect.stringMatching(/^unknown field \(known here: name, /) },
        { path: 'campaign.duration', message: expect.any(String) },
      ]),
    );
  });

  it('a wrong cron and a wrong campaign are reported together', () => {
    const { issues } = issuesOf({ ...base, cron: '0 0 31 2 *', campaign: { ...base.campaign, bogus: 1 } });
    expect((issues as { path: string }[]).map((i) => i.path)).toEqual(['cron', 'campaign.bogus']);
  });
});

describe('a stored spec', () => {
  it('whose rule no longer parses is refused naming the schedule', () => {
    const { spec } = parseScheduleSpec(base);
    const broken: ScheduleSpec = { ...spec, timezone: 'Mars/Olympus' };
    try {
      calendarOfSpec(broken);
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ source: 'schedule nightly', issues: [{ path: 'timezone', message: expect.stringContaining('"Mars/Olympus"') }] });
    }
  });
});

describe("a spec's calendar (startAt and until both inclusive)", () => {
  it('an occurrence exactly at startAt is the first, one exactly at until the last; nothing before or after', () => {
    const { calendar } = parseScheduleSpec({ ...base, cron: '30 4 * * *', startAt: '2026-05-01T04:30:00Z', until: '2026-05-03T04:30:00Z' });
    const at = (day: number) => Date.parse(`2026-05-0${day}T04:30:00Z`);
    expect(calendar.nextAfter(0)).toBe(at(1));
    expect(calendar.nextAfter(at(1) - 1)).toBe(at(1));
    expect(calendar.nextAfter(at(1))).toBe(at(2));
    expect(calendar.nextAfter(at(2))).toBe(at(3));
    expect(calendar.nextAfter(at(3))).toBeNull();
    expect(calendar.upcoming(0, 5)).toEqual([at(1), at(2), at(3)]);
    expect(calendar.upcoming(at(2), 5)).toEqual([at(2), at(3)]);
    expect(calendar.upcoming(0, 2)).toEqual([at(1), at(2)]);
  });
});
