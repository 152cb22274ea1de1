/**
 * The agent's count of closed trades (`engine-task/src/agent/closed-trades.ts`): from the committed
 * fills by the ledger's rule (a trade is closed once a close leg of it is in), once per trade
 * however its two close legs are committed, and resumed across generations from the checkpoint.
 */
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../../../core/model/checkpoint.js';
import type { Fill } from '../../../../core/model/fill.js';
import { ClosedTradeCounter, MAX_CLOSING } from '../../../../engine-task/src/agent/closed-trades.js';
import { restoredCounts, storedCheckpoint } from '../../../../engine-task/src/agent/stored-checkpoint.js';
import { checkpoint, fill } from '../../../contract/record-builders.js';
import { ZERO_MICROS, ms } from '../../../../core/model/units.js';

/** Closed trades in a ledger as the report counts them: trade ids with a close leg. */
const closedInLedger = (fills: readonly Pick<Fill, 'kind' | 'tradeId'>[]) => new Set(fills.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId)).size;

const leg = (tradeId: number, kind: 'OPEN' | 'CLOSE') => ({ tradeId, kind });

describe('ClosedTradeCounter', () => {
  it("counts a trade at its first close leg and never again, however its legs are interleaved with other trades'", () => {
    const ledger = [leg(1, 'OPEN'), leg(1, 'OPEN'), leg(2, 'OPEN'), leg(2, 'OPEN'), leg(1, 'CLOSE'), leg(2, 'CLOSE'), leg(1, 'CLOSE'), leg(3, 'OPEN')];
    const counter = new ClosedTradeCounter();
    const after: number[] = [];
    for (const f of ledger) {
      counter.note(f.kind, f.tradeId);
      after.push(counter.closed);
    }
    expect(after).toEqual([0, 0, 0, 0, 1, 2, 2, 2]);
    expect(counter.closingTrades()).toEqual([2]);
    counter.note('CLOSE', 2);
    expect([counter.closed, counter.closingTrades()]).toEqual([2, []]);
    expect(counter.closed).toBe(closedInLedger([...ledger, leg(2, 'CLOSE')]));
  });

  it('forgets the oldest half-closed trades past MAX_CLOSING, so an engine writing one close leg per trade cannot grow it forever', () => {
    const counter = new ClosedTradeCounter();
    for (let id = 0; id <= MAX_CLOSING; id++) counter.note('CLOSE', id);
    expect(counter.closed).toBe(MAX_CLOSING + 1);
    expect(counter.closingTrades()).toHaveLength(MAX_CLOSING);
    expect(counter.closingTrades()[0]).toBe(1);
  });
});

describe('the closed-trade count across generations', () => {
  it('resumes from the stored checkpoint: a trade whose second close leg comes after the restart is counted once', () => {
    const before = new ClosedTradeCounter();
    for (const f of [leg(7, 'CLOSE'), leg(7, 'CLOSE'), leg(8, 'CLOSE')]) before.note(f.kind, f.tradeId);
    const stored = storedCheckpoint({ mine: 1 }, 0, 9, { fillsA: 5, fillsB: 5, tradesClosed: before.closed }, before.closingTrades(), ms(0));
    // The ledger tail after the checkpoint holds trade 8's second close leg and trade 9's first.
    const tail = [
      { ...fill(10, 0), tradeId: 8, kind: 'CLOSE' as const, venue: 'B' as const },
      { ...fill(11, 0), tradeId: 9, kind: 'CLOSE' as const, venue: 'A' as const },
    ];
    const restored = restoredCounts(stored, tail);
    expect(restored.counts).toEqual({ fillsA: 6, fillsB: 6, tradesClosed: 3 });
    restored.closed.note('CLOSE', 9);
    expect(restored.closed.closed).toBe(3);
  });

  it("takes a built-in engine's per-symbol counters when the checkpoint has no count of the agent's, and 0 on a fresh shard", () => {
    const builtin: Checkpoint = checkpoint(0, 3);
    builtin.symbols = ['BTC', 'ETH'].map((symbol, i) => ({
      symbol,
      ticks: 0,
      trades: 4,
      tradesClosed: 2 + i,
      rejectedEntries: 0,
      realizedPnlMicros: ZERO_MICROS,
    }));
    expect(restoredCounts(builtin, []).counts.tradesClosed).toBe(5);
    expect(restoredCounts(null, []).counts).toEqual({ fillsA: 0, fillsB: 0, tradesClosed: 0 });
  });
});
