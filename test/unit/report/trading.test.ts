import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../core/model/fill.js';
import { openPositionsOf, tradeStatsOf, tradingAcceptanceOf, tradingConfigOf } from '../../../core/report/trading.js';

/**
 * One trade's four legs, fee-free, both venues in the reporting currency (fxRate 1): sell A at
 * `open[0]`, buy B at `open[1]`, then buy A back at `close[0]`, sell B at `close[1]`, 1 unit each.
 * Its P&L is open[0] − open[1] − close[0] + close[1].
 */
function trade(tradeId: number, openedAt: number, closedAt: number | undefined, open: [number, number], close: [number, number], reason: Fill['reason'] = 'REVERSION', staleQuote = false): Fill[] {
  const leg = (seq: number, venue: 'A' | 'B', side: 'BUY' | 'SELL', kind: 'OPEN' | 'CLOSE', price: number, ts: number): Fill => ({
    seq,
    tradeId,
    symbol: 'BTC',
    venue,
    side,
    kind,
    reason: kind === 'OPEN' ? 'ENTRY' : reason,
    qty: 1,
    price,
    fee: 0,
    fxRate: 1,
    ts,
    eventTs: ts,
    ...(kind === 'CLOSE' && staleQuote ? { staleQuote: true } : {}),
    generation: 0,
  });
  const legs = [leg(tradeId * 4, 'A', 'SELL', 'OPEN', open[0], openedAt), leg(tradeId * 4 + 1, 'B', 'BUY', 'OPEN', open[1], openedAt)];
  if (closedAt !== undefined) legs.push(leg(tradeId * 4 + 2, 'A', 'BUY', 'CLOSE', close[0], closedAt), leg(tradeId * 4 + 3, 'B', 'SELL', 'CLOSE', close[1], closedAt));
  return legs;
}

describe('the trading numbers of a report', () => {
  // In close order: +2, −5, +1 (trade 2 closes last but one, though opened first), then one open.
  const ledgers = {
    'shard-000': [...trade(0, 1_000, 10_000, [100, 99], [100, 101]), ...trade(1, 2_000, 30_000, [100, 100], [100, 101], 'MAX_HOLDING')],
    'shard-001': [...trade(2, 500, 20_000, [100, 100], [105, 100], 'STOP_LOSS'), ...trade(3, 40_000, undefined, [100, 100], [0, 0])],
  };

  it('counts closed trades, wins, win rate, P&L and P&L per trade from the ledger, exactly', () => {
    const s = tradeStatsOf(ledgers);
    expect(s).toMatchObject({ trades: 3, wins: 2, pnlMicros: -2_000_000, pnl: -2, campaignEndCloses: 0 });
    expect(s.winRate).toBe(2 / 3);
    expect(s.pnlPerTrade).toBe(-2 / 3);
  });

  it('takes max drawdown in close order from a running peak that starts at 0: +2, −5 → 5', () => {
    expect(tradeStatsOf(ledgers)).toMatchObject({ maxDrawdown: 5, maxDrawdownMicros: 5_000_000 });
    // All losses: the peak is 0, so the drawdown is the whole loss.
    expect(tradeStatsOf({ s: [...trade(0, 0, 1, [100, 100], [103, 100]), ...trade(1, 0, 2, [100, 100], [101, 100])] }).maxDrawdownMicros).toBe(4_000_000);
    expect(tradeStatsOf({}).winRate).toBeNull();
  });

  it('splits P&L by exit reason, most trades first', () => {
    expect(tradeStatsOf(ledgers).byExitReason).toEqual([
      { reason: 'MAX_HOLDING', trades: 1, wins: 1, pnl: 1, pnlMicros: 1_000_000 },
      { reason: 'REVERSION', trades: 1, wins: 1, pnl: 2, pnlMicros: 2_000_000 },
      { reason: 'STOP_LOSS', trades: 1, wins: 0, pnl: -5, pnlMicros: -5_000_000 },
    ]);
  });

  it('lists the trades left open and those closed at a stale price, and fails the positions row for them', () => {
    const withStale = { ...ledgers, 'shard-002': trade(4, 1_000, 50_000, [100, 100], [100, 100], 'CAMPAIGN_END', true) };
    const open = openPositionsOf(withStale);
    expect(open).toEqual([
      { shardId: 'shard-001', symbol: 'BTC', tradeId: 3, openedAt: 40_000, state: 'open' },
      { shardId: 'shard-002', symbol: 'BTC', tradeId: 4, openedAt: 1_000, state: 'stale-close' },
    ]);
    expect(tradeStatsOf(withStale).campaignEndCloses).toBe(1);
    const rows = tradingAcceptanceOf(withStale, [], open, {}, tradingConfigOf({}));
    const positions = rows.find((r) => r.id === 'no-open-positions');
    expect(positions).toMatchObject({ pass: false, result: '1 open: shard-001 BTC #3; 1 closed at a stale price: shard-002 BTC #4' });
  });

  it('fails the stale-entry row for an OPEN fill whose decision update is older than maxQuoteAge', () => {
    const config = tradingConfigOf({ strategy: { maxQuoteAge: 10 } });
    const stale = trade(0, 20_001, 30_000, [100, 100], [100, 100]).map((f) => (f.kind === 'OPEN' ? { ...f, eventTs: 10_000 } : f));
    expect(tradingAcceptanceOf({ s: stale }, [], [], { 'stale-quote-b': 3 }, config)[0]).toMatchObject({ pass: false, result: '2 of 2 on a stale quote; 3 stale entries refused' });
    const fresh = stale.map((f) => ({ ...f, eventTs: f.ts - 10_000 }));
    expect(tradingAcceptanceOf({ s: fresh }, [], [], {}, config)[0]).toMatchObject({ pass: true });
  });
});
