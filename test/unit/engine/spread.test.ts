import { describe, expect, it } from 'vitest';
import { Engine } from '../../../engine-task/src/engine.js';
import { REASON_MAX_HOLDING, REASON_REVERSION, REASON_STOP_LOSS, REASON_TAKE_PROFIT } from '../../../engine-task/src/ledger/fill-buffer.js';
import { clearsEntry, entryFactor, exitReason, midSpreadBps, NO_EXIT } from '../../../engine-task/src/strategy/spread.js';
import { fillCashMicros } from '../../../core/model/fill.js';
import { testCampaign, T0 } from '../../support/campaigns.js';

describe('FX-converted spread', () => {
  it('clears the entry exactly when the edge net of both fees reaches the threshold (hand-worked)', () => {
    // entryBps 25 + fees 5 + 10 bps: a 40 bps gross edge is needed.
    const factor = entryFactor(25, 15);
    expect(factor).toBeCloseTo(0.004, 12);
    // Buy at 138,000,000 KRW (100,000 USDT at 1,380), sell at 100,450 USDT = 138,621,000 KRW: 45 bps gross, 30 net.
    expect(clearsEntry(100_450 * 1380, 138_000_000, factor)).toBe(true);
    // 100,390 USDT: 39 bps gross, 24 net: below 25.
    expect(clearsEntry(100_390 * 1380, 138_000_000, factor)).toBe(false);
    // The boundary itself clears: exactly 40 bps gross.
    expect(clearsEntry(1004, 1000, 0.004)).toBe(true);
    expect(midSpreadBps(100_460, 100_440, 99_990, 100_010)).toBeCloseTo(45, 10);
  });

  it('enters on the hand-worked case: buys BTC on the KRW venue, sells it on the USDT venue', () => {
    const engine = new Engine({ campaign: testCampaign({ symbols: ['BTC'] }), symbols: ['BTC'], generation: 0 });
    engine.onFx(1380);
    engine.onQuote(0, 137_990_000, 138_000_000, T0); // venue A, KRW: ask = 100,000 USDT
    engine.onQuote(1, 100_450, 100_460, T0); // venue B, USDT: bid 45 bps above A's ask
    const fills = engine.drainFills();
    expect(fills).toHaveLength(2);
    const [a, b] = fills as [(typeof fills)[0], (typeof fills)[0]];
    expect(a).toMatchObject({ venue: 'A', side: 'BUY', kind: 'OPEN', price: 138_000_000, fxRate: 1380 });
    expect(b).toMatchObject({ venue: 'B', side: 'SELL', kind: 'OPEN', price: 100_450 });
    // 1,000 USDT of notional buys 0.01 BTC; fees are 5 bps of 1,380,000 KRW and 10 bps of 1,004.5 USDT.
    expect(a.qty).toBeCloseTo(0.01, 12);
    expect(b.qty).toBe(a.qty);
    expect(a.fee).toBeCloseTo(690, 6);
    expect(b.fee).toBeCloseTo(1.0045, 9);
    // Cash: -1,000 - 0.5 USDT on A, +1,004.5 - 1.0045 on B.
    expect(fillCashMicros(a)).toBe(-1_000_500_000);
    expect(fillCashMicros(b)).toBe(1_003_495_500);
  });

  it('does not enter when the edge net of fees is below the threshold', () => {
    const engine = new Engine({ campaign: testCampaign({ symbols: ['BTC'] }), symbols: ['BTC'], generation: 0 });
    engine.onFx(1380);
    engine.onQuote(0, 137_990_000, 138_000_000, T0);
    engine.onQuote(1, 100_390, 100_400, T0); // 39 bps gross, 24 net < 25
    expect(engine.drainFills()).toHaveLength(0);
    expect(engine.portfolio.totalOpen).toBe(0);
  });

  it('judges the quote currencies through the FX rate, not face value', () => {
    const engine = new Engine({ campaign: testCampaign({ symbols: ['BTC'] }), symbols: ['BTC'], generation: 0 });
    // At 1,400 KRW per USDT the same KRW ask is only 98,571 USDT: B's bid is 190 bps rich; buy A.
    engine.onFx(1400);
    engine.onQuote(0, 137_990_000, 138_000_000, T0);
    engine.onQuote(1, 100_450, 100_460, T0);
    expect(engine.drainFills()[0]).toMatchObject({ venue: 'A', side: 'BUY', fxRate: 1400 });
    // At 1,300 the KRW venue is the rich one: buy B, sell A.
    const reverse = new Engine({ campaign: testCampaign({ symbols: ['BTC'] }), symbols: ['BTC'], generation: 0 });
    reverse.onFx(1300);
    reverse.onQuote(0, 137_990_000, 138_000_000, T0);
    reverse.onQuote(1, 100_450, 100_460, T0);
    expect(reverse.drainFills().map((f) => `${f.venue}:${f.side}`)).toEqual(['A:SELL', 'B:BUY']);
  });
});

describe('exit rule', () => {
  const t = { exitBps: 5, takeProfitBps: 30, stopLossBps: 60, maxHoldingMs: 120_000 };
  it('checks stop-loss, then take-profit, then reversion, then holding time', () => {
    expect(exitReason(-60, 50, 0, t)).toBe(REASON_STOP_LOSS);
    expect(exitReason(30, 50, 0, t)).toBe(REASON_TAKE_PROFIT);
    expect(exitReason(0, 5, 0, t)).toBe(REASON_REVERSION);
    expect(exitReason(0, 6, 120_000, t)).toBe(REASON_MAX_HOLDING);
    expect(exitReason(-59.9, 5.1, 119_999, t)).toBe(NO_EXIT);
  });
});
