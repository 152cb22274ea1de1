import { describe, expect, it } from 'vitest';
import { fillCashMicros, type Fill } from '../../../core/model/fill.js';
import { riskFiguresOf, symbolPnlOf, tradeRowsOf } from '../../../core/report/trade-blotter.js';
import { filledText, profitFactorText, sharpeText, tradeTableOf, tradingHtml, tradingMarkdown, TRADE_TABLE_N } from '../../../core/report/render-trading.js';
import { tradingConfigOf, tradingReportOf } from '../../../core/report/trading.js';
import { TradingReportSchema, type TradeRow, type TradingReport } from '../../../core/report/trading-schema.js';
import { ZERO_MICROS } from '../../../core/model/units.js';
import { s5Ledger } from './report-fixtures.js';

interface Spec {
  symbol: string;
  tradeId: number;
  /** `sell-a`: sell A, buy B at entry; `buy-a`: the other way. */
  side?: 'sell-a' | 'buy-a';
  openedAt: number;
  closedAt?: number;
  open: [number, number];
  close?: [number, number];
  reason?: Fill['reason'];
  quoteAgesMs?: [number, number];
}

/** A trade's legs, fee-free, fxRate 1, qty 1: its P&L is ±(open A − open B) ∓ (close A − close B), entry notional = open B. */
function trade(s: Spec): Fill[] {
  const sellA = (s.side ?? 'sell-a') === 'sell-a';
  const leg = (seq: number, venue: 'A' | 'B', sell: boolean, kind: 'OPEN' | 'CLOSE', price: number, ts: number): Fill => ({
    seq,
    tradeId: s.tradeId,
    symbol: s.symbol,
    venue,
    side: sell ? 'SELL' : 'BUY',
    kind,
    reason: kind === 'OPEN' ? 'ENTRY' : (s.reason ?? 'REVERSION'),
    qty: 1,
    price,
    fee: 0,
    fxRate: 1,
    ts,
    eventTs: ts,
    ...(kind === 'OPEN' && s.quoteAgesMs ? { quoteTsA: ts - s.quoteAgesMs[0], quoteTsB: ts - s.quoteAgesMs[1] } : {}),
    generation: 0,
  });
  const legs = [leg(s.tradeId * 4, 'A', sellA, 'OPEN', s.open[0], s.openedAt), leg(s.tradeId * 4 + 1, 'B', !sellA, 'OPEN', s.open[1], s.openedAt)];
  if (s.closedAt !== undefined && s.close) {
    legs.push(leg(s.tradeId * 4 + 2, 'A', !sellA, 'CLOSE', s.close[0], s.closedAt), leg(s.tradeId * 4 + 3, 'B', sellA, 'CLOSE', s.close[1], s.closedAt));
  }
  return legs;
}

// Hand-computed: BTC #0 +2 (r 0.02), BTC #1 −1 (r −0.01), ETH #2 bought on A, +2 (r 0.02), ETH #3 open.
const ledgers = {
  'shard-000': [
    ...trade({ symbol: 'BTC', tradeId: 0, openedAt: 1_000, closedAt: 10_000, open: [100, 100], close: [98, 100], quoteAgesMs: [1_500, 250] }),
    ...trade({ symbol: 'BTC', tradeId: 1, openedAt: 2_000, closedAt: 20_000, open: [100, 100], close: [101, 100], reason: 'STOP_LOSS' }),
  ],
  'shard-001': [
    ...trade({ symbol: 'ETH', tradeId: 2, side: 'buy-a', openedAt: 3_000, closedAt: 30_000, open: [98, 100], close: [100, 100], reason: 'TAKE_PROFIT' }),
    ...trade({ symbol: 'ETH', tradeId: 3, openedAt: 40_000, open: [100, 100] }),
  ],
};

describe('the trade blotter', () => {
  const rows = tradeRowsOf(ledgers);

  it('lists closed trades in close order, then open ones, with direction, prices, quote ages, exit reason and exact P&L', () => {
    expect(rows.map((r) => [r.symbol, r.tradeId, r.pnlMicros])).toEqual([
      ['BTC', 0, 2_000_000],
      ['BTC', 1, -1_000_000],
      ['ETH', 2, 2_000_000],
      ['ETH', 3, null],
    ]);
    expect(rows[0]).toMatchObject({
      direction: 'sell-a-buy-b',
      openedAt: 1_000,
      closedAt: 10_000,
      entryA: 100,
      entryB: 100,
      exitA: 98,
      exitB: 100,
      quoteAgeASec: 1.5,
      quoteAgeBSec: 0.25,
      exitReason: 'REVERSION',
      pnlMicros: 2_000_000,
      returnOnNotional: 0.02,
    });
    expect(rows[1]).toMatchObject({ quoteAgeASec: null, quoteAgeBSec: null, exitReason: 'STOP_LOSS' });
    expect(rows[2]).toMatchObject({ direction: 'buy-a-sell-b', entryA: 98, exitReason: 'TAKE_PROFIT' });
    expect(rows[3]).toMatchObject({ closedAt: null, exitA: null, exitB: null, exitReason: null, pnlMicros: null, returnOnNotional: null });
  });

  it('sums P&L per symbol in integer micros, best symbol first, with wins, win rate, best and worst trade', () => {
    expect(symbolPnlOf(rows)).toEqual([
      { symbol: 'ETH', trades: 1, wins: 1, winRate: 1, pnlMicros: 2_000_000, bestMicros: 2_000_000, worstMicros: 2_000_000 },
      { symbol: 'BTC', trades: 2, wins: 1, winRate: 0.5, pnlMicros: 1_000_000, bestMicros: 2_000_000, worstMicros: -1_000_000 },
    ]);
  });

  it("takes a symbol's P&L from each fill's rounded micros, not from float prices: sub-micro gains that round away stay 0", () => {
    // Each leg's cash is ±100.0000004 or ±100 → rounded per fill to ±100,000,000 micros: the trade is exactly 0.
    // Summing the prices in floats gives 0.0000008 = 0.8 micros, which rounds to 1.
    const fine = { s: trade({ symbol: 'SOL', tradeId: 0, openedAt: 0, closedAt: 1, open: [100.0000004, 100], close: [100, 100.0000004] }) };
    const [row] = symbolPnlOf(tradeRowsOf(fine));
    expect(row?.pnlMicros).toBe(fine.s.reduce((sum, f) => sum + fillCashMicros(f), 0));
    expect(row?.pnlMicros).toBe(0);
  });

  it('profit factor = gross profit / gross loss: 4 / 1 = 4; ∞ with no loss, n/a with no trade or neither', () => {
    expect(riskFiguresOf(rows)).toMatchObject({ grossProfitMicros: 4_000_000, grossLossMicros: 1_000_000, profitFactor: 4, profitFactorNote: null });
    const winsOnly = riskFiguresOf(rows.filter((r) => (r.pnlMicros ?? 0) > 0));
    expect(winsOnly).toMatchObject({ profitFactor: null, profitFactorNote: 'no-loss' });
    expect(profitFactorText(winsOnly)).toBe('∞ (no losing trade)');
    expect(profitFactorText(riskFiguresOf([]))).toBe('n/a (no closed trade)');
    const flat = tradeRowsOf({ s: trade({ symbol: 'X', tradeId: 0, openedAt: 0, closedAt: 1, open: [100, 100], close: [100, 100] }) });
    expect(profitFactorText(riskFiguresOf(flat))).toBe('n/a (no profit, no loss)');
    expect(profitFactorText(riskFiguresOf(rows))).toBe('4');
  });

  it('Sharpe per trade (not annualised) = mean / sample sd of returns on entry notional: (0.02, −0.01, 0.02) → 1/√3', () => {
    // mean 0.01; deviations 0.01, −0.02, 0.01; Σ² = 6e−4; / (3 − 1) = 3e−4; sd = 0.017320508; 0.01 / sd = 1/√3.
    const risk = riskFiguresOf(rows);
    expect(risk.sharpeSamples).toBe(3);
    expect(risk.sharpePerTrade).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(sharpeText(risk)).toBe('0.577 over 3 trades');
    expect(riskFiguresOf(rows.slice(0, 1))).toMatchObject({ sharpePerTrade: null, sharpeSamples: 1 });
    const same = [rows[0], rows[2]].filter((r) => r !== undefined);
    expect(riskFiguresOf(same)).toMatchObject({ sharpePerTrade: null, sharpeSamples: 2 });
    expect(sharpeText(riskFiguresOf(same))).toBe('n/a (every trade returned the same)');
  });
});

describe('the trading section of report.json', () => {
  it('carries every trade (the open one too), P&L per symbol and the risk figures, and conforms to its schema', () => {
    const t = tradingReportOf(ledgers, new Map(), tradingConfigOf({}));
    expect(t.trades?.map((r) => r.tradeId)).toEqual([0, 1, 2, 3]);
    expect(t.bySymbol?.map((r) => [r.symbol, r.pnlMicros])).toEqual([
      ['ETH', 2_000_000],
      ['BTC', 1_000_000],
    ]);
    expect(t.risk).toMatchObject({ profitFactor: 4, sharpeSamples: 3 });
    // The per-symbol sums add up to the run's exact P&L.
    expect(t.bySymbol?.reduce((sum, r) => sum + r.pnlMicros, 0)).toBe(t.stats.pnlMicros);
    expect(TradingReportSchema.parse(JSON.parse(JSON.stringify(t)))).toEqual(t);
  });
});

describe('the trade tables of the report', () => {
  const report = (trades = tradeRowsOf(ledgers)): TradingReport => ({
    stats: {
      trades: 0,
      wins: 0,
      winRate: null,
      pnlMicros: ZERO_MICROS,
      pnlPerTradeMicros: null,
      maxDrawdownMicros: ZERO_MICROS,
      byExitReason: [],
      campaignEndCloses: 0,
    },
    bySymbol: symbolPnlOf(trades),
    risk: riskFiguresOf(trades),
    trades,
    openAtEnd: [],
    venues: [],
    refusals: { 'symbol-open-trades': 1092, 'stale-quote-a': 0 },
    premium: [],
    acceptance: [],
  });

  it('shows every closed trade when there are at most 2 × N, and says the open one is in report.json', () => {
    const md = tradingMarkdown(report(), 'USDT', (s) => s);
    expect(md).toContain('### Trades: All 3 closed trades, in close order; 1 open trade(s) are in report.json');
    expect(md).toContain(
      '| shard-000 | BTC | 0 | sell A / buy B | 1970-01-01T00:00:01Z | 1970-01-01T00:00:10Z | 100 / 100 | 98 / 100 | 1 / 1 | 1.5 s / 0.25 s | REVERSION | 2.00 USDT |',
    );
    expect(md).toContain('### P&L per symbol');
    expect(md).toContain('| ETH | 1 | 1 | 100 % | 2.00 USDT | 2.00 USDT | 2.00 USDT |');
    expect(md).toContain('| Profit factor | 4 |');
    expect(md).toContain('| Sharpe (per trade, not annualised) | 0.577 over 3 trades |');
  });

  it(`shows the best ${TRADE_TABLE_N} and the worst ${TRADE_TABLE_N} by P&L past 2 × N trades`, () => {
    // 25 trades with P&L 1 − i (i = 0…24): best +1 … −8, worst −23 … −14.
    const many = tradeRowsOf({
      s: Array.from({ length: 25 }, (_, i) =>
        trade({ symbol: 'BTC', tradeId: i, openedAt: i, closedAt: 100 + i, open: [100, 100], close: [99 + i, 100] }),
      ).flat(),
    });
    const table = tradeTableOf(report(many));
    expect(table.heading).toBe('Best 10 and worst 10 of 25 closed trades by P&L (every trade is in report.json)');
    const units = (rows: readonly TradeRow[]) => rows.map((r) => (r.pnlMicros ?? Number.NaN) / 1_000_000);
    expect(units(table.best)).toEqual([1, 0, -1, -2, -3, -4, -5, -6, -7, -8]);
    expect(units(table.worst)).toEqual([-23, -22, -21, -20, -19, -18, -17, -16, -15, -14]);
    const html = tradingHtml(report(many), 'USDT');
    expect(html.match(/<div id="trades-best">.*?<\/div>/)?.[0].match(/<tr>/g)).toHaveLength(TRADE_TABLE_N + 1);
    expect(html.match(/<div id="trades-worst">.*?<\/div>/)?.[0].match(/<tr>/g)).toHaveLength(TRADE_TABLE_N + 1);
    expect(html).toContain('<h3>P&amp;L per symbol</h3>');
  });

  it('explains each refusal that happened in words, in Markdown and HTML', () => {
    const words = 'an entry signal came while the symbol already had its maximum of open trades (risk.maxOpenTradesPerSymbol)';
    expect(tradingMarkdown(report(), 'USDT', (s) => s)).toContain(`| symbol-open-trades | 1,092 | ${words} |`);
    expect(tradingHtml(report(), 'USDT')).toContain(`<td>symbol-open-trades</td><td class="num">1092</td><td>${words}</td>`);
  });
});

describe('a trade whose legs filled different quantities (leg risk)', () => {
  /** /tmp/v7c/s5's ledger (`s5Ledger`): A sold 0.01; B's buy found no size, 0 of 0.01; closed 0.01 on A, nothing on B. */
  const s5 = { 'shard-000': s5Ledger() };

  it('shows each leg filled, B missed with no price, and marks the bare short on A as unhedged (it read as a hedged +9.90 before)', () => {
    const [row] = tradeRowsOf(s5);
    expect(row).toMatchObject({ entryA: 101_000_000, entryB: null, exitB: null, qtyA: 0.01, qtyB: 0, orderedQtyB: 0.01, unhedged: { venue: 'A', qty: 0.01 } });
    expect(row?.pnlMicros).toBe(9_900_000);
    expect(filledText(row as TradeRow)).toBe('0.01 / 0 of 0.01 ⚠ unhedged A 0.01');
    const t = tradingReportOf(s5, new Map(), tradingConfigOf({}));
    expect(tradingMarkdown(t, 'USDT', (s) => s)).toContain('| 101,000,000 / – | 100,010,000 / – | 0.01 / 0 of 0.01 ⚠ unhedged A 0.01 |');
  });

  it('marks a partial leg, and calls legs a unit in the last place apart hedged', () => {
    const partial = structuredClone(s5);
    Object.assign(partial['shard-000'][1] as Fill, { qty: 0.004 });
    Object.assign(partial['shard-000'][3] as Fill, { qty: 0.004, orderedQty: 0.004 });
    expect(filledText(tradeRowsOf(partial)[0] as TradeRow)).toBe('0.01 / 0.004 of 0.01 ⚠ unhedged A 0.006');
    const rounded = structuredClone(s5);
    Object.assign(rounded['shard-000'][1] as Fill, { qty: 0.010000000000000002 });
    Object.assign(rounded['shard-000'][3] as Fill, { qty: 0.010000000000000002, orderedQty: 0.010000000000000002 });
    const row = tradeRowsOf(rounded)[0] as TradeRow;
    expect(row.unhedged).toBeNull();
    expect(filledText(row)).toBe('0.01 / 0.01');
  });
});
