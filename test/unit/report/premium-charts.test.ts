import { describe, expect, it } from 'vitest';
import { premiumAt, premiumCharts, premiumLookup, symbolPremiumChart } from '../../../core/report/premium-charts.js';
import { tradingConfigOf } from '../../../core/report/trading.js';
import type { PremiumSeries, TradeRow } from '../../../core/report/trading-schema.js';

// Premium 10, −10, 10 bps at 0, 1 s, 2 s; baseline 0; threshold 20 → values span ±20, padded 5 % to ±22.
// y(v) = 170 − 26 − (v + 22) / 44 × 134: y(20) = 16.1, y(−20) = 137.9, y(10) = 46.5, y(−10) = 107.5.
// x(at) = 44 + at / 2000 × 308: x(1500) = 275.0; times past the series are drawn at its end, x = 352.0.
const series: PremiumSeries = {
  shardId: 'shard-000',
  symbol: 'BTC',
  points: [0, 1000, 2000].map((at, i) => ({ at, generation: 0, premiumBps: i === 1 ? -10 : 10, baselineBps: 0 })),
};
const trade = (tradeId: number, symbol: string, openedAt: number, closedAt: number | null): TradeRow => ({
  shardId: 'shard-000',
  symbol,
  tradeId,
  direction: 'buy-a-sell-b',
  openedAt,
  closedAt,
  entryA: 1,
  entryB: 1,
  exitA: null,
  exitB: null,
  qtyA: 1,
  qtyB: 1,
  orderedQtyA: null,
  orderedQtyB: null,
  unhedged: null,
  quoteAgeASec: null,
  quoteAgeBSec: null,
  exitReason: closedAt === null ? null : 'REVERSION',
  pnlMicros: null,
  returnOnNotional: null,
});

describe('the premium chart of one symbol', () => {
  it('reads the premium at the last heartbeat at or before a time (the first before the series)', () => {
    expect([premiumAt(series.points, -5), premiumAt(series.points, 999), premiumAt(series.points, 1000), premiumAt(series.points, 9e9)]).toEqual([
      10, 10, -10, 10,
    ]);
    expect(premiumAt([], 0)).toBeNull();
  });

  it('reads the same by bisection as by a scan in order, also where a restart steps back in recorded time', () => {
    // The definition: the point before the first one later than `at`, in the points' order.
    const scan = (points: PremiumSeries['points'], at: number) => {
      let found: number | null = points[0]?.premiumBps ?? null;
      for (const p of points) {
        if (p.at > at) break;
        found = p.premiumBps;
      }
      return found;
    };
    const times = [0, 1000, 2000, 1500, 1600, 3000, 3000, 2500, 4000];
    const points = times.map((at, i) => ({ at, generation: at < 2000 && i > 2 ? 1 : 0, premiumBps: i * 10, baselineBps: 0 }));
    const lookup = premiumLookup(points);
    const instants = [-1, 0, 999, 1000, 1499, 1500, 1999, 2000, 2499, 2500, 2999, 3000, 3999, 4000, 9e9];
    expect(instants.map(lookup)).toEqual(instants.map((at) => scan(points, at)));
    expect(lookup(2999)).toBe(40); // the scan stops at 3000 (index 5) and takes 1600 before it, though 2000 came earlier
    expect(premiumLookup([])(0)).toBeNull();
  });

  it("draws the thresholds at baseline ± e and marks its own trades' entries and exits at the premium", () => {
    const svg = symbolPremiumChart(series, [trade(0, 'BTC', 1500, 2500), trade(1, 'BTC', 500, null), trade(2, 'ETH', 100, 200)], 20);
    expect(svg.match(/class="threshold" d="M44\.0,([\d.]+)/g)).toEqual(['class="threshold" d="M44.0,16.1', 'class="threshold" d="M44.0,137.9']);
    expect(svg).toContain('data-entries="2" data-exits="1"');
    expect(svg).toContain('<circle class="entry" cx="275.0" cy="107.5"');
    expect(svg).toContain('<circle class="exit" cx="352.0" cy="46.5"');
    expect(svg).toContain('<circle class="entry" cx="121.0" cy="46.5"');
    expect(svg).not.toContain('#2');
  });

  it("draws no threshold without the config's figures, one chart per series, and nothing without points", () => {
    expect(symbolPremiumChart(series, [], null)).not.toContain('threshold');
    const two = premiumCharts([series, { ...series, symbol: 'ETH' }, { ...series, symbol: 'XRP', points: [] }], [], 20);
    expect(two.match(/<figure class="premium-symbol"/g)).toHaveLength(2);
    expect(two).toContain('entry thresholds baseline ± 20 bps');
    expect(premiumCharts([], [], 20)).toBe('');
  });

  it('takes e = strategy.entryBps + both taker fees from the config (entryBps 25 by default), null without the fees', () => {
    const venues = { a: { takerFeeBps: 5 }, b: { takerFeeBps: 10 } };
    expect(tradingConfigOf({ strategy: { entryBps: 30 }, venues }).entryThresholdBps).toBe(45);
    expect(tradingConfigOf({ venues }).entryThresholdBps).toBe(40);
    expect(tradingConfigOf({}).entryThresholdBps).toBeNull();
  });
});
