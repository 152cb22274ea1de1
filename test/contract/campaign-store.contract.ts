/**
 * The contract of `CampaignStore`: what the control plane and the tasks rely on, whichever
 * adapter holds the records (SQLite locally, DynamoDB on AWS). Every adapter runs this suite.
 */
import { ms } from '../../core/model/units.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../core/clock.js';
import {
  AlreadyExistsError,
  FencedOutError,
  NotFoundError,
  ProgrammingError,
  ShardClosedError,
  ValidationError,
  VersionConflictError,
} from '../../core/errors.js';
import type { LifecycleEvent } from '../../core/model/records.js';
import type { CampaignStore, ShardKey } from '../../core/ports.js';
import { checkpoint, fills, newCampaign, progress, shardRecord } from './record-builders.js';

/** A store under test, the clock it was built with, and how to throw it away. */
export interface CampaignStoreFixture {
  store: CampaignStore;
  clock: VirtualClock;
  cleanup(): Promise<void>;
}

/** What an adapter's backend can be held to beyond the contract's sequential cases. */
export interface CampaignStoreContractOptions {
  /**
   * Two conditional writes racing from the same version: the backend applies exactly one (true,
   * the default: SQLite's write lock, DynamoDB's conditional writes). moto's threaded server
   * evaluates a condition and applies the update without a lock, so under load both can win
   * there: its run declares false, and the sequential stale-version case stands for the rule.
   */
  isolatesConcurrentWrites?: boolean;
}

/** Registers the `CampaignStore` contract for one adapter; `makeStore` returns an empty store. */
export function describeCampaignStoreContract(name: string, makeStore: () => Promise<CampaignStoreFixture>, options: CampaignStoreContractOptions = {}): void {
  describe(`CampaignStore contract: ${name}`, () => {
    let fixture: CampaignStoreFixture;
    let store: CampaignStore;
    let clock: VirtualClock;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      clock = fixture.clock;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Creates campaign `id` with `shardCount` shards and returns the first shard's key. */
    async function seed(id: string, shardCount = 2): Promise<ShardKey> {
      const { campaign, shards } = newCampaign(id, shardCount);
      await store.createCampaign(campaign, shards);
      return { campaignId: id, shardId: 'shard-0' };
    }

    describe('campaigns and shards', () => {
      it('creates a campaign with its shards, and reads them back', async () => {
        const { campaign, shards } = newCampaign('c1', 3);
        const result = await store.createCampaign(campaign, shards);

        expect(result).toEqual({ campaign, created: true });
        expect(await store.getCampaign('c1')).toEqual(campaign);
        expect(await store.listCampaigns()).toEqual([campaign]);
        expect(await store.listShards('c1')).toEqual(shards);
        expect(await store.getShard({ campaignId: 'c1', shardId: 'shard-2' })).toEqual(shards[2]);
      });

      it('lists every campaign, and each campaign only its own shards in index order', async () => {
        const a = newCampaign('a', 2);
        const b = newCampaign('b', 3, { createdAt: ms(a.campaign.createdAt + 1) });
        await store.createCampaign(b.campaign, [...b.shards].reverse());
        await store.createCampaign(a.campaign, a.shards);

        expect((await store.listCampaigns()).map((c) => c.campaignId).sort()).toEqual(['a', 'b']);
        expect((await store.listShards('b')).map((s) => s.shardId)).toEqual(['shard-0', 'shard-1', 'shard-2']);
        expect((await store.listShards('a')).map((s) => s.campaignId)).toEqual(['a', 'a']);
      });

      it('a second create with the same idempotency key returns the first campaign and creates nothing', async () => {
        const first = newCampaign('first', 2, { idempotencyKey: 'key-1' });
        const second = newCampaign('second', 3, { idempotencyKey: 'key-1' });
        await store.createCampaign(first.campaign, first.shards);

        const again = await store.createCampaign(second.campaign, second.shards);

        expect(again).toEqual({ campaign: first.campaign, created: false });
        expect(await store.getCampaign('second')).toBeUndefined();
        expect(await store.listShards('second')).toEqual([]);
        expect(await store.listCampaigns()).toEqual([first.campaign]);
      });

      it('campaigns without an idempotency key, or with different keys, are all created', async () => {
        await store.createCampaign(newCampaign('x', 1).campaign, newCampaign('x', 1).shards);
        await store.createCampaign(newCampaign('y', 1).campaign, newCampaign('y', 1).shards);
        const z = newCampaign('z', 1, { idempotencyKey: 'key-z' });
        const w = newCampaign('w', 1, { idempotencyKey: 'key-w' });
        expect((await store.createCampaign(z.campaign, z.shards)).created).toBe(true);
        expect((await store.createCampaign(w.campaign, w.shards)).created).toBe(true);
        expect(await store.listCampaigns()).toHaveLength(4);
      });

      it('creating a campaign id that exists is an AlreadyExistsError and changes nothing', async () => {
        await seed('dup', 1);
        const again = newCampaign('dup', 3, { name: 'other' });
        await expect(store.createCampaign(again.campaign, again.shards)).rejects.toBeInstanceOf(AlreadyExistsError);
        expect((await store.getCampaign('dup'))?.name).toBe('campaign dup');
        expect(await store.listShards('dup')).toHaveLength(1);
      });

      it('a shard of another campaign is a ValidationError, a shard listed twice a ProgrammingError; neither creates anything', async () => {
        const foreign = newCampaign('c1', 2);
        foreign.shards[1] = shardRecord('c2', 1);
        const refused = await store.createCampaign(foreign.campaign, foreign.shards).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(ValidationError);
        expect((refused as ValidationError).issues).toEqual([{ path: 'campaignId', message: 'shard shard-1 belongs to campaign c2, expected c1' }]);
        const twice = newCampaign('c1', 2);
        twice.shards[1] = shardRecord('c1', 0);
        const bug = await store.createCampaign(twice.campaign, twice.shards).catch((error: unknown) => error);
        expect(bug).toBeInstanceOf(ProgrammingError);
        expect((bug as Error).message).toBe('campaign c1: shard shard-0 is listed twice; shard ids must be unique');
        expect(await store.getCampaign('c1')).toBeUndefined();
        expect(await store.listShards('c1')).toEqual([]);
      });

      it('unknown ids read as undefined or empty, and updating them is a NotFoundError', async () => {
        await seed('c1');
        const unknown = { campaignId: 'c1', shardId: 'shard-9' };
        expect(await store.getCampaign('nope')).toBeUndefined();
        expect(await store.getShard(unknown)).toBeUndefined();
        expect(await store.listShards('nope')).toEqual([]);
        await expect(store.updateCampaign('nope', 0, { status: 'RUNNING' })).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.updateShard(unknown, 0, { status: 'RUNNING' })).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.forTask(unknown, 0).heartbeat(progress(1))).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.readLedger(unknown)).toEqual([]);
        expect(await store.readHeartbeats(unknown)).toEqual([]);
        expect(await store.readCheckpoint(unknown)).toBeUndefined();
      });
    });

    describe('compare-and-set', () => {
      it('updateCampaign applies the patch, bumps the version and stamps updatedAt', async () => {
        await seed('c1');
        clock.advance(5_000);
        const updated = await store.updateCampaign('c1', 0, { status: 'RUNNING', startedAt: clock.now() });

        expect(updated).toMatchObject({ status: 'RUNNING', startedAt: clock.now(), updatedAt: clock.now(), version: 1 });
        expect(await store.getCampaign('c1')).toEqual(updated);
      });

      it('updateCampaign with a stale version is a VersionConflictError and changes nothing', async () => {
        await seed('c1');
        const winner = await store.updateCampaign('c1', 0, { status: 'RUNNING' });
        await expect(store.updateCampaign('c1', 0, { status: 'CANCELLED' })).rejects.toBeInstanceOf(VersionConflictError);
        await expect(store.updateCampaign('c1', 2, { status: 'CANCELLED' })).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store.getCampaign('c1')).toEqual(winner);
        expect((await store.updateCampaign('c1', 1, { status: 'STOPPING' })).version).toBe(2);
      });

      it('updateShard applies the patch, bumps the version and stamps updatedAt', async () => {
        const key = await seed('c1');
        clock.advance(1_000);
        const updated = await store.updateShard(key, 0, { status: 'LAUNCHING', taskId: 'task-1', launchedAt: clock.now() });

        expect(updated).toMatchObject({ status: 'LAUNCHING', taskId: 'task-1', updatedAt: clock.now(), version: 1, generation: 0 });
        expect(await store.getShard(key)).toEqual(updated);
      });

      it('updateShard with a stale version is a VersionConflictError and changes nothing', async () => {
        const key = await seed('c1');
        const winner = await store.updateShard(key, 0, { status: 'LAUNCHING' });
        await expect(store.updateShard(key, 0, { status: 'RUNNING' })).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store.getShard(key)).toEqual(winner);
      });

      if (options.isolatesConcurrentWrites !== false)
        it('of two racing updates from the same version exactly one wins', async () => {
          const key = await seed('c1');
          const results = await Promise.allSettled([store.updateShard(key, 0, { status: 'STALLED' }), store.updateShard(key, 0, { status: 'CRASHED' })]);
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(lost[0]!.reason).toBeInstanceOf(VersionConflictError);
          expect((await store.getShard(key))?.version).toBe(1);
        });
    });

    describe('active shards', () => {
      it('lists shards of every campaign that are not COMPLETED or FAILED', async () => {
        await seed('a', 3);
        await seed('b', 2);
        await store.updateShard({ campaignId: 'a', shardId: 'shard-1' }, 0, { status: 'COMPLETED' });
        await store.updateShard({ campaignId: 'b', shardId: 'shard-0' }, 0, { status: 'FAILED' });
        await store.updateShard({ campaignId: 'b', shardId: 'shard-1' }, 0, { status: 'STALLED' });

        const active = (await store.listActiveShards()).map((s) => `${s.campaignId}/${s.shardId}:${s.status}`).sort();
        expect(active).toEqual(['a/shard-0:PENDING', 'a/shard-2:PENDING', 'b/shard-1:STALLED']);
      });

      it('returns the full, current shard records', async () => {
        const key = await seed('a', 1);
        await store.forTask(key, 0).heartbeat(progress(7));
        expect(await store.listActiveShards()).toEqual([await store.getShard(key)]);
      });
    });

    describe('heartbeats', () => {
      it('a heartbeat sets the record heartbeat, keeps the peak RSS and never changes the version', async () => {
        const key = await seed('c1');
        const task = store.forTask(key, 0, 'writer-a');
        clock.advance(10_000);
        await task.heartbeat(progress(100, 80_000_000));
        const firstAt = clock.now();
        clock.advance(10_000);
        await task.heartbeat(progress(200, 60_000_000));

        const shard = await store.getShard(key);
        expect(shard?.heartbeat).toEqual({
          generation: 0,
          writer: 'writer-a',
          receivedAt: clock.now(),
          ticksSince: clock.now(),
          progress: progress(200, 60_000_000),
        });
        expect(shard?.peakRssBytes).toBe(80_000_000);
        expect(shard?.version).toBe(0);
        expect(await store.readHeartbeats(key)).toEqual([
          { generation: 0, writer: 'writer-a', receivedAt: firstAt, ticksSince: firstAt, progress: progress(100, 80_000_000) },
          { generation: 0, writer: 'writer-a', receivedAt: clock.now(), ticksSince: clock.now(), progress: progress(200, 60_000_000) },
        ]);
      });

      it("a task that starts after its shard closed cannot claim it: ShardClosedError (a fence, exit 3), and the holder's claim stays", async () => {
        const key = await seed('c1');
        const holder = store.forTask(key, 0, 'writer-a');
        await holder.restore();
        const shard = await store.getShard(key);
        await store.updateShard(key, shard!.version, { status: 'COMPLETED' });

        const late = store.forTask(key, 0, 'writer-late').restore();
        await expect(late).rejects.toBeInstanceOf(ShardClosedError);
        await expect(late).rejects.toBeInstanceOf(FencedOutError);
        await expect(late).rejects.toThrow(/generation 0 may not claim the shard: it is COMPLETED \(closed\)/);
        expect((await store.getShard(key))?.writer?.id).toBe('writer-a');
        await expect(store.forTask(key, 0, 'writer-late').heartbeat(progress(1))).rejects.toBeInstanceOf(FencedOutError);
      });

      it('a claim records its writer on the shard (never the version); control-plane updates keep it; the writer it took over from heartbeats nothing more', async () => {
        const key = await seed('c1');
        const first = store.forTask(key, 0, 'writer-a');
        await first.restore();
        await first.heartbeat(progress(100));
        clock.advance(1_000);
        await store.forTask(key, 0, 'writer-b').restore();
        const claimed = await store.getShard(key);
        expect(claimed?.writer).toEqual({ id: 'writer-b', generation: 0, claimedAt: clock.now() });
        expect(claimed?.version).toBe(0);

        clock.advance(1_000);
        await expect(first.heartbeat(progress(200))).rejects.toMatchObject({ name: 'FencedOutError', writers: { self: 'writer-a', holder: 'writer-b' } });
        const after = await store.getShard(key);
        expect(after?.heartbeat?.progress.ticks).toBe(100);
        expect((await store.readHeartbeats(key)).map((h) => [h.writer, h.progress.ticks])).toEqual([['writer-a', 100]]);

        const updated = await store.updateShard(key, 0, { status: 'RUNNING' });
        expect(updated.writer).toEqual(claimed?.writer);
        expect((await store.getShard(key))?.writer).toEqual(claimed?.writer);
      });

      it('a heartbeat says since when its ticks have stood still: moving ticks restart the clock, a new task starts its own', async () => {
        const key = await seed('c1');
        const task = store.forTask(key, 0);
        await task.heartbeat(progress(100));
        const movedAt = clock.now();
        clock.advance(10_000);
        await task.heartbeat(progress(100));
        expect((await store.getShard(key))?.heartbeat).toMatchObject({ receivedAt: movedAt + 10_000, ticksSince: movedAt });
        clock.advance(10_000);
        await task.heartbeat(progress(101));
        expect((await store.getShard(key))?.heartbeat).toMatchObject({ ticksSince: clock.now() });
        const again = clock.now();
        clock.advance(10_000);
        await store.forTask(key, 0).heartbeat(progress(101));
        expect((await store.getShard(key))?.heartbeat?.ticksSince, 'a writer vouches only for what it saw').toBeGreaterThan(again);
      });

      it('heartbeats never make a control-plane update conflict, and updates never drop a heartbeat', async () => {
        const key = await seed('c1');
        const read = await store.getShard(key);
        await store.forTask(key, 0).heartbeat(progress(100));
        const updated = await store.updateShard(key, read!.version, { status: 'RUNNING', observedTicks: 100 });
        expect(updated.heartbeat?.progress).toEqual(progress(100));
        expect(await store.getShard(key)).toEqual(updated);
      });

      it('heartbeat history spans generations, oldest first', async () => {
        const key = await seed('c1');
        await store.forTask(key, 0).heartbeat(progress(1));
        await store.updateShard(key, 0, { generation: 1, status: 'RESTARTING' });
        await store.forTask(key, 1).heartbeat(progress(2));
        expect((await store.readHeartbeats(key)).map((h) => [h.generation, h.progress.ticks])).toEqual([
          [0, 1],
          [1, 2],
        ]);
        expect(await store.readHeartbeats({ campaignId: 'c1', shardId: 'shard-1' })).toEqual([]);
      });
    });

    describe('fencing', () => {
      it('after a restart raises the generation, the old task heartbeats and commits nothing', async () => {
        const key = await seed('c1');
        const old = store.forTask(key, 0);
        await old.heartbeat(progress(10));
        await old.commit(fills(0, 4, 0), checkpoint(0, 3));
        await old.commit(fills(4, 1, 0), null);
        const shardBefore = await store.getShard(key);
        await store.updateShard(key, shardBefore!.version, { generation: 1, status: 'RESTARTING' });
        const restarted = await store.getShard(key);

        const heartbeat = old.heartbeat(progress(20, 999_000_000));
        await expect(heartbeat).rejects.toBeInstanceOf(FencedOutError);
        await expect(heartbeat).rejects.toMatchObject({ shardId: 'shard-0', generation: 0, currentGeneration: 1 });
        await expect(old.commit(fills(5, 2, 0), checkpoint(0, 6))).rejects.toBeInstanceOf(FencedOutError);

        expect(await store.readLedger(key)).toEqual(fills(0, 5, 0));
        expect(await store.readCheckpoint(key)).toEqual(checkpoint(0, 3));
        expect(await store.readHeartbeats(key)).toHaveLength(1);
        expect(await store.getShard(key)).toEqual(restarted);
      });

      it('the new generation writes after the old one was fenced out', async () => {
        const key = await seed('c1');
        await store.updateShard(key, 0, { generation: 1, status: 'RESTARTING' });
        const next = store.forTask(key, 1);
        await next.heartbeat(progress(1));
        await next.commit(fills(0, 2, 1), checkpoint(1, 1));
        expect((await store.getShard(key))?.heartbeat?.generation).toBe(1);
        expect(await store.readCheckpoint(key)).toEqual(checkpoint(1, 1));
      });
    });

    describe('ledger and checkpoint', () => {
      it('a commit whose batch puts a different fill under a committed seq writes none of its fills and not its checkpoint', async () => {
        const key = await seed('c1');
        const task = store.forTask(key, 0);
        await task.commit(fills(0, 3, 0), checkpoint(0, 2));
        const other = { ...fills(2, 1, 0)[0]!, qty: 1 };

        await expect(task.commit([...fills(3, 3, 0), other], checkpoint(0, 5))).rejects.toThrow(/seq 2 \(qty: 0\.015 → 1\)/);

        expect(await store.readLedger(key)).toEqual(fills(0, 3, 0));
        expect(await store.readCheckpoint(key)).toEqual(checkpoint(0, 2));
      });

      it('restore is the last checkpoint plus the fills committed after it', async () => {
        const key = await seed('c1');
        const task = store.forTask(key, 0);
        await task.commit(fills(0, 6, 0), checkpoint(0, 5));
        await task.commit(fills(6, 3, 0), null);

        expect(await store.forTask(key, 0).restore()).toEqual({ checkpoint: checkpoint(0, 5), ledgerTail: fills(6, 3, 0) });
      });

      it('readLedger returns every fill once, in seq order, across generations', async () => {
        const key = await seed('c1');
        await store.forTask(key, 0).commit(fills(0, 5, 0), checkpoint(0, 4));
        await store.updateShard(key, 0, { generation: 1, status: 'RESTARTING' });
        await store.forTask(key, 1).commit(fills(5, 3, 1), null);
        await store.updateShard(key, 1, { generation: 2, status: 'RESTARTING' });
        await store.forTask(key, 2).commit(fills(8, 2, 2), checkpoint(2, 9));

        expect(await store.readLedger(key)).toEqual([...fills(0, 5, 0), ...fills(5, 3, 1), ...fills(8, 2, 2)]);
        expect(await store.readLedger({ campaignId: 'c1', shardId: 'shard-1' })).toEqual([]);
      });

      it('shards keep separate ledgers: the same seq in two shards is not a duplicate', async () => {
        const key = await seed('c1');
        const other = { campaignId: 'c1', shardId: 'shard-1' };
        await store.forTask(key, 0).commit(fills(0, 2, 0), null);
        await store.forTask(other, 0).commit(fills(0, 3, 0), checkpoint(0, 2));
        expect(await store.readLedger(key)).toEqual(fills(0, 2, 0));
        expect(await store.readLedger(other)).toEqual(fills(0, 3, 0));
        expect(await store.readCheckpoint(key)).toBeUndefined();
      });
    });

    describe('events', () => {
      it('lists a campaign’s events in the order they were appended', async () => {
        await seed('a');
        await seed('b');
        const at = clock.now();
        const event = (campaignId: string, i: number): LifecycleEvent => ({
          at: at + i,
          campaignId,
          shardId: `shard-${i % 2}`,
          generation: 0,
          type: 'SHARD_STATUS',
          from: 'PENDING',
          to: 'LAUNCHING',
          detail: { i, nested: { ok: true } },
        });
        await store.appendEvents([event('a', 0), event('b', 1), event('a', 2)]);
        await store.appendEvents([]);
        await store.appendEvents([event('a', 3)]);

        expect(await store.listEvents('a')).toEqual([event('a', 0), event('a', 2), event('a', 3)]);
        expect(await store.listEvents('b')).toEqual([event('b', 1)]);
        expect(await store.listEvents('none')).toEqual([]);
      });
    });

    it('records come back equal to what was written, field for field', async () => {
      const { campaign } = newCampaign('full', 1, { startAt: ms(1), endsAt: ms(2), endReason: 'duration', idempotencyKey: 'k' });
      const shard = shardRecord('full', 0, {
        status: 'RUNNING',
        taskId: 'arn:aws:ecs:task/1',
        launchNotBefore: 3,
        observedTicks: 4,
        observedTicksSince: 5,
        suspectSince: 6,
        healthySince: 7,
        backoffSec: 2.5,
        restarts: [
          {
            fromGeneration: 0,
            cause: 'OOM',
            detail: { exitCode: 137, signal: null, stopCode: 'EssentialContainerExited', lastRssBytes: 1_000, note: 'ü' },
            failedAt: ms(10),
            detectedAt: ms(11.5),
            detectionDelaySec: 1.5,
          },
        ],
      });
      await store.createCampaign(campaign, [shard]);
      expect(await store.getCampaign('full')).toEqual(campaign);
      expect(await store.getShard({ campaignId: 'full', shardId: 'shard-0' })).toEqual(shard);
    });
  });
}
