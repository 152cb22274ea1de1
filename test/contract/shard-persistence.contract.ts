/**
 * The contract of the engine's persistence port (`ShardPersistence`): writes fenced by generation
 * and writer (the latest claimant of a generation holds the shard, `core/ports.ts`), atomic
 * commits, restore from checkpoint plus ledger tail, and the commit point (fills an unfinished
 * commit left above the ledger's head are no one's to read, and a newer generation writes over
 * them: `core/model/ledger-reconcile.ts`). Every adapter runs this same suite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FencedOutError, isRetryable, LedgerConflictError, LedgerGapError, ProgrammingError, ValidationError } from '../../core/errors.js';
import type { ShardRecord } from '../../core/model/records.js';
import type { CampaignStore, ShardKey, ShardPersistence } from '../../core/ports.js';
import type { Fill } from '../../core/model/fill.js';
import { checkpoint, fill, fills, newCampaign, progress } from './record-builders.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import { ms } from '../../core/model/units.js';

const T0 = Date.UTC(2026, 0, 1);

/** What the suite needs from an adapter besides the port itself. */
export interface ShardPersistenceHarness {
  /** Creates a fresh shard (no checkpoint, no fills) whose current generation is `generation`. */
  createShard(generation: number): Promise<ShardKey>;
  /** The port of one writer (a fresh writer identity when `writer` is not given). */
  forTask(key: ShardKey, generation: number, writer?: string): ShardPersistence;
  /** Makes `generation` the shard's current one, as a restart does. */
  supersede(key: ShardKey, generation: number): Promise<void>;
  /** Every fill of the shard, in `seq` order, across generations. */
  readLedger(key: ShardKey): Promise<Fill[]>;
  /**
   * Stores `fills` as a split commit of `generation` leaves them when its task dies between the
   * parts: the fills written, the head not moved, no checkpoint (on DynamoDB the items its first
   * part writes; elsewhere, where a commit is one step, written past the store's own code),
   * written by `writer` where the adapter records writers of fills (`recordsFillWriters`).
   */
  leaveUnfinishedCommit(key: ShardKey, generation: number, fills: readonly Fill[], writer?: string): Promise<void>;
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
    forTask: (key, generation, writer) => store.forTask(key, generation, writer),
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

/** What an adapter can show besides the common contract. */
export interface ShardPersistenceContractOptions {
  /**
   * The adapter records which writer wrote each fill (DynamoDB, whose split commits can leave a
   * writer's orphans; memory): orphans of the writer a claim took the shard from are written over.
   * SQLite's commits are one transaction and leave none, so it records no writer per fill.
   */
  recordsFillWriters?: boolean;
  /**
   * The adapter checks every fill of a commit before writing any (the stores, through
   * `validateFill`, `core/model/record-codec.ts`); the in-memory ledger of engine tests does not.
   */
  validatesFills?: boolean;
}

/** Registers the `ShardPersistence` contract for one adapter. */
export function describeShardPersistenceContract(
  name: string,
  make: () => Promise<ShardPersistenceHarness>,
  options: ShardPersistenceContractOptions = {},
): void {
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

    // Registered only for adapters that check fills (no skipped test for the others).
    if (options.validatesFills)
      it('refuses a commit holding a malformed fill with a ValidationError naming the shard, the seq and the field, and writes nothing of it', async () => {
        const port = harness.forTask(key, 0);
        await port.restore();
        const owner = `shard ${key.campaignId}/${key.shardId} fill seq`;
        const [good, second] = fills(0, 2, 0) as [Fill, Fill];
        const { generation: _gone, ...withoutGeneration } = second;
        for (const [bad, field] of [
          [{ ...second, price: -5 }, 'price'],
          [{ ...second, seq: '1' }, 'seq'],
          [{ ...second, venue: 'C' }, 'venue'],
          [{ ...second, qty: Number.NaN }, 'qty'],
          [{ ...second, extra: 1 }, 'extra'],
          [withoutGeneration, 'generation'],
        ] as const) {
          const refused = await port.commit([good, bad as unknown as Fill], checkpoint(0, 1)).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(refused, field).toBeInstanceOf(ValidationError);
          expect((refused as ValidationError).source?.startsWith(owner), field).toBe(true);
          expect((refused as ValidationError).message, field).toMatch(new RegExp(`^${owner} 1\\b.*\\b${field}\\b`, 's'));
          expect(await harness.readLedger(key)).toEqual([]);
        }
        // A fill whose fields are inherited (zod accepts it): stored with every field.
        await port.commit([Object.create(good) as Fill, second], checkpoint(0, 1));
        expect(await harness.readLedger(key)).toEqual([good, second]);
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

    it('a checkpoint holding a partly filled open trade and orders in flight (legs filled or due, kept books with levels and sizes taken) restores exactly', async () => {
      const task = harness.forTask(key, 0);
      const withOrders: Checkpoint = {
        ...checkpoint(0, 3),
        // Trade 0 filled 0.3 and 0.25 of the 0.5 ordered (leg risk): its P&L in bps is measured on what filled (`orderedQty`).
        openTrades: [
          {
            tradeId: 0,
            symbol: 'BTC',
            buyVenue: 'A',
            qty: 0.3,
            qtyB: 0.25,
            orderedQty: 0.5,
            entryPriceA: 132_100_000,
            entryPriceB: 95_100.5,
            entryCashMicros: -13_776_123,
            openedAt: ms(T0 + 500),
          },
        ],
        inFlight: [
          {
            kind: 'OPEN',
            symbol: 'BTC',
            buyVenue: 'B',
            reason: 'ENTRY',
            decidedAt: T0 + 1_000,
            decidedWall: T0 + 1_003,
            decisionPriceA: 132_411_000,
            decisionPriceB: 95_000.1,
            quoteTsA: T0 + 990,
            quoteTsB: T0 + 998,
            sent: 0.010526315789473684,
            ordered: 0.010526315789473684,
            staleQuote: false,
            a: { qty: 0.010526315789473684, price: 132_409_859.99999999, ts: T0 + 1_000 },
            b: {
              due: T0 + 1_300,
              book: {
                bid: 94_999.9,
                ask: 95_000.1,
                at: T0 + 998,
                bids: [[94_999.9, 0.1 + 0.2]],
                asks: [
                  [95_000.1, 5],
                  [95_000.2, 1e-8],
                ],
                takenAsk: 0.004,
              },
            },
          },
          {
            kind: 'CLOSE',
            symbol: 'BTC',
            buyVenue: 'A',
            tradeId: 0,
            reason: 'STOP_LOSS',
            decidedAt: T0 + 1_100,
            decidedWall: T0 + 1_100,
            decisionPriceA: 132_000_000,
            decisionPriceB: 94_800,
            quoteTsA: T0 + 1_099,
            quoteTsB: T0 + 1_050,
            sent: 0.5,
            ordered: 0.5,
            staleQuote: true,
            a: { due: T0 + 1_100 },
            b: { qty: 0.25, price: 94_800, ts: T0 + 1_400, unsized: true },
          },
        ],
      };
      await task.commit(fills(0, 4, 0), withOrders);
      expect((await harness.forTask(key, 0).restore()).checkpoint).toEqual(withOrders);
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
      // Its claim is refused too: a superseded task cannot even start.
      await expect(old.restore()).rejects.toMatchObject({ name: 'FencedOutError', generation: 0, currentGeneration: 1 });
      expect(await harness.forTask(key, 1).restore()).toEqual(before);
    });

    describe('two writers of one generation: the latest claimant holds the shard', () => {
      it("a second writer's claim takes the shard over: it restores what the first committed, and the first's heartbeat and commits are refused naming the holder, writing nothing", async () => {
        const first = harness.forTask(key, 0, 'writer-a');
        await first.restore();
        await first.heartbeat(progress(10));
        await first.commit(fills(0, 4, 0), checkpoint(0, 3));
        await first.commit(fills(4, 2, 0), null);

        const second = harness.forTask(key, 0, 'writer-b');
        expect(await second.restore()).toEqual({ checkpoint: checkpoint(0, 3), ledgerTail: fills(4, 2, 0) });

        const heartbeat = first.heartbeat(progress(20));
        await expect(heartbeat).rejects.toBeInstanceOf(FencedOutError);
        await expect(heartbeat).rejects.toMatchObject({ generation: 0, currentGeneration: 0, writers: { self: 'writer-a', holder: 'writer-b' } });
        await expect(heartbeat).rejects.toThrow(/writer writer-a of generation 0 is fenced out: writer writer-b of the same generation took the shard over/);
        await expect(first.commit(fills(6, 2, 0), checkpoint(0, 7))).rejects.toMatchObject({ name: 'FencedOutError', writers: { holder: 'writer-b' } });
        await expect(first.commit([], checkpoint(0, 5))).rejects.toBeInstanceOf(FencedOutError);
        // A split commit (more than one DynamoDB transaction): refused whole.
        await expect(first.commit(fills(6, 250, 0), checkpoint(0, 255))).rejects.toBeInstanceOf(FencedOutError);
        expect(await harness.readLedger(key)).toEqual(fills(0, 6, 0));

        await second.heartbeat(progress(11));
        await second.commit(fills(6, 2, 0), checkpoint(0, 7));
        expect(await harness.readLedger(key)).toEqual(fills(0, 8, 0));
        expect(await harness.forTask(key, 0, 'writer-b').restore()).toEqual({ checkpoint: checkpoint(0, 7), ledgerTail: [] });
      });

      it('a claim again by the writer that lost the shard takes it back (latest wins), and fences the other', async () => {
        const first = harness.forTask(key, 0, 'writer-a');
        const second = harness.forTask(key, 0, 'writer-b');
        await first.restore();
        await second.restore();
        await second.commit(fills(0, 2, 0), checkpoint(0, 1));
        expect(await first.restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: [] });
        await expect(second.heartbeat(progress(1))).rejects.toMatchObject({ writers: { self: 'writer-b', holder: 'writer-a' } });
        await first.commit(fills(2, 2, 0), checkpoint(0, 3));
        expect(await harness.readLedger(key)).toEqual(fills(0, 4, 0));
      });

      it("a claim of a generation that is not the shard's is refused and takes nothing over", async () => {
        await harness.supersede(key, 1);
        const current = harness.forTask(key, 1, 'writer-new');
        await current.restore();
        await expect(harness.forTask(key, 0, 'writer-old').restore()).rejects.toMatchObject({ name: 'FencedOutError', generation: 0, currentGeneration: 1 });
        await expect(harness.forTask(key, 2, 'writer-ahead').restore()).rejects.toMatchObject({ name: 'FencedOutError', generation: 2, currentGeneration: 1 });
        await current.heartbeat(progress(1));
        await current.commit(fills(0, 2, 1), checkpoint(1, 1));
        expect(await harness.readLedger(key)).toEqual(fills(0, 2, 1));
      });

      it('a port that never claimed writes only while no writer has claimed its generation', async () => {
        const unclaimed = harness.forTask(key, 0, 'writer-tool');
        await unclaimed.heartbeat(progress(1));
        await unclaimed.commit(fills(0, 2, 0), checkpoint(0, 1));
        await harness.forTask(key, 0, 'writer-engine').restore();
        await expect(unclaimed.heartbeat(progress(2))).rejects.toMatchObject({ writers: { self: 'writer-tool', holder: 'writer-engine' } });
        await expect(unclaimed.commit(fills(2, 2, 0), checkpoint(0, 3))).rejects.toBeInstanceOf(FencedOutError);
        expect(await harness.readLedger(key)).toEqual(fills(0, 2, 0));
        // A new generation is unclaimed again until its task claims it.
        await harness.supersede(key, 1);
        await harness.forTask(key, 1, 'writer-tool').heartbeat(progress(3));
      });

      if (options.recordsFillWriters) {
        it('orphans the former writer of the generation left (a split commit cut by the claim) are written over by the writer that took over; its own are not', async () => {
          const remade = (seq: number): Fill => ({ ...fill(seq, 0), price: fill(seq, 0).price + 0.5 });
          const first = harness.forTask(key, 0, 'writer-a');
          await first.restore();
          await first.commit(fills(0, 2, 0), checkpoint(0, 1));
          await harness.leaveUnfinishedCommit(key, 0, fills(2, 98, 0), 'writer-a');

          const second = harness.forTask(key, 0, 'writer-b');
          expect(await second.restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: [] });
          await second.commit([remade(2), remade(3)], checkpoint(0, 3));
          expect(await harness.readLedger(key)).toEqual([...fills(0, 2, 0), remade(2), remade(3)]);

          await harness.leaveUnfinishedCommit(key, 0, [fill(4, 0)], 'writer-b');
          await expect(second.commit([remade(4)], checkpoint(0, 4))).rejects.toBeInstanceOf(LedgerConflictError);
        });
      }
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
