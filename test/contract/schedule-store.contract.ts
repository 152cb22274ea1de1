/**
 * The `ScheduleStore` contract, and exactly-once starts over it: every adapter (SQLite, DynamoDB)
 * runs the same suite. Two control planes (two schedule services over one store) race for one
 * occurrence and one run results.
 */
import { ms } from '../../core/model/units.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../core/clock.js';
import { AlreadyExistsError, NotFoundError, VersionConflictError } from '../../core/errors.js';
import type { CampaignStore, ScheduleStore } from '../../core/ports.js';
import type { ScheduleRecord } from '../../core/model/schedule-record.js';
import { campaignInput, storedSchedule } from '../support/campaigns.js';
import { scheduleFleet } from '../support/schedule-fleet.js';

export interface ScheduleStoreFixture {
  store: CampaignStore & ScheduleStore;
  clock: VirtualClock;
  cleanup(): Promise<void>;
}

export interface ScheduleStoreContractOptions {
  /** False where two truly concurrent conditional writes can both succeed (moto): the stale-read race stands for the rule there. */
  isolatesConcurrentWrites?: boolean;
}

const T0 = Date.parse('2026-02-02T00:00:00Z');

function record(id: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return storedSchedule({ name: id, campaign: campaignInput({ name: `${id}-run` }) }, { createdAt: T0 - 60_000, nextRunAt: T0, version: 0 }, overrides);
}

export function describeScheduleStoreContract(name: string, makeStore: () => Promise<ScheduleStoreFixture>, options: ScheduleStoreContractOptions = {}): void {
  describe(`ScheduleStore contract: ${name}`, () => {
    let fixture: ScheduleStoreFixture;
    beforeEach(async () => {
      fixture = await makeStore();
      fixture.clock.set(T0 - 60_000);
      return () => fixture.cleanup();
    });

    it('stores a schedule and reads it back as it was written, null nextRunAt included', async () => {
      const { store } = fixture;
      await store.createSchedule(record('a'));
      await store.createSchedule(record('b', { nextRunAt: null, pending: { occurrence: T0, idempotencyKey: 'schedule:b:x', cancel: ['c-1'] } }));
      expect(await store.getSchedule('a')).toEqual(record('a'));
      expect((await store.getSchedule('b'))?.nextRunAt).toBeNull();
      expect((await store.getSchedule('b'))?.pending).toEqual({ occurrence: T0, idempotencyKey: 'schedule:b:x', cancel: ['c-1'] });
      expect((await store.listSchedules()).map((s) => s.scheduleId)).toEqual(['a', 'b']);
      expect(await store.getSchedule('nope')).toBeUndefined();
    });

    it('refuses a second schedule of the same id (not retryable)', async () => {
      await fixture.store.createSchedule(record('a'));
      const error = await fixture.store.createSchedule(record('a')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AlreadyExistsError);
      expect((error as AlreadyExistsError).retryable).toBe(false);
    });

    it('updates are compare-and-set on version: a stale one is a VersionConflictError and changes nothing', async () => {
      const { store } = fixture;
      await store.createSchedule(record('a'));
      const claimed = await store.updateSchedule('a', 0, {
        nextRunAt: ms(T0 + 600_000),
        runs: 1,
        pending: { occurrence: T0, idempotencyKey: 'k', cancel: [] },
      });
      expect(claimed).toMatchObject({ version: 1, nextRunAt: T0 + 600_000, runs: 1 });
      await expect(store.updateSchedule('a', 0, { nextRunAt: ms(T0 + 600_000), runs: 1 })).rejects.toThrow(VersionConflictError);
      const cleared = await store.updateSchedule('a', 1, { pending: undefined });
      expect(cleared.pending).toBeUndefined();
      expect(await store.getSchedule('a')).toEqual(cleared);
      await expect(store.updateSchedule('nope', 0, { paused: true })).rejects.toThrow(NotFoundError);
    });

    it('a deleted schedule leaves the list, stays readable, and its id may be used again', async () => {
      const { store } = fixture;
      await store.createSchedule(record('a'));
      await store.updateSchedule('a', 0, { deletedAt: ms(T0) });
      expect(await store.listSchedules()).toEqual([]);
      expect((await store.getSchedule('a'))?.deletedAt).toBe(T0);
      const again = await store.createSchedule(record('a'));
      expect(again.version).toBe(2);
      expect((await store.listSchedules()).map((s) => s.scheduleId)).toEqual(['a']);
    });

    it('two control planes, one acting on a stale read of the schedule: one run for the occurrence', async () => {
      const { store, clock } = fixture;
      const planeA = scheduleFleet(store, clock);
      await planeA.schedules.createSchedule({ name: 'race', cron: '*/10 * * * *', campaign: campaignInput({ name: 'race-run' }) });
      const stale = await store.listSchedules();
      // Plane B read the schedules before plane A claimed the occurrence, and acts on that read.
      const staleReads: ScheduleStore = { ...bind(store), listSchedules: async () => stale };
      const planeB = scheduleFleet(store, clock, staleReads);
      clock.set(T0);
      const a = await planeA.schedules.tick();
      const b = await planeB.schedules.tick();
      expect(a.started).toHaveLength(1);
      expect(b.started).toHaveLength(0);
      expect(b.failed).toEqual([]);
      const runs = await planeA.runs('race');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ scheduleId: 'race', occurrence: T0, idempotencyKey: 'schedule:race:2026-02-02T00:00:00.000Z' });
      expect(await store.getSchedule('race')).toMatchObject({ runs: 1, nextRunAt: T0 + 600_000 });
    });

    if (options.isolatesConcurrentWrites !== false) {
      it('two control planes ticking at the same moment: one run for the occurrence', async () => {
        const { store, clock } = fixture;
        const planes = [scheduleFleet(store, clock), scheduleFleet(store, clock), scheduleFleet(store, clock)];
        await planes[0]!.schedules.createSchedule({ name: 'race', cron: '*/10 * * * *', campaign: campaignInput({ name: 'race-run' }) });
        clock.set(T0);
        const ticks = await Promise.all(planes.map((p) => p.schedules.tick()));
        expect(ticks.flatMap((t) => t.started)).toHaveLength(1);
        expect(ticks.flatMap((t) => t.failed)).toEqual([]);
        expect(await planes[0]!.runs('race')).toHaveLength(1);
      });
    }

    it('a run claimed twice (a retried tick after a lost answer) is created once: the occurrence is its identity', async () => {
      const { store, clock } = fixture;
      const plane = scheduleFleet(store, clock);
      await plane.schedules.createSchedule({ name: 'retry', cron: '*/10 * * * *', campaign: campaignInput({ name: 'retry-run' }) });
      clock.set(T0);
      const first = await plane.campaigns.createCampaign(campaignInput({ name: 'retry-run' }), {
        idempotencyKey: 'schedule:retry:2026-02-02T00:00:00.000Z',
        origin: { scheduleId: 'retry', occurrence: T0 },
      });
      await plane.schedules.tick();
      const runs = await plane.runs('retry');
      expect(runs.map((r) => r.campaignId)).toEqual([first.view.campaign.campaignId]);
    });
  });
}

/** The store's schedule methods, bound (so a copy with one method replaced still reaches the store). */
function bind(store: ScheduleStore): ScheduleStore {
  return {
    createSchedule: store.createSchedule.bind(store),
    getSchedule: store.getSchedule.bind(store),
    listSchedules: store.listSchedules.bind(store),
    updateSchedule: store.updateSchedule.bind(store),
  };
}
