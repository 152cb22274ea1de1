import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import type { Checkpoint } from '../../../core/model/checkpoint.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { SyntheticFeed } from '../../../engine-task/src/feed/synthetic-feed.js';
import { testCampaign, T0 } from '../../support/campaigns.js';
import { KEY } from '../../support/run-shard.js';

const campaign = testCampaign({ risk: { maxOpenTrades: 20, maxOpenTradesPerSymbol: 4 } });
const symbols = campaign.symbols.map((s) => s.base);
const feedConfig = campaign.config.feed as Extract<typeof campaign.config.feed, { kind: 'synthetic' }>;

/** Runs an engine for `steps` × 5 simulated seconds, committing fills each step; checkpoints when `withCheckpoint(step)`. */
async function trade(ledger: MemoryShardLedger, steps: number, withCheckpoint: (step: number) => boolean) {
  const engine = new Engine({ campaign, symbols, generation: 0 });
  const feed = new SyntheticFeed(feedConfig, campaign.symbols, campaign.fxRate, T0);
  const port = ledger.forTask(KEY, 0);
  let t = T0;
  for (let step = 0; step < steps; step++) {
    t += 5_000;
    feed.emitUntil(t, Infinity, engine);
    const fills = engine.drainFills();
    await port.commit(fills, withCheckpoint(step) ? engine.checkpoint(feed.state(), ms(t)) : null);
  }
  return { engine, feed, t };
}

/**
 * The parts of a checkpoint that the ledger also carries: positions, trade and fill counters,
 * P&L. Ticks and refused entries leave no fill, so they resume from the checkpoint itself (the
 * runner writes one with every commit; a tail exists only when a commit was split or cut short).
 */
function positions(cp: Checkpoint) {
  return {
    lastFillSeq: cp.lastFillSeq,
    nextTradeId: cp.nextTradeId,
    fillsA: cp.fillsA,
    fillsB: cp.fillsB,
    openTrades: cp.openTrades,
    symbols: cp.symbols.map(({ ticks: _ticks, rejectedEntries: _rejected, ...rest }) => rest),
  };
}

describe('restore from checkpoint plus ledger tail', () => {
  it('gives back exactly the open trades, counters and P&L the engine had', async () => {
    const ledger = new MemoryShardLedger();
    // Checkpoints every 7th step only, and never in the last 6: the tail carries opens and closes.
    const { engine, feed, t } = await trade(ledger, 90, (step) => step % 7 === 0 && step < 84);
    const point = ledger.restorePoint(KEY);
    expect(point.ledgerTail.some((f) => f.kind === 'OPEN')).toBe(true);
    expect(point.ledgerTail.some((f) => f.kind === 'CLOSE')).toBe(true);

    const restored = new Engine({ campaign, symbols, generation: 1 });
    restored.restore(point);
    const before = engine.checkpoint(feed.state(), ms(t));
    const after = restored.checkpoint(feed.state(), ms(t));
    expect(positions(after)).toEqual(positions(before));
    expect(restored.portfolio.realizedTotalMicros).toBe(engine.portfolio.realizedTotalMicros);
    expect(restored.portfolio.totalOpen).toBe(engine.portfolio.totalOpen);
    expect(restored.fills.nextSeq).toBe(engine.fills.nextSeq);
  });

  it('resumes the feed where the checkpoint left it, so the run continues identically', async () => {
    const ledger = new MemoryShardLedger();
    const { engine, feed, t } = await trade(ledger, 40, () => true);
    const point = ledger.restorePoint(KEY);
    expect(point.ledgerTail).toHaveLength(0);
    const restored = new Engine({ campaign, symbols, generation: 1 });
    const resumedFeed = new SyntheticFeed(feedConfig, campaign.symbols, campaign.fxRate, T0);
    resumedFeed.restore(restored.restore(point) as Record<string, unknown>);
    expect(restored.checkpoint(resumedFeed.state(), ms(t))).toEqual({ ...engine.checkpoint(feed.state(), ms(t)), generation: 1 });
    // Both go on for another simulated minute and make the same trades.
    feed.emitUntil(t + 60_000, Infinity, engine);
    resumedFeed.emitUntil(t + 60_000, Infinity, restored);
    const strip = (fills: ReturnType<Engine['drainFills']>) => fills.map(({ generation: _g, wallTs: _wall, ...f }) => f);
    expect(strip(restored.drainFills())).toEqual(strip(engine.drainFills()));
  });

  it('refuses a tail whose trade is missing a leg rather than restoring a naked position', () => {
    const restored = new Engine({ campaign, symbols, generation: 1 });
    const leg = {
      seq: 0,
      tradeId: 0,
      symbol: 'BTC',
      venue: 'A' as const,
      side: 'BUY' as const,
      kind: 'OPEN' as const,
      reason: 'ENTRY' as const,
      qty: 0.01,
      price: 1.38e8,
      fee: 690,
      fxRate: 1380,
      ts: T0,
      generation: 0,
    };
    expect(() => restored.restore({ checkpoint: null, ledgerTail: [leg] })).toThrow(/not followed by the other leg of trade 0/);
  });
});
