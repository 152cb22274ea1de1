/**
 * Schedules on virtual time over the real SQLite store and campaign service: a weekday calendar in
 * Asia/Seoul, DST days, every overlap policy with a run that outlasts its interval, catch-up after
 * an outage inside and outside the window, pause/resume, trigger, maxRuns, and a control plane
 * that dies between claiming an occurrence and creating its run.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { StateConflictError, ValidationError } from '../../../core/errors.js';
import { sqliteStores } from '../../support/sqlite-stores.js';
import type { ScheduleSpecInput } from '../../../core/model/schedule-record.js';
import { campaignInput } from '../../support/campaigns.js';
import { scheduleFleet } from '../../support/schedule-fleet.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function setup(startIso: string) {
  const clock = new VirtualClock(Date.parse(startIso));
  const store = sqliteStores(':memory:', clock);
  return { clock, store, fleet: scheduleFleet(store, clock) };
}

function spec(overrides: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput {
  return { name: 'soak', cron: '*/10 * * * *', timezone: 'UTC', campaign: campaignInput({ name: 'soak-run' }) as Record<string, unknown>, ...overrides };
}

const isoOf = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('calendars', () => {
  it('0 9 * * 1-5 in Asia/Seoul over two weeks: exactly 10 runs, each at 09:00 KST on a weekday', async () => {
    const { fleet } = setup('2026-01-04T00:00:00Z'); // Sunday 09:00 KST
    await fleet.schedules.createSchedule(spec({ name: 'seoul', cron: '0 9 * * 1-5', timezone: 'Asia/Seoul', overlap: 'allow', catchupWindow: '2h' }));
    await fleet.runUntil(Date.parse('2026-01-18T00:00:00Z'), 45 * MIN);
    const runs = await fleet.runs('seoul');
    expect(runs).toHaveLength(10);
    for (const run of runs) {
      expect(new Date(run.occurrence!).getUTCHours()).toBe(0); // 09:00 KST
      expect([1, 2, 3, 4, 5]).toContain(new Date(run.occurrence! + 9 * HOUR).getUTCDay());
      expect(run.idempotencyKey).toBe(`schedule:seoul:${isoOf(run.occurrence)}`);
      expect(run.createdAt - run.occurrence!).toBeLessThanOrEqual(45 * MIN);
    }
  });

  it('America/New_York spring forward: a 02:30 schedule runs once that day, at 03:30 EDT', async () => {
    const { fleet } = setup('2026-03-07T12:00:00Z');
    await fleet.schedules.createSchedule(spec({ name: 'ny', cron: '30 2 * * *', timezone: 'America/New_York', overlap: 'allow', catchupWindow: '1h' }));
    await fleet.runUntil(Date.parse('2026-03-09T12:00:00Z'), 10 * MIN);
    expect((await fleet.runs('ny')).map((r) => isoOf(r.occurrence))).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('Europe/Berlin fall back: a 02:30 schedule runs once on the day 02:30 happens twice', async () => {
    const { fleet } = setup('2026-10-24T12:00:00Z');
    await fleet.schedules.createSchedule(spec({ name: 'berlin', cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'allow', catchupWindow: '1h' }));
    await fleet.runUntil(Date.parse('2026-10-26T12:00:00Z'), 10 * MIN);
    expect((await fleet.runs('berlin')).map((r) => isoOf(r.occurrence))).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });
});

describe('daylight saving through the service: every wall time the rule names runs, or is recorded as missed', () => {
  it('*/10 2 * * * in America/New_York on 2027-03-14 starts six runs, 03:00 to 03:50 EDT, and misses none', async () => {
    const { fleet } = setup('2027-03-14T05:00:00Z');
    await fleet.schedules.createSchedule(spec({ name: 'ny-q10', cron: '*/10 2 * * *', timezone: 'America/New_York', overlap: 'allow', catchupWindow: '5m' }));
    await fleet.runUntil(Date.parse('2027-03-14T09:00:00Z'), MIN);
    expect((await fleet.runs('ny-q10')).map((r) => isoOf(r.occurrence))).toEqual(['00', '10', '20', '30', '40', '50'].map((m) => `2027-03-14T07:${m}:00.000Z`));
    expect((await fleet.schedules.getSchedule('ny-q10')).schedule.missed).toBe(0);
  });

  it('Australia/Lord_Howe 45 1 * * * on 2027-04-04 starts one run, at the first 01:45 (+11:00)', async () => {
    const { fleet } = setup('2027-04-03T12:00:00Z');
    await fleet.schedules.createSchedule(spec({ name: 'lh', cron: '45 1 * * *', timezone: 'Australia/Lord_Howe', overlap: 'allow', catchupWindow: '5m' }));
    await fleet.runUntil(Date.parse('2027-04-04T12:00:00Z'), 5 * MIN);
    expect((await fleet.runs('lh')).map((r) => isoOf(r.occurrence))).toEqual(['2027-04-03T14:45:00.000Z']);
  });

  it('0,30 2,3 * * * on a spring-forward day: 02:00/03:00 and 02:30/03:30 are one run each, the other wall time of each recorded as missed', async () => {
    const { fleet, store } = setup('2027-03-14T05:00:00Z');
    await fleet.schedules.createSchedule(
      spec({ name: 'ny-fold', cron: '0,30 2,3 * * *', timezone: 'America/New_York', overlap: 'allow', catchupWindow: '5m' }),
    );
    await fleet.runUntil(Date.parse('2027-03-14T09:00:00Z'), MIN);
    expect((await fleet.runs('ny-fold')).map((r) => isoOf(r.occurrence))).toEqual(['2027-03-14T07:00:00.000Z', '2027-03-14T07:30:00.000Z']);
    expect((await fleet.schedules.getSchedule('ny-fold')).schedule).toMatchObject({ runs: 2, missed: 2 });
    expect(fleet.missed).toEqual([
      { scheduleId: 'ny-fold', count: 1 },
      { scheduleId: 'ny-fold', count: 1 },
    ]);
    const missedEvents = (await store.listEvents('schedule:ny-fold')).filter((e) => e.type === 'schedule.missed').map((e) => e.detail);
    expect(missedEvents).toEqual([
      { occurrence: '2027-03-14T07:00:00.000Z', count: 1, cause: 'dst-coincident' },
      { occurrence: '2027-03-14T07:30:00.000Z', count: 1, cause: 'dst-coincident' },
    ]);
  });

  it('a folded occurrence found past the catch-up window: both wall times recorded as missed, in the one step', async () => {
    const { fleet, clock } = setup('2027-03-14T05:00:00Z');
    await fleet.schedules.createSchedule(spec({ name: 'ny-late', cron: '0 2,3 * * *', timezone: 'America/New_York', overlap: 'allow', catchupWindow: '5m' }));
    clock.set(Date.parse('2027-03-14T08:30:00Z'));
    await fleet.schedules.tick();
    expect(await fleet.runs('ny-late')).toEqual([]);
    expect((await fleet.schedules.getSchedule('ny-late')).schedule).toMatchObject({ runs: 0, missed: 2, nextRunAt: Date.parse('2027-03-15T06:00:00Z') });
  });

  it('a folded occurrence skipped for a live run (overlap skip): the other wall time is still recorded as missed', async () => {
    const { fleet } = setup('2027-03-14T05:00:00Z');
    await fleet.schedules.createSchedule(spec({ name: 'ny-skip', cron: '0 1,2,3 * * *', timezone: 'America/New_York', overlap: 'skip', catchupWindow: '5m' }));
    await fleet.runUntil(Date.parse('2027-03-14T08:00:00Z'), MIN); // the 01:00 EST run never ends
    expect((await fleet.runs('ny-skip')).map((r) => isoOf(r.occurrence))).toEqual(['2027-03-14T06:00:00.000Z']);
    expect((await fleet.schedules.getSchedule('ny-skip')).schedule).toMatchObject({ runs: 1, skipped: 1, missed: 1 });
  });
});

describe('overlap: a run that outlasts its 10-minute interval', () => {
  const T = '2026-02-02T00:00:00.000Z';

  it('skip: the occurrences while it runs are skipped; the first after it ends starts', async () => {
    const { fleet, clock } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec({ overlap: 'skip' }));
    await fleet.runUntil(Date.parse(T) + 25 * MIN);
    const [first] = await fleet.runs('soak');
    await fleet.finish(first!.campaignId);
    await fleet.runUntil(clock.now() + 10 * MIN);
    expect((await fleet.runs('soak')).map((r) => isoOf(r.occurrence))).toEqual([T, '2026-02-02T00:30:00.000Z']);
    expect((await fleet.schedules.getSchedule('soak')).schedule).toMatchObject({ runs: 2, skipped: 2 });
  });

  it('bufferOne: one occurrence waits and starts when the run ends; a second one is skipped', async () => {
    const { fleet, clock } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec({ overlap: 'bufferOne' }));
    await fleet.runUntil(Date.parse(T) + 25 * MIN);
    expect((await fleet.schedules.getSchedule('soak')).schedule).toMatchObject({ runs: 1, skipped: 1, buffered: Date.parse(T) + 10 * MIN });
    const [first] = await fleet.runs('soak');
    await fleet.finish(first!.campaignId);
    await fleet.runUntil(clock.now() + MIN);
    const runs = await fleet.runs('soak');
    expect(runs.map((r) => isoOf(r.occurrence))).toEqual([T, '2026-02-02T00:10:00.000Z']);
    expect(runs[1]!.createdAt).toBe(Date.parse(T) + 26 * MIN);
  });

  it('cancelPrevious: the live run is stopped and the new one starts', async () => {
    const { fleet, store } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec({ overlap: 'cancelPrevious' }));
    await fleet.runUntil(Date.parse(T) + 10 * MIN);
    const [first, second] = await fleet.runs('soak');
    expect(isoOf(second?.occurrence)).toBe('2026-02-02T00:10:00.000Z');
    expect(await store.getCampaign(first!.campaignId)).toMatchObject({ status: 'STOPPING', endReason: 'stopped by user' });
  });

  it('allow: every occurrence starts alongside the live ones', async () => {
    const { fleet } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec({ overlap: 'allow' }));
    await fleet.runUntil(Date.parse(T) + 25 * MIN);
    const runs = await fleet.runs('soak');
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.status === 'STARTING')).toBe(true);
  });
});

describe('catch-up after a control-plane outage (hourly, catchupWindow 10m)', () => {
  it('inside the window: the occurrence found 5 minutes late runs; older ones are missed', async () => {
    const { fleet, clock } = setup('2026-02-02T00:30:00Z');
    await fleet.schedules.createSchedule(spec({ cron: '0 * * * *', catchupWindow: '10m' }));
    clock.set(Date.parse('2026-02-02T03:05:00Z')); // down from 00:30 to 03:05
    await fleet.schedules.tick();
    expect((await fleet.runs('soak')).map((r) => isoOf(r.occurrence))).toEqual(['2026-02-02T03:00:00.000Z']);
    expect((await fleet.schedules.getSchedule('soak')).schedule).toMatchObject({ missed: 2, nextRunAt: Date.parse('2026-02-02T04:00:00Z') });
    expect(fleet.missed).toEqual([{ scheduleId: 'soak', count: 2 }]);
  });

  it('outside the window: every occurrence of the outage is recorded as missed, none runs', async () => {
    const { fleet, clock, store } = setup('2026-02-02T00:30:00Z');
    await fleet.schedules.createSchedule(spec({ cron: '0 * * * *', catchupWindow: '10m' }));
    clock.set(Date.parse('2026-02-02T03:15:00Z'));
    await fleet.schedules.tick();
    expect(await fleet.runs('soak')).toEqual([]);
    expect(fleet.missed).toEqual([{ scheduleId: 'soak', count: 3 }]);
    const events = await store.listEvents('schedule:soak');
    expect(events.find((e) => e.type === 'schedule.missed')?.detail).toMatchObject({ occurrence: '2026-02-02T01:00:00.000Z', count: 3 });
    await fleet.runUntil(Date.parse('2026-02-02T04:01:00Z'));
    expect((await fleet.runs('soak')).map((r) => isoOf(r.occurrence))).toEqual(['2026-02-02T04:00:00.000Z']);
  });
});

describe('pause, resume, trigger, maxRuns, delete', () => {
  it('paused: no runs and nothing missed; resumed: the calendar goes on from now', async () => {
    const { fleet } = setup('2026-02-02T00:30:00Z');
    await fleet.schedules.createSchedule(spec({ cron: '0 * * * *', overlap: 'allow' }));
    const paused = await fleet.schedules.pauseSchedule('soak', 'exchange maintenance');
    expect(paused.schedule).toMatchObject({ paused: true, note: 'exchange maintenance' });
    await fleet.runUntil(Date.parse('2026-02-02T03:30:00Z'));
    expect(await fleet.runs('soak')).toEqual([]);
    const resumed = await fleet.schedules.resumeSchedule('soak');
    expect(resumed.schedule.paused).toBe(false);
    expect(resumed.schedule.note).toBeUndefined();
    expect(resumed.next[0]).toBe('2026-02-02T04:00:00.000Z');
    await fleet.runUntil(Date.parse('2026-02-02T05:30:00Z'));
    expect((await fleet.runs('soak')).map((r) => isoOf(r.occurrence))).toEqual(['2026-02-02T04:00:00.000Z', '2026-02-02T05:00:00.000Z']);
    expect((await fleet.schedules.getSchedule('soak')).schedule.missed).toBe(0);
  });

  it('trigger starts a run now under its own key; with skip and a live run it is refused (409)', async () => {
    const { fleet, clock } = setup('2026-02-02T00:30:00Z');
    await fleet.schedules.createSchedule(spec({ cron: '0 * * * *' }));
    const started = await fleet.schedules.triggerSchedule('soak');
    expect(started).toMatchObject({ outcome: 'started', occurrence: '2026-02-02T00:30:00.000Z' });
    const [run] = await fleet.runs('soak');
    expect(run).toMatchObject({ campaignId: started.campaignId, idempotencyKey: 'schedule:soak:trigger:2026-02-02T00:30:00.000Z' });
    clock.advance(MIN);
    await expect(fleet.schedules.triggerSchedule('soak')).rejects.toThrow(StateConflictError);
    await expect(fleet.schedules.triggerSchedule('soak')).rejects.toThrow(/still live and the overlap policy is skip/);
  });

  it('maxRuns ends the schedule after that many runs', async () => {
    const { fleet } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec({ overlap: 'allow', maxRuns: 2 }));
    await fleet.runUntil(Date.parse('2026-02-02T01:00:00Z'));
    expect(await fleet.runs('soak')).toHaveLength(2);
    const view = await fleet.schedules.getSchedule('soak');
    expect(view.schedule.nextRunAt).toBeNull();
    expect(view.next).toEqual([]);
  });

  it('delete: gone from the list and 404, no more runs, its runs kept', async () => {
    const { fleet } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec({ overlap: 'allow' }));
    await fleet.runUntil(Date.parse('2026-02-02T00:01:00Z'));
    await fleet.schedules.deleteSchedule('soak');
    await fleet.runUntil(Date.parse('2026-02-02T01:00:00Z'));
    expect(await fleet.schedules.listSchedules()).toEqual([]);
    await expect(fleet.schedules.getSchedule('soak')).rejects.toThrow(/no schedule soak/);
    expect(await fleet.runs('soak')).toHaveLength(1);
    await fleet.schedules.createSchedule(spec({ overlap: 'allow' }));
    expect((await fleet.schedules.listSchedules()).map((s) => s.scheduleId)).toEqual(['soak']);
  });
});

describe('exactly once', () => {
  it('a control plane that dies after claiming leaves the run pending; the next tick creates it once', async () => {
    const { fleet, clock, store } = setup('2026-02-01T23:59:00Z');
    await fleet.schedules.createSchedule(spec());
    const create = fleet.campaigns.createCampaign.bind(fleet.campaigns);
    let crash = true;
    fleet.campaigns.createCampaign = async (raw, options) => {
      if (crash) {
        crash = false;
        throw new Error('control plane killed between claim and create');
      }
      return create(raw, options);
    };
    clock.set(Date.parse('2026-02-02T00:00:00Z'));
    const first = await fleet.schedules.tick();
    expect(first.failed).toHaveLength(1);
    expect((await store.getSchedule('soak'))?.pending).toMatchObject({ idempotencyKey: 'schedule:soak:2026-02-02T00:00:00.000Z' });
    await fleet.schedules.tick();
    await fleet.schedules.tick();
    const runs = await fleet.runs('soak');
    expect(runs).toHaveLength(1);
    expect((await store.getSchedule('soak'))?.pending).toBeUndefined();
    expect(runs[0]!.occurrence).toBe(Date.parse('2026-02-02T00:00:00Z'));
  });
});

describe('validation names the field', () => {
  const errorOf = async (raw: unknown) => {
    const { fleet } = setup('2026-02-02T00:00:00Z');
    try {
      await fleet.schedules.createSchedule(raw);
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
    throw new Error('expected a ValidationError');
  };

  it('an impossible cron (0 0 31 2 *) is refused with its reason', async () => {
    expect(await errorOf(spec({ cron: '0 0 31 2 *' }))).toEqual([{ path: 'cron', message: expect.stringMatching(/never occurs/) }]);
  });

  it('bad fields of the schedule and of its campaign, each by path', async () => {
    const issues = await errorOf({
      ...spec({ timezone: 'Seoul', overlap: 'queue' as never }),
      campaign: {
        ...campaignInput(),
        venues: { a: { name: 'x', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'x', quoteCurrency: 'USDT', takerFeeBps: 10 } },
      },
    });
    expect(issues.map((i) => i.path)).toEqual(['overlap']);
    const later = await errorOf({
      ...spec({ timezone: 'Seoul' }),
      campaign: {
        ...campaignInput(),
        venues: { a: { name: 'x', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'x', quoteCurrency: 'USDT', takerFeeBps: 10 } },
      },
    });
    expect(later.map((i) => i.path)).toEqual(['timezone', 'campaign.venues.b.name']);
  });

  it("the campaign config's schedule.cron is the schedule's cron when the schedule gives none; runs start at once", async () => {
    const { fleet } = setup('2026-02-02T00:00:00Z');
    const { cron: _none, ...rest } = spec();
    const view = await fleet.schedules.createSchedule({ ...rest, campaign: { ...campaignInput({ name: 'nightly' }), schedule: { cron: '0 2 * * *' } } });
    expect(view.schedule.spec.cron).toBe('0 2 * * *');
    expect(view.schedule.spec.campaign.schedule).toBeUndefined();
    expect(view.next[0]).toBe('2026-02-02T02:00:00.000Z');
  });

  it('POST /campaigns with schedule.cron points at schedules', async () => {
    const { fleet } = setup('2026-02-02T00:00:00Z');
    await expect(fleet.campaigns.createCampaign(campaignInput({ schedule: { cron: '0 2 * * *' } }))).rejects.toThrow(
      /a recurring campaign is a schedule: create it with POST \/schedules/,
    );
  });
});
