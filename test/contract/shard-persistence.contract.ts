/**
 * The contract of the engine's persistence port (`ShardPersistence`): fenced writes, atomic
 * commits, restore from checkpoint plus ledger tail, and the commit point (fills an unfinished
 * commit left above the ledger's head are no one's to read, and a newer generation writes over
 * them: `core/model/ledger-reconcile.ts`). Every adapter runs this same suite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FencedOutError, isRetryable, LedgerConflictError, LedgerGapError, ProgrammingError } from '../../core/errors.js';
import type { ShardRecord } from '../../core/model/records.js';
import type { CampaignStore, ShardKey, ShardPersistence } from '../../core/ports.js';
import type { Fill } from '../../core/model/fill.js';
import { checkpoint, fill, fills, newCampaign, progress } from './record-builders.js';

/** What the suite needs from an adapter besides the port itself. */
export interface ShardPersistenceHarness {
  /** Creates a fresh shard (no checkpoint, no fills) whose current generation is `generation`. */
  createShard(generation: number): Promise<ShardKey>;
  forTask(key: ShardKey, generation: number): ShardPersistence;
  /** Makes `generation` the shard's current one, as a restart does. */
  supersede(key: ShardKey, generation: number): Promise<void>;
  /** Every fill of the shard, in `seq` order, across generations. */
  readLedger(key: ShardKey): Promise<Fill[]>;
  /**
   * Stores `fills` as a split commit of `generation` leaves them when its task dies between the
   * parts: the fills written, the head not moved, no checkpoint (on DynamoDB the items its first
   * part writes; elsewhere, where a commit is one step, written past the store's own code).
   */
  leaveUnfinishedCommit(key: ShardKey, generation: number, fills: readonly Fill[]): Promise<void>;
  cleanup(): Promise<void>;
}

let storeShards = 0;

/**
 * The harness for a `CampaignStore`'s engine port: shards are created through the store and
 * superseded the way a restart does it (generation bumped by a compare-and-set update).
 */
export function storeBackedHarness(
  store: CampaignStore,
  cleanup: () => Promise<void>,
  leaveUnfinishedCommit: ShardPersistenceHarness['leaveUnfinishedCommit'],
): ShardPersistenceHarness {
  return {
    async createShard(generation) {
      const campaignId = `c${storeShards++}`;
      const { campaign, shards } = newCampaign(campaignId, 1);
      const shard = shards[0] as ShardRecord;
      await store.createCampaign(campaign, [{ ...shard, generation }]);
      return { campaignId, shardId: shard.shardId };
    },
    forTask: (key, generation) => store.forTask(key, generation),
    readLedger: (key) => store.readLedger(key),
    async supersede(key, generation) {
      const shard = await store.getShard(key);
      if (!shard) throw new Error(`no shard ${key.campaignId}/${key.shardId} to supersede`);
      await store.updateShard(key, shard.version, { generation, status: 'RESTARTING' });
    },
    leaveUnfinishedCommit,
    cleanup,
  };
}

/** Registers the `ShardPersistence` contract for one adapter. */
export function describeShardPersistenceContract(name: string, make: () => Promise<ShardPersistenceHarness>): void {
  describe(`ShardPersistence contract: ${name}`, () => {
    let harness: ShardPersistenceHarness;
    let key: ShardKey;

    beforeEach(async () => {
      harness = await make();
      key = await harness.createShard(0);
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('a fresh shard restores to no checkpoint and an empty tail', async () => {
      const task = harness.forTask(key, 0);
      expect(task.key).toEqual(key);
      expect(task.generation).toBe(0);
      expect(await task.restore()).toEqual({ checkpoint: null, ledgerTail: [] });
    });

    it('restore returns the last checkpoint and the fills after it, in seq order', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 4, 0), checkpoint(0, 3));
      await task.commit(fills(4, 3, 0), null);
      await task.commit(fills(7, 2, 0), null);

      const restored = await harness.forTask(key, 0).restore();
      expect(restored.checkpoint).toEqual(checkpoint(0, 3));
      expect(restored.ledgerTail).toEqual(fills(4, 5, 0));
    });

    it('a commit without a checkpoint keeps the previous one; a commit with one replaces it', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 2, 0), checkpoint(0, 1));
      await task.commit(fills(2, 2, 0), null);
      expect((await task.restore()).checkpoint).toEqual(checkpoint(0, 1));

      await task.commit([], checkpoint(0, 3));
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 3), ledgerTail: [] });
    });

    it('a commit retried after it was applied succeeds and writes nothing twice', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 3, 0), checkpoint(0, 2));
      // The answer was lost: the engine sends the same fills again, with a fresher checkpoint.
      await task.commit(fills(0, 3, 0), checkpoint(0, 2));
      await task.commit([...fills(0, 3, 0), ...fills(3, 2, 0)], checkpoint(0, 4));

      expect(await harness.readLedger(key)).toEqual(fills(0, 5, 0));
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 4), ledgerTail: [] });
    });

    it('a commit whose first part already landed completes the rest', async () => {
      const task = harness.forTask(key, 0);
      // The first part of a 250-fill commit (the DynamoDB store splits at 98) landed without its checkpoint.
      await task.commit(fills(0, 98, 0), null);

      await task.commit(fills(0, 250, 0), checkpoint(0, 249));

      expect(await harness.readLedger(key)).toEqual(fills(0, 250, 0));
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 249), ledgerTail: [] });
    });

    it('a different fill under an existing seq is refused with a permanent error', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 3, 0), checkpoint(0, 1));
      const changed = { ...fill(2, 0), price: fill(2, 0).price + 1 };

      const refused = task.commit([...fills(1, 1, 0), changed, ...fills(3, 2, 0)], checkpoint(0, 4));
      await expect(refused).rejects.toBeInstanceOf(LedgerConflictError);
      await expect(refused).rejects.toMatchObject({ shardId: key.shardId, seq: 2, retryable: false });
      await expect(refused).rejects.toThrow(/seq 2 \(price: [\d.]+ → [\d.]+\)/);
      expect(isRetryable(await refused.catch((error: unknown) => error))).toBe(false);

      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: fills(2, 1, 0) });
      await task.commit(fills(3, 2, 0), checkpoint(0, 4));
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 4), ledgerTail: [] });
    });

    it('a commit whose new fills skip seqs is refused with a permanent LedgerGapError and writes nothing', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 6, 0), checkpoint(0, 5));
      const before = await task.restore();

      const skipped = task.commit(fills(8, 2, 0), checkpoint(0, 9));
      await expect(skipped).rejects.toBeInstanceOf(LedgerGapError);
      await expect(skipped).rejects.toMatchObject({ shardId: key.shardId, seq: 8, expectedSeq: 6, retryable: false });
      await expect(skipped).rejects.toThrow(
        /fill seq 8 would leave a gap in the ledger: the next seq must be 6 .*seqs 6–7 would be missing; nothing of this commit was written/,
      );
      expect(isRetryable(await skipped.catch((error: unknown) => error))).toBe(false);
      // Fills already stored identically do not count as new: the first new one (8) must still be 6.
      await expect(task.commit([...fills(4, 2, 0), ...fills(8, 2, 0)], checkpoint(0, 9))).rejects.toMatchObject({ seq: 8, expectedSeq: 6 });
      // A gap inside the commit refuses all of it, the fills before the gap too.
      await expect(task.commit([...fills(6, 2, 0), ...fills(9, 1, 0)], checkpoint(0, 9))).rejects.toMatchObject({ seq: 9, expectedSeq: 8 });
      // So does a gap in a commit large enough to be split (the DynamoDB store writes it in parts).
      await expect(task.commit(fills(7, 250, 0), checkpoint(0, 256))).rejects.toMatchObject({ seq: 7, expectedSeq: 6 });
      await expect(task.commit([...fills(6, 150, 0), ...fills(157, 100, 0)], checkpoint(0, 256))).rejects.toMatchObject({ seq: 157, expectedSeq: 156 });

      expect(await harness.readLedger(key)).toEqual(fills(0, 6, 0));
      expect(await task.restore()).toEqual(before);
      // The retry that closes the gap (repeating stored fills as a retry does) is accepted.
      await task.commit([...fills(4, 2, 0), ...fills(6, 4, 0)], checkpoint(0, 9));
      expect(await harness.readLedger(key)).toEqual(fills(0, 10, 0));
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 9), ledgerTail: [] });
    });

    it('the first commit to an empty ledger starts at seq 0', async () => {
      const task = harness.forTask(key, 0);
      const skipped = task.commit(fills(3, 2, 0), checkpoint(0, 4));
      await expect(skipped).rejects.toBeInstanceOf(LedgerGapError);
      await expect(skipped).rejects.toMatchObject({ seq: 3, expectedSeq: 0 });
      await expect(skipped).rejects.toThrow(/the next seq must be 0 \(the ledger is empty\), so seqs 0–2 would be missing/);
      expect(await task.restore()).toEqual({ checkpoint: null, ledgerTail: [] });
    });

    it('a commit that lists one seq twice writes none of its fills and not its checkpoint', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 3, 0), checkpoint(0, 1));

      const refused = task.commit([...fills(3, 2, 0), ...fills(3, 1, 0)], checkpoint(0, 4));
      await expect(refused).rejects.toBeInstanceOf(ProgrammingError);
      await expect(refused).rejects.toMatchObject({ retryable: false });

      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: fills(2, 1, 0) });
      await task.commit(fills(3, 2, 0), checkpoint(0, 4));
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 4), ledgerTail: [] });
    });

    it('a superseded generation is fenced out: its heartbeat and commit reject and write nothing', async () => {
      const old = harness.forTask(key, 0);
      await old.heartbeat(progress(10));
      await old.commit(fills(0, 2, 0), checkpoint(0, 1));
      await old.commit(fills(2, 1, 0), null);
      const before = await old.restore();

      await harness.supersede(key, 1);

      const heartbeat = old.heartbeat(progress(20));
      await expect(heartbeat).rejects.toBeInstanceOf(FencedOutError);
      await expect(heartbeat).rejects.toMatchObject({ generation: 0, currentGeneration: 1 });
      await expect(old.commit(fills(3, 2, 0), checkpoint(0, 4))).rejects.toBeInstanceOf(FencedOutError);
      await expect(old.commit([], checkpoint(0, 2))).rejects.toBeInstanceOf(FencedOutError);
      expect(await old.restore()).toEqual(before);
    });

    it('the new generation resumes where the old one stopped and continues the ledger', async () => {
      const old = harness.forTask(key, 0);
      await old.commit(fills(0, 4, 0), checkpoint(0, 3));
      await old.commit(fills(4, 2, 0), null);
      await harness.supersede(key, 1);

      const next = harness.forTask(key, 1);
      const resumed = await next.restore();
      expect(resumed).toEqual({ checkpoint: checkpoint(0, 3), ledgerTail: fills(4, 2, 0) });

      await next.heartbeat(progress(5));
      await next.commit(fills(6, 2, 1), checkpoint(1, 7));
      expect(await next.restore()).toEqual({ checkpoint: checkpoint(1, 7), ledgerTail: [] });
      await expect(old.commit(fills(8, 1, 0), null)).rejects.toBeInstanceOf(FencedOutError);
    });

    it('a generation from the future is fenced out too (only the current one writes)', async () => {
      const ahead = harness.forTask(key, 3);
      await expect(ahead.heartbeat(progress(1))).rejects.toBeInstanceOf(FencedOutError);
      await expect(ahead.commit(fills(0, 1, 3), null)).rejects.toBeInstanceOf(FencedOutError);
      expect(await harness.forTask(key, 0).restore()).toEqual({ checkpoint: null, ledgerTail: [] });
    });

    it('restore returns copies: changing them changes nothing stored', async () => {
      const task = harness.forTask(key, 0);
      await task.commit(fills(0, 2, 0), checkpoint(0, 0));
      const first = await task.restore();
      first.ledgerTail[0]!.qty = 99;
      first.checkpoint!.symbols[0]!.ticks = 0;
      expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 0), ledgerTail: fills(1, 1, 0) });
    });

    describe('the commit point: fills an unfinished commit left above the head', () => {
      /** A fill of `generation` that is not the one generation 0 made under `seq` (another price, as a replayed feed might give). */
      const remade = (seq: number, generation: number): Fill => ({ ...fill(seq, generation), price: fill(seq, generation).price + 0.5 });

      it('are not committed: restore, its tail and the ledger leave them out', async () => {
        const task = harness.forTask(key, 0);
        await task.commit(fills(0, 4, 0), checkpoint(0, 3));
        await task.commit(fills(4, 2, 0), null);
        await harness.leaveUnfinishedCommit(key, 0, fills(6, 98, 0));

        expect(await harness.forTask(key, 0).restore()).toEqual({ checkpoint: checkpoint(0, 3), ledgerTail: fills(4, 2, 0) });
        expect(await harness.readLedger(key)).toEqual(fills(0, 6, 0));
      });

      it('on a shard with no commit yet, restore is empty', async () => {
        await harness.leaveUnfinishedCommit(key, 0, fills(0, 98, 0));
        expect(await harness.forTask(key, 0).restore()).toEqual({ checkpoint: null, ledgerTail: [] });
        expect(await harness.readLedger(key)).toEqual([]);
      });

      it("the next generation writes its own fills over an older generation's, under the same seqs", async () => {
        await harness.forTask(key, 0).commit(fills(0, 4, 0), checkpoint(0, 3));
        await harness.leaveUnfinishedCommit(key, 0, fills(4, 6, 0));
        await harness.supersede(key, 1);
        const next = harness.forTask(key, 1);
        expect(await next.restore()).toEqual({ checkpoint: checkpoint(0, 3), ledgerTail: [] });

        const again = [remade(4, 1), remade(5, 1), remade(6, 1)];
        await next.commit(again, checkpoint(1, 6));
        expect(await harness.readLedger(key)).toEqual([...fills(0, 4, 0), ...again]);
        // Seqs 7–9 are still generation 0's orphans: out of the ledger until generation 1 writes them.
        await next.commit([remade(7, 1)], checkpoint(1, 7));
        expect(await harness.readLedger(key)).toEqual([...fills(0, 4, 0), ...again, remade(7, 1)]);
        expect(await next.restore()).toEqual({ checkpoint: checkpoint(1, 7), ledgerTail: [] });
      });

      it("a generation's own orphans are its unfinished commit: repeated identically, the commit completes", async () => {
        await harness.leaveUnfinishedCommit(key, 0, fills(0, 5, 0));
        const task = harness.forTask(key, 0);

        await task.commit(fills(0, 7, 0), checkpoint(0, 6));

        expect(await harness.readLedger(key)).toEqual(fills(0, 7, 0));
        expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 6), ledgerTail: [] });
      });

      it("a different fill over the same generation's orphan is a permanent LedgerConflictError: one generation never overwrites itself", async () => {
        await harness.forTask(key, 0).commit(fills(0, 2, 0), checkpoint(0, 1));
        await harness.leaveUnfinishedCommit(key, 0, fills(2, 3, 0));
        const task = harness.forTask(key, 0);

        const refused = task.commit([...fills(2, 1, 0), remade(3, 0), ...fills(4, 1, 0)], checkpoint(0, 4));
        await expect(refused).rejects.toBeInstanceOf(LedgerConflictError);
        await expect(refused).rejects.toMatchObject({ seq: 3, retryable: false });
        expect(await harness.readLedger(key)).toEqual(fills(0, 2, 0));
        expect(await task.restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: [] });
      });

      it("an orphan of the task's own generation that appeared after its last commit (a second writer) is not written over either", async () => {
        const task = harness.forTask(key, 0);
        await task.commit(fills(0, 2, 0), checkpoint(0, 1));
        await harness.leaveUnfinishedCommit(key, 0, [remade(2, 0)]);

        await expect(task.commit(fills(2, 1, 0), checkpoint(0, 2))).rejects.toBeInstanceOf(LedgerConflictError);
        expect(await harness.readLedger(key)).toEqual(fills(0, 2, 0));
      });

      it('the gap check counts from the head, not from the orphans above it', async () => {
        await harness.forTask(key, 0).commit(fills(0, 2, 0), checkpoint(0, 1));
        await harness.leaveUnfinishedCommit(key, 0, fills(2, 5, 0));
        await harness.supersede(key, 1);
        const next = harness.forTask(key, 1);

        await expect(next.commit([remade(7, 1)], checkpoint(1, 7))).rejects.toMatchObject({ name: 'LedgerGapError', seq: 7, expectedSeq: 2 });
        await next.commit([remade(2, 1)], checkpoint(1, 2));
        expect(await harness.readLedger(key)).toEqual([...fills(0, 2, 0), remade(2, 1)]);
      });

      it('a committed fill is never written over, whatever generation comes next', async () => {
        await harness.forTask(key, 0).commit(fills(0, 3, 0), checkpoint(0, 2));
        await harness.supersede(key, 1);

        const refused = harness.forTask(key, 1).commit([remade(2, 1)], checkpoint(1, 2));
        await expect(refused).rejects.toBeInstanceOf(LedgerConflictError);
        expect(await harness.readLedger(key)).toEqual(fills(0, 3, 0));
      });
    });
  });
}
