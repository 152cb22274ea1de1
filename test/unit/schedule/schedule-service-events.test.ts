/**
 * What the schedule service tells (`core/schedule/schedule-service.ts`; written against the
 * survivors of its Stryker run, docs/mutation.md): each lifecycle event word for word (created,
 * paused, resumed, buffered, skipped, missed, cancelled-previous, run-refused, run-started,
 * deleted), its log lines, a tick's result and failures, the trigger's buffered and refused
 * answers, `?next=` at its edges and the runs of a view newest first. The real SQLite store and
 * campaign service, an in-memory launch queue, a recording logger, virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { NotFoundError, StateConflictError, ValidationError, VersionConflictError } from '../../../core/errors.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import type { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { sqliteStores } from '../../support/sqlite-stores.js';
import type { ScheduleSpecInput } from '../../../core/model/schedule-record.js';
import type { TaskLauncher } from '../../../core/ports.js';
import { MAX_NEXT, ScheduleService } from '../../../core/schedule/schedule-service.js';
import { campaignInput } from '../../support/campaigns.js';
import type { LogLine } from '../../support/recording-fleet.js';

const MIN = 60_000;
const T0 = Date.parse('2026-02-01T23:59:00Z');
const AT = (hhmm: string) => `2026-02-02T${hhmm}:00.000Z`;
const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

const noTasks: TaskLauncher = { launch: async () => ({ taskId: 'never' }), stop: async () => undefined, describe: async () => [] };

/** The service over a fresh store at `start`; `hook: false` leaves out the missed-occurrences hook (`ScheduleEvents` is optional). */
function setup(start = T0, { hook = true } = {}) {
  const clock = new VirtualClock(start);
  const store = sqliteStores(':memory:', clock);
  stores.push(store);
  const logs: LogLine[] = [];
  const log = { log: (level: string, event: string, fields: Record<string, unknown> = {}) => logs.push({ level, event, fields }) };
  const campaigns = new CampaignService({
    store,
    queue: new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
    launcher: noTasks,
    clock,
    log: { log: () => undefined },
    taskEnvironment: () => ({}),
  });
  // Every stop the schedule service asks, in order, before the campaign service answers it.
  const stops: string[] = [];
  const stop = campaigns.stopCampaign.bind(campaigns);
  campaigns.stopCampaign = async (campaignId) => {
    stops.push(campaignId);
    return stop(campaignId);
  };
  const missed: { scheduleId: string; count: number; at: number }[] = [];
  const events = { missed: (scheduleId: string, count: number, at: number) => missed.push({ scheduleId, count, at }) };
  const schedules = new ScheduleService({ schedules: store, store, campaigns, clock, log, ...(hook ? { events } : {}) });
  return {
    stops,
    clock,
    store,
    logs,
    campaigns,
    schedules,
    missed,
    /** The schedule's events after `from` (an index), as `[type, detail]`. */
    async events(from = 0) {
      return (await store.listEvents('schedule:soak')).slice(from).map((e) => [e.type, e.detail]);
    },
    async runIds() {
      return (await store.listCampaigns()).filter((c) => c.scheduleId === 'soak').map((c) => c.campaignId);
    },
    async finish(campaignId: string) {
      const campaign = await store.getCampaign(campaignId);
      if (!campaign) throw new Error(`no campaign ${campaignId}`);
      await store.updateCampaign(campaignId, campaign.version, { status: 'COMPLETED', endedAt: clock.now(), endReason: 'test: run ended' });
    },
  };
}

function spec(overrides: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput {
  return { name: 'soak', cron: '*/10 * * * *', timezone: 'UTC', campaign: campaignInput({ name: 'soak-run' }) as Record<string, unknown>, ...overrides };
}

type Setup = ReturnType<typeof setup>;
/** Created at 23:59 and ticked at 00:00: one run live. */
async function oneLive(f: Setup, overrides: Partial<ScheduleSpecInput>) {
  await f.schedules.createSchedule(spec(overrides));
  f.clock.set(Date.parse(AT('00:00')));
  await f.schedules.tick();
  const [live] = await f.runIds();
  return live as string;
}

describe('the events of a schedule that is created, paused, resumed and deleted', () => {
  it('each event and the created log word for word; resuming an active schedule writes nothing', async () => {
    const f = setup();
    const created = await f.schedules.createSchedule(spec());
    expect(created.next).toEqual(['00:00', '00:10', '00:20', '00:30', '00:40'].map(AT));
    expect(f.logs).toEqual([{ level: 'info', event: 'schedule created', fields: { scheduleId: 'soak', cron: '*/10 * * * *', timezone: 'UTC' } }]);
    await f.schedules.pauseSchedule('soak', 'exchange maintenance');
    const resumed = await f.schedules.resumeSchedule('soak');
    expect(resumed.schedule).toMatchObject({ paused: false, nextRunAt: Date.parse(AT('00:00')) });
    const again = await f.schedules.resumeSchedule('soak');
    expect(again.schedule.version).toBe(resumed.schedule.version);
    await f.schedules.pauseSchedule('soak');
    f.clock.advance(MIN);
    await f.schedules.deleteSchedule('soak');
    expect(await f.store.getSchedule('soak')).toMatchObject({ deletedAt: T0 + MIN, nextRunAt: null });
    expect(await f.events()).toEqual([
      ['schedule.created', { cron: '*/10 * * * *', timezone: 'UTC', nextRunAt: AT('00:00') }],
      ['schedule.paused', { note: 'exchange maintenance' }],
      ['schedule.resumed', { nextRunAt: AT('00:00') }],
      ['schedule.paused', {}],
      ['schedule.deleted', {}],
    ]);
  });

  it('resumed past its maxRuns: nothing more to run', async () => {
    const f = setup();
    await f.schedules.createSchedule(spec({ maxRuns: 1, overlap: 'allow' }));
    f.clock.set(Date.parse(AT('00:00')));
    await f.schedules.tick();
    await f.schedules.pauseSchedule('soak');
    const resumed = await f.schedules.resumeSchedule('soak');
    expect(resumed.schedule.nextRunAt).toBeNull();
    expect(resumed.next).toEqual([]);
    expect((await f.events()).at(-1)).toEqual(['schedule.resumed', { nextRunAt: null }]);
  });

  it('a deleted schedule drops the occurrence it kept waiting', async () => {
    const f = setup();
    await oneLive(f, { overlap: 'bufferOne' });
    f.clock.set(Date.parse(AT('00:10')));
    await f.schedules.tick();
    expect((await f.store.getSchedule('soak'))?.buffered).toBe(Date.parse(AT('00:10')));
    await f.schedules.deleteSchedule('soak');
    expect((await f.store.getSchedule('soak'))?.buffered).toBeUndefined();
  });
});

describe('a tick', () => {
  it('starts a run: the result, the run-started event and log, the record', async () => {
    const f = setup();
    await f.schedules.createSchedule(spec());
    f.clock.set(Date.parse(AT('00:00')));
    const tick = await f.schedules.tick();
    const [id] = await f.runIds();
    expect(tick).toEqual({ started: [{ scheduleId: 'soak', occurrence: AT('00:00'), campaignId: id }], skipped: 0, buffered: 0, missed: 0, failed: [] });
    expect((await f.events()).at(-1)).toEqual([
      'schedule.run-started',
      { occurrence: AT('00:00'), campaignId: id, idempotencyKey: `schedule:soak:${AT('00:00')}` },
    ]);
    expect(f.logs.at(-1)).toEqual({ level: 'info', event: 'schedule run started', fields: { scheduleId: 'soak', occurrence: AT('00:00'), campaignId: id } });
    expect(await f.store.getSchedule('soak')).toMatchObject({
      runs: 1,
      lastOccurrence: Date.parse(AT('00:00')),
      lastCampaignId: id,
      nextRunAt: Date.parse(AT('00:10')),
    });
    expect((await f.store.getSchedule('soak'))?.pending).toBeUndefined();
  });

  it('skips an occurrence while a run is live: counted, recorded with the live runs and the policy', async () => {
    const f = setup();
    const live = await oneLive(f, { overlap: 'skip' });
    const before = (await f.events()).length;
    f.clock.set(Date.parse(AT('00:10')));
    expect(await f.schedules.tick()).toEqual({ started: [], skipped: 1, buffered: 0, missed: 0, failed: [] });
    expect(await f.events(before)).toEqual([['schedule.skipped', { occurrence: AT('00:10'), live: [live], overlap: 'skip' }]]);
    expect(await f.store.getSchedule('soak')).toMatchObject({ skipped: 1, runs: 1, nextRunAt: Date.parse(AT('00:20')) });
  });

  it('buffers one occurrence behind the live run, then starts it (as that occurrence) once the run ends', async () => {
    const f = setup();
    const live = await oneLive(f, { overlap: 'bufferOne' });
    const before = (await f.events()).length;
    f.clock.set(Date.parse(AT('00:10')));
    expect(await f.schedules.tick()).toEqual({ started: [], skipped: 0, buffered: 1, missed: 0, failed: [] });
    expect(await f.events(before)).toEqual([['schedule.buffered', { occurrence: AT('00:10'), waitingFor: [live] }]]);
    expect(await f.store.getSchedule('soak')).toMatchObject({ buffered: Date.parse(AT('00:10')), nextRunAt: Date.parse(AT('00:20')) });
    await f.finish(live);
    f.clock.set(Date.parse(AT('00:12')));
    const tick = await f.schedules.tick();
    expect(tick.started).toEqual([{ scheduleId: 'soak', occurrence: AT('00:10'), campaignId: expect.any(String) }]);
    const record = await f.store.getSchedule('soak');
    expect(record).toMatchObject({ runs: 2, lastOccurrence: Date.parse(AT('00:10')), nextRunAt: Date.parse(AT('00:20')) });
    expect(record?.buffered).toBeUndefined();
    expect(f.stops).toEqual([]);
  });

  it('cancelPrevious: stops the live run (recorded), or starts anyway when it is already stopping', async () => {
    const f = setup();
    const first = await oneLive(f, { overlap: 'cancelPrevious' });
    const before = (await f.events()).length;
    f.clock.set(Date.parse(AT('00:10')));
    const tick = await f.schedules.tick();
    const second = tick.started[0]?.campaignId;
    expect((await f.events(before)).slice(0, 1)).toEqual([['schedule.cancelled-previous', { campaignId: first, occurrence: AT('00:10') }]]);
    // The first is STOPPING (live still), the second STARTING: the next occurrence stops the second;
    // stopping the first again is refused (already stopping) and is no failure.
    const next = (await f.events()).length;
    f.clock.set(Date.parse(AT('00:20')));
    const later = await f.schedules.tick();
    expect(later.failed).toEqual([]);
    expect(later.started).toHaveLength(1);
    expect((await f.events(next)).filter(([type]) => type === 'schedule.cancelled-previous')).toEqual([
      ['schedule.cancelled-previous', { campaignId: second, occurrence: AT('00:20') }],
    ]);
  });

  it('cancelPrevious: a run gone meanwhile is no failure; any other error from its stop fails the tick', async () => {
    for (const [thrown, failed] of [
      [new NotFoundError('campaign gone'), []],
      [new VersionConflictError('moved on'), []],
      [new Error('store down'), [{ scheduleId: 'soak', error: 'Error: store down' }]],
    ] as const) {
      const f = setup();
      await oneLive(f, { overlap: 'cancelPrevious' });
      f.campaigns.stopCampaign = async () => {
        throw thrown;
      };
      f.clock.set(Date.parse(AT('00:10')));
      const tick = await f.schedules.tick();
      expect(tick.failed).toEqual(failed);
      expect(tick.started).toHaveLength(failed.length === 0 ? 1 : 0);
    }
  });

  it('records the occurrences an outage made it miss: the event, the warning, the result and the metric hook', async () => {
    const f = setup(Date.parse('2026-02-02T00:30:00Z'));
    await f.schedules.createSchedule(spec({ cron: '0 * * * *', catchupWindow: '10m' }));
    const now = Date.parse('2026-02-02T03:15:00Z');
    f.clock.set(now);
    expect(await f.schedules.tick()).toEqual({ started: [], skipped: 0, buffered: 0, missed: 3, failed: [] });
    expect(f.missed).toEqual([{ scheduleId: 'soak', count: 3, at: now }]);
    expect((await f.events()).at(-1)).toEqual(['schedule.missed', { occurrence: AT('01:00'), count: 3, lateSec: 8100, catchupWindowSec: 600 }]);
    expect(f.logs.at(-1)).toEqual({ level: 'warn', event: 'schedule occurrences missed', fields: { scheduleId: 'soak', from: AT('01:00'), count: 3 } });
  });

  it('a run the fleet refuses ends the attempt: pending cleared, the refusal recorded and logged, nothing started', async () => {
    const f = setup();
    await f.schedules.createSchedule(spec());
    f.campaigns.createCampaign = async () => {
      throw new ValidationError([{ path: 'shards', message: 'too many' }]);
    };
    f.clock.set(Date.parse(AT('00:00')));
    const tick = await f.schedules.tick();
    expect(tick).toEqual({ started: [], skipped: 0, buffered: 0, missed: 0, failed: [] });
    const record = await f.store.getSchedule('soak');
    expect(record?.pending).toBeUndefined();
    expect(record).toMatchObject({ runs: 1, nextRunAt: Date.parse(AT('00:10')) });
    const message = new ValidationError([{ path: 'shards', message: 'too many' }]).message;
    expect((await f.events()).at(-1)).toEqual(['schedule.run-refused', { occurrence: AT('00:00'), error: message }]);
    expect(f.logs.at(-1)).toEqual({ level: 'error', event: 'schedule run refused', fields: { scheduleId: 'soak', occurrence: AT('00:00'), error: message } });
  });

  it('a failure is returned and logged naming the schedule; a lost compare-and-set is neither', async () => {
    const f = setup();
    await f.schedules.createSchedule(spec());
    f.campaigns.createCampaign = async () => {
      throw new TypeError('no launcher');
    };
    f.clock.set(Date.parse(AT('00:00')));
    expect((await f.schedules.tick()).failed).toEqual([{ scheduleId: 'soak', error: 'TypeError: no launcher' }]);
    expect(f.logs.at(-1)).toEqual({
      level: 'error',
      event: 'scheduler could not advance schedule',
      fields: { scheduleId: 'soak', error: 'TypeError: no launcher' },
    });
    const logged = f.logs.length;
    f.campaigns.createCampaign = async () => {
      throw new VersionConflictError('another control plane moved it');
    };
    expect((await f.schedules.tick()).failed).toEqual([]);
    expect(f.logs).toHaveLength(logged);
  });
});

describe('a tick at its limits', () => {
  it('created exactly at an occurrence: that occurrence is the next run; paused with a note from the start', async () => {
    const f = setup(Date.parse(AT('00:00')));
    const view = await f.schedules.createSchedule(spec({ paused: true, note: 'not before the exchange opens' }));
    expect(view.schedule).toMatchObject({ nextRunAt: Date.parse(AT('00:00')), paused: true, note: 'not before the exchange opens' });
    expect(await f.store.getSchedule('soak')).toMatchObject({ note: 'not before the exchange opens' });
  });

  it('takes at most 50 steps per schedule: 120 skips due at once are recorded 50, 50, then 20', async () => {
    const f = setup();
    await oneLive(f, { cron: '* * * * *', overlap: 'skip', catchupWindow: '1d' });
    f.clock.set(Date.parse(AT('02:00')));
    const counts = [];
    for (let i = 0; i < 3; i++) counts.push((await f.schedules.tick()).skipped);
    expect(counts).toEqual([50, 50, 20]);
    expect((await f.store.getSchedule('soak'))?.nextRunAt).toBe(Date.parse(AT('02:01')));
  });

  it('cancelPrevious catching up two occurrences in one tick: each start stops only the run live before it', async () => {
    const f = setup();
    const first = await oneLive(f, { overlap: 'cancelPrevious', catchupWindow: '1h' });
    f.clock.set(Date.parse(AT('00:21')));
    const tick = await f.schedules.tick();
    const [second, third] = tick.started.map((s) => s.campaignId);
    expect(tick.started.map((s) => s.occurrence)).toEqual([AT('00:10'), AT('00:20')]);
    expect(f.stops).toEqual([first, second]);
    expect(third).toBeDefined();
  });

  it('a daylight-saving fold: the folded wall time is in the result and logged as a warning naming the occurrence', async () => {
    const f = setup(Date.parse('2027-03-14T06:55:00Z'));
    await f.schedules.createSchedule(spec({ cron: '0 2,3 * * *', timezone: 'America/New_York', overlap: 'allow', catchupWindow: '5m' }));
    f.clock.set(Date.parse('2027-03-14T07:00:00Z'));
    expect(await f.schedules.tick()).toMatchObject({ started: [{ occurrence: '2027-03-14T07:00:00.000Z' }], missed: 1, failed: [] });
    expect(f.logs).toContainEqual({
      level: 'warn',
      event: 'schedule occurrences missed: a daylight-saving gap folded them into one run',
      fields: { scheduleId: 'soak', occurrence: '2027-03-14T07:00:00.000Z', count: 1 },
    });
  });

  it('without the missed-occurrences hook, a miss and a fold are recorded all the same', async () => {
    const f = setup(Date.parse('2027-03-14T04:00:00Z'), { hook: false });
    await f.schedules.createSchedule(spec({ cron: '0 2,3 * * *', timezone: 'America/New_York', overlap: 'allow', catchupWindow: '5m' }));
    f.clock.set(Date.parse('2027-03-14T07:30:00Z')); // the folded 02:00/03:00 EDT found 30 minutes late
    expect(await f.schedules.tick()).toMatchObject({ missed: 2, failed: [] });
    expect(await f.store.getSchedule('soak')).toMatchObject({ missed: 2 });
  });
});

describe('trigger', () => {
  it('behind a live run under bufferOne: buffered now, recorded as a trigger; a second is refused naming the run', async () => {
    const f = setup();
    const live = await oneLive(f, { overlap: 'bufferOne' });
    f.clock.set(Date.parse(AT('00:03')));
    expect(await f.schedules.triggerSchedule('soak')).toEqual({ outcome: 'buffered', occurrence: AT('00:03') });
    expect((await f.store.getSchedule('soak'))?.buffered).toBe(Date.parse(AT('00:03')));
    expect((await f.events()).at(-1)).toEqual(['schedule.buffered', { occurrence: AT('00:03'), trigger: true }]);
    await expect(f.schedules.triggerSchedule('soak')).rejects.toThrow(
      `schedule soak: not triggered: run ${live} is still live and the overlap policy is bufferOne (one run already waits)`,
    );
  });

  it('while a run is being started: refused as retryable, naming its key', async () => {
    const f = setup();
    await f.schedules.createSchedule(spec());
    f.campaigns.createCampaign = async () => {
      throw new Error('control plane killed between claim and create');
    };
    f.clock.set(Date.parse(AT('00:00')));
    await f.schedules.tick();
    const error = await f.schedules.triggerSchedule('soak').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateConflictError);
    expect(error).toMatchObject({ retryable: true, message: `schedule soak is starting a run (schedule:soak:${AT('00:00')}); try again in a moment` });
  });
});

describe('a view', () => {
  it('?next= from 0 to MAX_NEXT; a fraction, a negative or a larger number refused naming next', async () => {
    const f = setup();
    await f.schedules.createSchedule(spec());
    expect((await f.schedules.getSchedule('soak', 0)).next).toEqual([]);
    expect((await f.schedules.getSchedule('soak', MAX_NEXT)).next).toHaveLength(MAX_NEXT);
    for (const next of [-1, MAX_NEXT + 1, 1.5]) {
      const error = await f.schedules.getSchedule('soak', next).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'next', message: `must be a whole number from 0 to ${MAX_NEXT}, got ${next}` }]);
    }
  });

  it('lists its runs newest first, each with its status and occurrence, and no other campaign', async () => {
    const f = setup();
    await f.campaigns.createCampaign(campaignInput({ name: 'by-hand' }));
    await f.schedules.createSchedule(spec({ name: 'other', overlap: 'allow' }));
    await f.schedules.createSchedule(spec({ overlap: 'allow' }));
    f.clock.set(Date.parse(AT('00:00')));
    await f.schedules.tick();
    f.clock.set(Date.parse(AT('00:10')));
    await f.schedules.tick();
    const view = await f.schedules.getSchedule('soak');
    expect(view.runs.map((r) => [r.occurrence, r.status, r.createdAt])).toEqual([
      [AT('00:10'), 'STARTING', Date.parse(AT('00:10'))],
      [AT('00:00'), 'STARTING', Date.parse(AT('00:00'))],
    ]);
  });
});
