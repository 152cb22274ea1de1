import type { Checkpoint } from '../../../core/model/checkpoint.js';
import type { Fill } from '../../../core/model/fill.js';
import type { EngineCheckpoint } from '../../../core/model/task-protocol.js';

/**
 * How an engine's opaque checkpoint is kept in the store's `Checkpoint` record: under
 * `feed.engineCheckpoint`. The record's `feed` is already the opaque resumable state of whatever
 * produces the fills; for an engine behind the agent that is the whole engine. The rest of the
 * record is what arbfleet itself knows: the generation, the last fill covered, the fill counts per
 * venue; the built-in engine's per-symbol counters and open trades stay empty (the engine's own
 * checkpoint holds what it needs).
 */
export const ENGINE_CHECKPOINT_FIELD = 'engineCheckpoint';

/** Fills per venue so far, across generations. */
export interface VenueFillCounts {
  fillsA: number;
  fillsB: number;
}

/** The store's checkpoint for an engine checkpoint covering fills up to `lastFillSeq`. */
export function storedCheckpoint(engine: EngineCheckpoint, generation: number, lastFillSeq: number, counts: VenueFillCounts, writtenAt: number): Checkpoint {
  return {
    version: 1,
    generation,
    writtenAt,
    lastFillSeq,
    nextTradeId: 0,
    fillsA: counts.fillsA,
    fillsB: counts.fillsB,
    symbols: [],
    openTrades: [],
    feed: { [ENGINE_CHECKPOINT_FIELD]: engine },
  };
}

/** The engine's checkpoint inside a stored one (null on a fresh shard, or one the built-in engine wrote). */
export function engineCheckpointOf(checkpoint: Checkpoint | null): EngineCheckpoint | null {
  const value = checkpoint?.feed[ENGINE_CHECKPOINT_FIELD];
  return value === undefined || value === null ? null : (value as EngineCheckpoint);
}

/** Fills per venue up to the restore point: the checkpoint's counts plus the ledger tail's. */
export function restoredCounts(checkpoint: Checkpoint | null, ledgerTail: readonly Fill[]): VenueFillCounts {
  const counts = { fillsA: checkpoint?.fillsA ?? 0, fillsB: checkpoint?.fillsB ?? 0 };
  for (const fill of ledgerTail) {
    if (fill.venue === 'A') counts.fillsA++;
    else counts.fillsB++;
  }
  return counts;
}
