/**
 * The campaign's end closes every open trade at the current book (`Engine.closeAll`), but only at
 * a price it has: a generation that restored open trades and reached the end before its first
 * quotes (launched late, or its clock ahead) leaves them open in its final checkpoint rather than
 * closing them at price 0, a fill the store refuses (found by the simulation's real-runner seeds).
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { SyntheticFeed } from '../../../engine-task/src/feed/synthetic-feed.js';
import { testCampaign, T0 } from '../../support/campaigns.js';
import { KEY } from '../../support/run-shard.js';

const campaign = testCampaign({ risk: { maxOpenTrades: 20, maxOpenTradesPerSymbol: 4 } });
const symbols = campaign.symbols.map((s) => s.base);
const feedConfig = campaign.config.feed as Extract<typeof campaign.config.feed, { kind: 'synthetic' }>;

/** A generation that traded until it held open trades, committed with a checkpoint; the restore point it leaves. */
async function tradedUntilOpen() {
  const ledger = new MemoryShardLedger();
  const engine = new Engine({ campaign, symbols, generation: 0 });
  const feed = new SyntheticFeed(feedConfig, campaign.symbols, campaign.fxRate, T0);
  const port = ledger.forTask(KEY, 0);
  let t = T0;
  while (engine.portfolio.totalOpen === 0 && t < T0 + 3_600_000) {
    t += 1_000;
    feed.emitUntil(t, Infinity, engine);
    await port.commit(engine.drainFills(), engine.checkpoint(feed.state(), ms(t)));
  }
  return { point: ledger.restorePoint(KEY), feed, t, open: engine.portfolio.totalOpen };
}

describe('closing at the campaign end', () => {
  it('leaves restored trades open when their symbol has no quote yet, and closes them once it has', async () => {
    const { point, feed, t, open } = await tradedUntilOpen();
    expect(open).toBeGreaterThan(0);

    const restored = new Engine({ campaign, symbols, generation: 1 });
    restored.restore(point);
    restored.closeAll(t + 1_000);
    const fills = restored.drainFills();
    expect(fills.filter((f) => !(f.price > 0))).toEqual([]);
    expect(fills).toEqual([]);
    expect(restored.portfolio.totalOpen).toBe(open);
    expect(restored.checkpoint(feed.state(), ms(t + 1_000)).openTrades).toHaveLength(open);

    // Once both venues have quoted, the end closes every one at a real price.
    feed.emitUntil(t + 2_000, Infinity, restored);
    restored.closeAll(t + 2_000);
    const closes = restored.drainFills().filter((f) => f.kind === 'CLOSE');
    expect(restored.portfolio.totalOpen).toBe(0);
    expect(closes.length).toBeGreaterThanOrEqual(2 * open);
    expect(closes.every((f) => f.price > 0)).toBe(true);
  });
});
