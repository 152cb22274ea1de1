import { systemClock, type Clock } from '../clock.js';
import { FencedOutError } from '../errors.js';
import type { Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import { committedFills, reconcileCommit, refuseGaps, refuseRepeatedSeqs, type StoredFill } from '../model/ledger-reconcile.js';
import type { Progress } from '../model/progress.js';
import type { ShardWriter } from '../model/records.js';
import { newWriterId, shardHolderBesides } from '../model/shard-writer.js';
import type { RestorePoint, ShardKey, ShardPersistence } from '../ports.js';

interface ShardSlot {
  generation: number;
  /** The last claim (`ShardRecord.writer`). */
  writer?: ShardWriter;
  checkpoint: Checkpoint | null;
  /** Stored fills by seq, orphans included (only `writeUnfinishedCommit` leaves any: a commit here is one step). */
  fills: Map<number, StoredFill>;
  /** The ledger's head: the highest seq the last finished commit covers, -1 before the first. */
  committedSeq: number;
  heartbeats: { generation: number; progress: Progress }[];
}

/**
 * An in-memory ledger for engine tests and benchmarks: the engine's persistence port with the
 * same fencing, all-or-nothing commits and exactly-once semantics as the durable adapters (a
 * fill already stored identically is dropped from a commit, a different one under its `seq` is
 * a `LedgerConflictError`, new fills that do not continue the ledger are a `LedgerGapError`),
 * the same commit point (fills above the head, `committedSeq`, are an unfinished commit's
 * orphans: never read, written over by a newer generation; `ledger-reconcile.ts`), the same
 * claim by writer (the latest claimant of a generation holds the shard: `ShardPersistence`), and
 * nothing durable.
 */
export class MemoryShardLedger {
  private readonly shards = new Map<string, ShardSlot>();

  /** @param clock stamps claims (`ShardWriter.claimedAt`). */
  constructor(private readonly clock: Clock = systemClock) {}

  /** The port for one generation of a shard and one writer (a fresh one when not given). The first call for a shard sets its generation. */
  forTask(key: ShardKey, generation: number, writer: string = newWriterId()): ShardPersistence {
    const slot = this.slot(key, generation);
    const ledger = this;
    return {
      key,
      generation,
      writer,
      async restore(): Promise<RestorePoint> {
        if (slot.generation !== generation) throw new FencedOutError(key.shardId, generation, slot.generation);
        slot.writer = { id: writer, generation, claimedAt: ledger.clock.now() };
        return ledger.restorePoint(key);
      },
      async heartbeat(progress: Progress): Promise<void> {
        ledger.checkFence(key, slot, generation, writer);
        slot.heartbeats.push({ generation, progress });
      },
      async commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
        ledger.checkFence(key, slot, generation, writer);
        refuseRepeatedSeqs(`shard ${key.shardId}`, fills);
        const head = { committedSeq: slot.committedSeq, generation, writer };
        const { toWrite, covered } = reconcileCommit(key.shardId, fills, storedAmong(slot, fills), head);
        refuseGaps(key.shardId, slot.committedSeq, covered);
        for (const fill of toWrite) slot.fills.set(fill.seq, { fill: { ...fill }, writerGeneration: generation, writer });
        if (covered.length > 0) slot.committedSeq = (covered[covered.length - 1] as Fill).seq;
        if (checkpoint) slot.checkpoint = structuredClone(checkpoint);
      },
    };
  }

  /**
   * What a split commit leaves when its task dies between the parts (the DynamoDB store's
   * parts of 98 fills): `fills` stored as `generation` wrote them, the head not moved, no
   * checkpoint. The persistence contract plants orphans with it; a commit here never leaves any.
   */
  writeUnfinishedCommit(key: ShardKey, generation: number, fills: readonly Fill[], writer?: string): void {
    const slot = this.slot(key, generation);
    for (const fill of fills) slot.fills.set(fill.seq, { fill: { ...fill }, writerGeneration: generation, ...(writer !== undefined ? { writer } : {}) });
  }

  /** Makes `generation` the shard's current one, fencing out every older task (what a restart does). */
  supersede(key: ShardKey, generation: number): void {
    this.slot(key, generation).generation = generation;
  }

  /** The shard's committed fills, in `seq` order (orphans left out). */
  fills(key: ShardKey): Fill[] {
    const slot = this.shards.get(id(key));
    return slot ? committedOf(slot) : [];
  }

  checkpoint(key: ShardKey): Checkpoint | null {
    return this.shards.get(id(key))?.checkpoint ?? null;
  }

  heartbeats(key: ShardKey): { generation: number; progress: Progress }[] {
    return this.shards.get(id(key))?.heartbeats ?? [];
  }

  /** The checkpoint and the committed fills after it (copies). */
  restorePoint(key: ShardKey): RestorePoint {
    const slot = this.shards.get(id(key));
    if (!slot) return { checkpoint: null, ledgerTail: [] };
    const after = slot.checkpoint?.lastFillSeq ?? -1;
    return {
      checkpoint: structuredClone(slot.checkpoint),
      ledgerTail: committedOf(slot)
        .filter((f) => f.seq > after)
        .map((f) => ({ ...f })),
    };
  }

  private slot(key: ShardKey, generation: number): ShardSlot {
    let slot = this.shards.get(id(key));
    if (!slot) {
      slot = { generation, checkpoint: null, fills: new Map(), committedSeq: -1, heartbeats: [] };
      this.shards.set(id(key), slot);
    }
    return slot;
  }

  private checkFence(key: ShardKey, slot: ShardSlot, generation: number, writer: string): void {
    if (slot.generation !== generation) throw new FencedOutError(key.shardId, generation, slot.generation);
    const holder = shardHolderBesides(slot.writer, generation, writer);
    if (holder !== undefined) throw new FencedOutError(key.shardId, generation, generation, { self: writer, holder });
  }
}

/** The stored fills (orphans included) under the seqs of `fills`. */
function storedAmong(slot: ShardSlot, fills: readonly Fill[]): StoredFill[] {
  return fills.flatMap((fill) => slot.fills.get(fill.seq) ?? []);
}

/** The slot's fills at or below its head, in `seq` order. */
function committedOf(slot: ShardSlot): Fill[] {
  const all = [...slot.fills.values()].map((stored) => stored.fill).sort((a, b) => a.seq - b.seq);
  return committedFills(all, slot.committedSeq);
}

function id(key: ShardKey): string {
  return `${key.campaignId}/${key.shardId}`;
}
