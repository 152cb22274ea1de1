import type { EpochMs } from '../../../core/clock.js';
import type { Checkpoint } from '../../../core/model/checkpoint.js';
import type { Fill } from '../../../core/model/fill.js';
import type { EngineCheckpoint } from '../../../core/model/task-protocol.js';
import { ClosedTradeCounter } from './closed-trades.js';

/**
 * How an engine's opaque checkpoint is kept in the store's `Checkpoint` record: under
 * `feed.engineCheckpoint`. The record's `feed` is already the opaque resumable state of whatever
 * produces the fills; for an engine behind the agent that is the whole engine, and the agent's own
 * count of closed trades beside it (`feed.agentClosedTrades`). The rest of the record is what
 * arbfleet itself knows: the generation, the last fill covered, the fill counts per venue; the
 * built-in engine's per-symbol counters and open trades stay empty (the engine's own checkpoint
 * holds what it needs).
 */
export const ENGINE_CHECKPOINT_FIELD = 'engineCheckpoint';
/** Where the agent keeps its closed-trade count in the checkpoint's `feed`: `{ closed, closing }` (`ClosedTradeCounter`). */
export const CLOSED_TRADES_FIELD = 'agentClosedTrades';

/** What the agent counts from the fills in the ledger, across generations. */
export interface LedgerCounts {
  fillsA: number;
  fillsB: number;
  /** Trades with a close leg in the ledger (`ClosedTradeCounter`). */
  tradesClosed: number;
}

/** The store's checkpoint for an engine checkpoint covering fills up to `lastFillSeq`; `closing` is `ClosedTradeCounter.closingTrades()`. */
export function storedCheckpoint(
  engine: EngineCheckpoint,
  generation: number,
  lastFillSeq: number,
  counts: LedgerCounts,
  closing: readonly number[],
  writtenAt: EpochMs,
): Checkpoint {
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
    feed: { [ENGINE_CHECKPOINT_FIELD]: engine, [CLOSED_TRADES_FIELD]: { closed: counts.tradesClosed, closing } },
  };
}

/** The engine's checkpoint inside a stored one (null on a fresh shard, or one the built-in engine wrote). */
export function engineCheckpointOf(checkpoint: Checkpoint | null): EngineCheckpoint | null {
  const value = checkpoint?.feed[ENGINE_CHECKPOINT_FIELD];
  return value === undefined || value === null ? null : (value as EngineCheckpoint);
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The closed-trade count at a checkpoint: the agent's own (`feed.agentClosedTrades`), else the
 * per-symbol counters a built-in engine's checkpoint keeps (`symbols[].tradesClosed`), else 0.
 */
function closedAt(checkpoint: Checkpoint | null): ClosedTradeCounter {
  const kept = checkpoint?.feed[CLOSED_TRADES_FIELD] as { closed?: unknown; closing?: unknown } | undefined;
  if (kept !== undefined && isCount(kept.closed) && Array.isArray(kept.closing) && kept.closing.every(isCount)) {
    return new ClosedTradeCounter(kept.closed, kept.closing as number[]);
  }
  return new ClosedTradeCounter(checkpoint?.symbols.reduce((sum, s) => sum + s.tradesClosed, 0) ?? 0);
}

/**
 * What the ledger holds up to the restore point: the checkpoint's counts plus the ledger tail's
 * fills, and the closed-trade counter to go on from.
 */
export function restoredCounts(checkpoint: Checkpoint | null, ledgerTail: readonly Fill[]): { counts: LedgerCounts; closed: ClosedTradeCounter } {
  const closed = closedAt(checkpoint);
  let fillsA = checkpoint?.fillsA ?? 0;
  let fillsB = checkpoint?.fillsB ?? 0;
  for (const fill of ledgerTail) {
    if (fill.venue === 'A') fillsA++;
    else fillsB++;
    closed.note(fill.kind, fill.tradeId);
  }
  return { counts: { fillsA, fillsB, tradesClosed: closed.closed }, closed };
}
