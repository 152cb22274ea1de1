/**
 * The report's money is summed in integer micro-units and rendered once (`report-totals.ts`,
 * `trade-blotter.ts`): the amounts here are ones whose sum taken in units (floats) is one
 * micro-unit off, so a float creeping into a sum shows.
 */
import { describe, expect, it } from 'vitest';
import { formatMoney, micros } from '../../../core/model/units.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import type { ReportTotals } from '../../../core/report/report-schema.js';
import { campaignTotals } from '../../../core/report/report-totals.js';
import { symbolPnlOf } from '../../../core/report/trade-blotter.js';
import type { TradeRow } from '../../../core/report/trading-schema.js';
import { buildReport } from '../../../core/report/build-report.js';
import { signedPnl } from '../../../core/report/run-summary.js';
import { campaignRun } from './report-fixtures.js';

// Near 7 × 10⁹ units a double's step is about 1 µ: summed as floats these come to …447, not …446.
const AMOUNTS = [7_000_000_000_840_570, -1_663_415, -2_461_387, 1_016_134, -3_920_900, 4_629_444];
const EXACT = 6_999_999_998_440_446;

function shardTotalsWith(pnl: number): ReportTotals {
  return {
    ticks: 1,
    ticksPerSec: 0,
    trades: 1,
    tradesClosed: 1,
    fillsA: 2,
    fillsB: 2,
    realizedPnl: { micros: micros(pnl, 'pnl'), currency: 'USDT' },
    latencyUs: { p50: 1, p99: 2, max: 3 },
    peakRssBytes: 1,
    restarts: 0,
  };
}

describe('money in the report', () => {
  it("sums the shards' realised P&L exactly, with the reporting currency", () => {
    const totals = campaignTotals(AMOUNTS.map(shardTotalsWith), 60, 'USDT');
    expect(totals.realizedPnl).toEqual({ micros: EXACT, currency: 'USDT' });
  });

  it("sums a symbol's trades exactly, and its best and worst", () => {
    const rows = AMOUNTS.map((pnl, tradeId) => ({ symbol: 'BTC', tradeId, pnlMicros: micros(pnl, 'pnl') }) as TradeRow);
    expect(symbolPnlOf(rows)[0]).toMatchObject({ symbol: 'BTC', trades: 6, wins: 3, pnlMicros: EXACT, worstMicros: -3_920_900 });
  });

  it('renders the total once, from the micros, to the currency decimals', () => {
    const report = buildReport(campaignRun());
    const total = report.totals.realizedPnl;
    expect(total.micros).toBe(report.shards.reduce((sum, s) => sum + s.totals.realizedPnl.micros, 0));
    expect(renderMarkdown(report)).toContain(`- Realised P&L: ${formatMoney(total.micros, total.currency)}\n`);
  });
});

describe("the headline P&L is the ledger's", () => {
  it('says what the committed fills made, not what the heartbeats claim, and the ledger row names both in the currency', () => {
    const venues = { a: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 5 }, b: { name: 'bybit', quoteCurrency: 'USDT', takerFeeBps: 4 } };
    // One shard, two closed trades (opened at 30 s and 90 s, closed 20 s later): each nets
    // −1,000 + 1,004 + 1,002 − 1,002.5 = 3.5 USDT (10 units a leg) less the taker fees, A's 5 bps
    // (0.5 + 0.501) and B's 4 bps (0.4016 + 0.401): 1.6964 USDT.
    const run = campaignRun({ shards: 1, durationSec: 120, config: { venues } });
    // An engine whose progress adds +5 USDT to realizedPnlMicros (as a command engine may).
    for (const h of run.heartbeats['shard-000']!) h.progress.realizedPnlMicros = micros(h.progress.realizedPnlMicros + 5_000_000, 'claimed');

    const report = buildReport(run);

    expect(report.totals.realizedPnl).toEqual({ micros: 3_392_800, currency: 'USDT' });
    expect(report.shards[0]!.totals.realizedPnl.micros).toBe(3_392_800);
    expect(report.trading?.stats.pnlMicros).toBe(3_392_800);
    expect(renderMarkdown(report)).toContain('- Realised P&L: 3.39 USDT\n');
    expect(signedPnl(report).text).toBe('+3.39 USDT');
    const row = report.acceptance.find((c) => c.id === 'ledger-exact')!;
    expect(row.pass).toBe(false);
    // Written to the micro-unit: 3.3928 is no whole number of cents.
    expect(row.result).toContain('; realised P&L 3.392800 USDT from the ledger vs 8.392800 USDT reported by the engines, off by 5.000000 USDT');
  });
});
