/**
 * The SQLite store's claim and fence answers, and its schedule listing after an update
 * (`core/local/sqlite-campaign-store.ts`; written against the survivors of the stores' Stryker run,
 * docs/mutation.md): a claim for a shard that does not exist, a claim and a commit of a generation
 * the shard has moved past (closed or not) fenced with no writer named, a claim by an empty writer
 * identity refused naming the claim, an in-memory store (no file to be replaced) that takes its
 * task's writes, and a schedule that stays listed once updated until deleted.
 */
import { ms } from '../../../core/model/units.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { FencedOutError, NotFoundError, ShardClosedError, ValidationError } from '../../../core/errors.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { SqliteScheduleStore } from '../../../core/local/sqlite-schedule-store.js';
import { parseScheduleSpec } from '../../../core/schedule/schedule-spec.js';
import { fill, newCampaign, progress } from '../../contract/record-builders.js';
import { campaignInput } from '../../support/campaigns.js';

let dir: string;
let store: SqliteCampaignStore;
let schedules: SqliteScheduleStore;
const KEY = { campaignId: 'c1', shardId: 'shard-0' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbfleet-sqlite-claims-'));
  store = new SqliteCampaignStore(join(dir, 'fleet.db'), new VirtualClock());
  schedules = new SqliteScheduleStore(store.database, new VirtualClock());
  const { campaign, shards } = newCampaign('c1', 1);
  await store.createCampaign(campaign, shards);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(outcome)}`);
  return outcome;
}

/** Moves the shard to `generation` (and `status`), as a restart or the scheduler's close would. */
async function move(generation: number, status: 'RESTARTING' | 'COMPLETED') {
  const shard = await store.getShard(KEY);
  if (!shard) throw new Error('no shard');
  await store.updateShard(KEY, shard.version, { generation, status });
}

describe('claims and fences', () => {
  it('a claim for a shard that does not exist: NotFoundError, not a crash', async () => {
    const error = await refusal(store.forTask({ campaignId: 'c1', shardId: 'shard-9' }, 0, 'w-1').restore());
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('a claim of a generation the shard moved past: fenced, not closed, even when the shard is COMPLETED; no writer named', async () => {
    for (const status of ['RESTARTING', 'COMPLETED'] as const) {
      await move(1, status);
      const error = await refusal(store.forTask(KEY, 0, 'w-old').restore());
      expect(error).toBeInstanceOf(FencedOutError);
      expect(error).not.toBeInstanceOf(ShardClosedError);
      expect(error).toMatchObject({ generation: 0, currentGeneration: 1 });
      expect((error as FencedOutError).writers).toBeUndefined();
      await move(0, 'RESTARTING');
    }
  });

  it('a commit of an older generation, after a writer of the new one claimed the shard: fenced by generation, no writer named', async () => {
    await store.forTask(KEY, 0, 'w-0').restore();
    await move(1, 'RESTARTING');
    await store.forTask(KEY, 1, 'w-1').restore();
    const error = await refusal(store.forTask(KEY, 0, 'w-0').commit([fill(0, 0)], null));
    expect(error).toBeInstanceOf(FencedOutError);
    expect(error).toMatchObject({ generation: 0, currentGeneration: 1, message: 'shard shard-0: generation 0 is fenced out (current generation is 1)' });
    expect((error as FencedOutError).writers).toBeUndefined();
  });

  it('a claim by an empty writer identity is refused as input, naming the claim', async () => {
    const error = await refusal(store.forTask(KEY, 0, '').restore());
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).source).toBe('claim of shard shard-0');
  });
});

describe('an in-memory store', () => {
  it('has no file to be replaced: its task claims, commits and heartbeats', async () => {
    const memory = new SqliteCampaignStore(':memory:', new VirtualClock());
    try {
      const { campaign, shards } = newCampaign('c1', 1);
      await memory.createCampaign(campaign, shards);
      const task = memory.forTask(KEY, 0, 'w-1');
      await task.restore();
      await task.commit([fill(0, 0)], null);
      await task.heartbeat(progress(1));
      expect((await memory.readLedger(KEY)).map((f) => f.seq)).toEqual([0]);
    } finally {
      memory.close();
    }
  });
});

describe('schedules', () => {
  it('stay listed once updated, until deleted', async () => {
    const { spec } = parseScheduleSpec({ name: 's', cron: '*/10 * * * *', campaign: campaignInput({ name: 's-run' }) });
    await schedules.createSchedule({
      scheduleId: 's',
      spec,
      paused: false,
      nextRunAt: ms(1_000),
      runs: 0,
      skipped: 0,
      missed: 0,
      createdAt: ms(0),
      updatedAt: ms(0),
      version: 0,
    });
    const paused = await schedules.updateSchedule('s', 0, { paused: true });
    expect((await schedules.listSchedules()).map((s) => s.scheduleId)).toEqual(['s']);
    await schedules.updateSchedule('s', paused.version, { deletedAt: ms(5) });
    expect(await schedules.listSchedules()).toEqual([]);
  });
});
