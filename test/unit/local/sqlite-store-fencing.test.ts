/**
 * The SQLite store's fencing and compare-and-set code (`core/local/sqlite-campaign-store.ts`) where the
 * contract suites do not look closely: the words of its refusals (each names the record, the file
 * and the versions, so an operator can act on it), the idempotency key an update keeps, the key
 * an update may not take from another campaign, and a schedule update's record read back exactly
 * as it was returned. Written from the survivors of `npm run mutate` (docs/mutation.md).
 */
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { AlreadyExistsError, FencedOutError, NotFoundError, StoreReplacedError, ValidationError, VersionConflictError } from '../../../core/errors.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { SqliteScheduleStore } from '../../../core/local/sqlite-schedule-store.js';
import type { Fill } from '../../../core/model/fill.js';
import { ms } from '../../../core/model/units.js';
import { parseScheduleSpec } from '../../../core/schedule/schedule-spec.js';
import { checkpoint, fill, newCampaign, progress } from '../../contract/record-builders.js';
import { campaignInput } from '../../support/campaigns.js';

let dir: string;
let path: string;
let store: SqliteCampaignStore;
let schedules: SqliteScheduleStore;
const KEY = { campaignId: 'c1', shardId: 'shard-0' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbfleet-sqlite-fencing-'));
  path = join(dir, 'fleet.db');
  store = new SqliteCampaignStore(path, new VirtualClock());
  schedules = new SqliteScheduleStore(store.database, new VirtualClock());
  const { campaign, shards } = newCampaign('c1', 1, { idempotencyKey: 'key-1' });
  await store.createCampaign(campaign, shards);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The error a promise rejects with (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(outcome)}`);
  return outcome;
}

function schedule(id: string) {
  const { spec } = parseScheduleSpec({ name: id, cron: '*/10 * * * *', campaign: campaignInput({ name: `${id}-run` }) });
  return { scheduleId: id, spec, paused: false, nextRunAt: ms(1_000), runs: 0, skipped: 0, missed: 0, createdAt: ms(0), updatedAt: ms(0), version: 0 };
}

describe('refusals name the record, the file and the versions', () => {
  it('a missing campaign, shard or schedule: NotFoundError naming it and the file', async () => {
    const campaign = await refusal(store.updateCampaign('nope', 0, { name: 'x' }));
    expect(campaign).toBeInstanceOf(NotFoundError);
    expect(campaign.message).toBe(`campaign nope does not exist in ${path}`);
    const shard = await refusal(store.updateShard({ campaignId: 'c1', shardId: 'shard-9' }, 0, { status: 'RUNNING' }));
    expect(shard).toBeInstanceOf(NotFoundError);
    expect(shard.message).toBe(`shard c1/shard-9 does not exist in ${path}`);
    const missingSchedule = await refusal(schedules.updateSchedule('nope', 0, { paused: true }));
    expect(missingSchedule).toBeInstanceOf(NotFoundError);
    expect(missingSchedule.message).toBe(`schedule nope does not exist in ${path}`);
    // A task's fenced write to a shard that is not there: the fence explains itself.
    const task = await refusal(store.forTask({ campaignId: 'c1', shardId: 'shard-9' }, 0).heartbeat(progress(1)));
    expect(task).toBeInstanceOf(NotFoundError);
    expect(task.message).toBe(`shard c1/shard-9 does not exist in ${path}`);
  });

  it('a stale version: VersionConflictError naming the record, the stored and the expected version', async () => {
    await store.updateCampaign('c1', 0, { name: 'renamed' });
    const campaign = await refusal(store.updateCampaign('c1', 0, { name: 'again' }));
    expect(campaign).toBeInstanceOf(VersionConflictError);
    expect(campaign.message).toBe('campaign c1 is at version 1, not 0: someone else updated it first; read it again and retry');
    await store.updateShard(KEY, 0, { status: 'RUNNING' });
    const shard = await refusal(store.updateShard(KEY, 0, { status: 'FAILED' }));
    expect(shard.message).toBe('shard c1/shard-0 is at version 1, not 0: someone else updated it first; read it again and retry');
    await schedules.createSchedule(schedule('s'));
    await schedules.updateSchedule('s', 0, { paused: true });
    const stale = await refusal(schedules.updateSchedule('s', 0, { paused: false }));
    expect(stale.message).toBe('schedule s is at version 1, not 0: someone else updated it first; read it again and retry');
  });

  it('an update or a task write that would store an invalid record: ValidationError naming what was written', async () => {
    const campaign = await refusal(store.updateCampaign('c1', 0, { status: 'NOPE' as never }));
    expect(campaign).toBeInstanceOf(ValidationError);
    expect((campaign as ValidationError).source).toBe('campaign c1 update');
    const shard = await refusal(store.updateShard(KEY, 0, { status: 'NOPE' as never }));
    expect((shard as ValidationError).source).toBe('shard c1/shard-0 update');
    await schedules.createSchedule(schedule('s'));
    const scheduled = await refusal(schedules.updateSchedule('s', 0, { runs: -1 }));
    expect((scheduled as ValidationError).source).toBe('schedule s update');

    const port = store.forTask(KEY, 0);
    const heartbeat = await refusal(port.heartbeat({ ...progress(1), ticks: -1 }));
    expect((heartbeat as ValidationError).source).toBe('heartbeat of shard shard-0');
    const badFill = await refusal(port.commit([fill(0, 0), { ...fill(1, 0), qty: 'x' as never }], null));
    expect((badFill as ValidationError).source).toBe('shard c1/shard-0 fill seq 1');
    const badCheckpoint = await refusal(port.commit([], { ...checkpoint(0, -1), lastFillSeq: 'x' as never }));
    expect((badCheckpoint as ValidationError).source).toBe('shard c1/shard-0 checkpoint');
    // Nothing of a refused commit was written.
    expect(await store.readLedger(KEY)).toEqual([]);
  });

  it('a task of an older generation: FencedOutError with both generations', async () => {
    await store.updateShard(KEY, 0, { generation: 2 });
    const fenced = await refusal(store.forTask(KEY, 1).commit([fill(0, 1)] as Fill[], null));
    expect(fenced).toBeInstanceOf(FencedOutError);
    expect(fenced).toMatchObject({ generation: 1, currentGeneration: 2 });
  });
});

describe("a task's store file", () => {
  it('moved over by another file (same path, another inode): StoreReplacedError, how replaced, nothing written', async () => {
    const port = store.forTask(KEY, 0);
    await port.heartbeat(progress(1));
    copyFileSync(path, `${path}.copy`);
    renameSync(`${path}.copy`, path);
    const replaced = await refusal(port.commit([fill(0, 0)], null));
    expect(replaced).toBeInstanceOf(StoreReplacedError);
    expect(replaced).toMatchObject({ how: 'replaced', path });
  });
});

describe('idempotency keys across updates', () => {
  it('an updated campaign keeps its idempotency key: creating it again returns it, not a second campaign', async () => {
    await store.updateCampaign('c1', 0, { status: 'RUNNING' });
    const { campaign, shards } = newCampaign('c2', 1, { idempotencyKey: 'key-1' });
    const again = await store.createCampaign(campaign, shards);
    expect(again.created).toBe(false);
    expect(again.campaign).toMatchObject({ campaignId: 'c1', status: 'RUNNING', version: 1 });
    expect((await store.listCampaigns()).map((c) => c.campaignId)).toEqual(['c1']);
  });

  it("an update may not take another campaign's idempotency key: AlreadyExistsError naming both, nothing changed", async () => {
    const { campaign, shards } = newCampaign('c2', 1, { idempotencyKey: 'key-2' });
    await store.createCampaign(campaign, shards);
    const taken = await refusal(store.updateCampaign('c2', 0, { idempotencyKey: 'key-1' }));
    expect(taken).toBeInstanceOf(AlreadyExistsError);
    expect(taken.message).toBe('campaign c2: idempotency key key-1 is already used by another campaign');
    expect(await store.getCampaign('c2')).toMatchObject({ idempotencyKey: 'key-2', version: 0 });
  });
});

describe('schedule updates', () => {
  it('a field cleared by the update (set to undefined) is gone from the returned record, exactly as read back', async () => {
    await schedules.createSchedule({ ...schedule('s'), pending: { occurrence: 1_000, idempotencyKey: 'k', cancel: [] }, note: 'n' });
    const cleared = await schedules.updateSchedule('s', 0, { pending: undefined, note: undefined });
    expect(Object.keys(cleared)).not.toContain('pending');
    expect(Object.keys(cleared)).not.toContain('note');
    expect(cleared).toStrictEqual(await schedules.getSchedule('s'));
  });
});
