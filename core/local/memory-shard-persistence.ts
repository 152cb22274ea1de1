import { FencedOutError } from '../errors.js';
import type { Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import { reconcileCommit, refuseGaps, refuseRepeatedSeqs } from '../model/ledger-reconcile.js';
import type { Progress } from '../model/progress.js';
import type { RestorePoint, ShardKey, ShardPersistence } from '../ports.js';

interface ShardSlot {
  generation: number;
  checkpoint: Checkpoint | null;
  fills: Fill[];
  heartbeats: { generation: number; progress: Progress }[];
}

/**
 * An in-memory ledger for engine tests and benchmarks: the engine's persistence port with the
 * same fencing, all-or-nothing commits and exactly-once semantics as the durable adapters (a
 * fill already stored identically is dropped from a commit, a different one under its `seq` is
 * a `LedgerConflictError`, new fills that do not continue the ledger are a `LedgerGapError`),
 * and nothing durable.
 */
export class MemoryShardLedger {
  private readonly shards = new Map<string, ShardSlot>();

  /** The port for one generation of a shard. The first call for a shard sets its generation. */
  forTask(key: ShardKey, generation: number): ShardPersistence {
    const slot = this.slot(key, generation);
    const ledger = this;
    return {
      key,
      generation,
      async restore(): Promise<RestorePoint> {
        return ledger.restorePoint(key);
      },
      async heartbeat(progress: Progress): Promise<void> {
        ledger.checkFence(key, slot, generation);
        slot.heartbeats.push({ generation, progress });
      },
      async commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
        ledger.checkFence(key, slot, generation);
        refuseRepeatedSeqs(`shard ${key.shardId}`, fills);
        const { toWrite } = reconcileCommit(key.shardId, fills, storedFrom(slot.fills, fills));
        refuseGaps(key.shardId, slot.fills.length > 0 ? (slot.fills[slot.fills.length - 1] as Fill).seq : -1, toWrite);
        slot.fills.push(...toWrite.map((f) => ({ ...f })));
        if (checkpoint) slot.checkpoint = structuredClone(checkpoint);
      },
    };
  }

  /** Makes `generation` the shard's current one, fencing out every older task (what a restart does). */
  supersede(key: ShardKey, generation: number): void {
    this.slot(key, generation).generation = generation;
  }

  fills(key: ShardKey): Fill[] {
    return this.shards.get(id(key))?.fills ?? [];
  }

  checkpoint(key: ShardKey): Checkpoint | null {
    return this.shards.get(id(key))?.checkpoint ?? null;
  }

  heartbeats(key: ShardKey): { generation: number; progress: Progress }[] {
    return this.shards.get(id(key))?.heartbeats ?? [];
  }

  restorePoint(key: ShardKey): RestorePoint {
    const slot = this.shards.get(id(key));
    if (!slot) return { checkpoint: null, ledgerTail: [] };
    const after = slot.checkpoint?.lastFillSeq ?? -1;
    return { checkpoint: structuredClone(slot.checkpoint), ledgerTail: slot.fills.filter((f) => f.seq > after).map((f) => ({ ...f })) };
  }

  private slot(key: ShardKey, generation: number): ShardSlot {
    let slot = this.shards.get(id(key));
    if (!slot) {
      slot = { generation, checkpoint: null, fills: [], heartbeats: [] };
      this.shards.set(id(key), slot);
    }
    return slot;
  }

  private checkFence(key: ShardKey, slot: ShardSlot, generation: number): void {
    if (slot.generation !== generation) throw new FencedOutError(key.shardId, generation, slot.generation);
  }
}

/** The stored fills a commit may repeat: those from its lowest `seq` on (stored fills are gap-free, in `seq` order). */
function storedFrom(stored: readonly Fill[], fills: readonly Fill[]): readonly Fill[] {
  if (fills.length === 0 || stored.length === 0) return [];
  const lowest = fills.reduce((low, fill) => Math.min(low, fill.seq), Infinity);
  return stored.slice(Math.max(0, lowest - (stored[0] as Fill).seq));
}

function id(key: ShardKey): string {
  return `${key.campaignId}/${key.shardId}`;
}
