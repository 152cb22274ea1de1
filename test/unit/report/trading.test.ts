import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../../core/model/records.js';
import type { Fill } from '../../../core/model/fill.js';
import type { Progress } from '../../../core/model/progress.js';
import { openPositionsOf, tradeStatsOf, tradingAcceptanceOf, tradingConfigOf, venueQualityOf } from '../../../core/report/trading.js';
import { ms, ZERO_MICROS } from '../../../core/model/units.js';

/**
 * One trade's four legs, fee-free, both venues in the reporting currency (fxRate 1): sell A at
 * `open[0]`, buy B at `open[1]`, then buy A back at `close[0]`, sell B at `close[1]`, 1 unit each.
 * Its P&L is open[0] − open[1] − close[0] + close[1].
 */
function trade(
  tradeId: number,
  openedAt: number,
  closedAt: number | undefined,
  open: [number, number],
  close: [number, number],
  reason: Fill['reason'] = 'REVERSION',
  staleQuote = false,
): Fill[] {
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
  if (closedAt !== undefined)
    legs.push(leg(tradeId * 4 + 2, 'A', 'BUY', 'CLOSE', close[0], closedAt), leg(tradeId * 4 + 3, 'B', 'SELL', 'CLOSE', close[1], closedAt));
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
    expect(s).toMatchObject({ trades: 3, wins: 2, pnlMicros: -2_000_000, campaignEndCloses: 0 });
    expect(s.winRate).toBe(2 / 3);
    // −2,000,000 / 3 = −666,666.67 µ, rounded half away from zero to the micro-unit.
    expect(s.pnlPerTradeMicros).toBe(-666_667);
  });

  it('takes max drawdown in close order from a running peak that starts at 0: +2, −5 → 5', () => {
    expect(tradeStatsOf(ledgers)).toMatchObject({ maxDrawdownMicros: 5_000_000 });
    // All losses: the peak is 0, so the drawdown is the whole loss.
    expect(tradeStatsOf({ s: [...trade(0, 0, 1, [100, 100], [103, 100]), ...trade(1, 0, 2, [100, 100], [101, 100])] }).maxDrawdownMicros).toBe(4_000_000);
    expect(tradeStatsOf({}).winRate).toBeNull();
  });

  it('splits P&L by exit reason, most trades first', () => {
    expect(tradeStatsOf(ledgers).byExitReason).toEqual([
      { reason: 'MAX_HOLDING', trades: 1, wins: 1, pnlMicros: 1_000_000 },
      { reason: 'REVERSION', trades: 1, wins: 1, pnlMicros: 2_000_000 },
      { reason: 'STOP_LOSS', trades: 1, wins: 0, pnlMicros: -5_000_000 },
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

  describe("no entry on a stale quote: judged on both venues' quote ages at the decision", () => {
    const config = tradingConfigOf({ strategy: { maxQuoteAge: 10 }, venues: { a: { name: 'upbit' }, b: { name: 'binance' } } });
    /** Trade 0 decided at 20 s, priced on A's quote `ageA` ms old and B's `ageB` ms old. */
    const entry = (ageA: number, ageB: number) =>
      trade(0, 20_000, 30_000, [100, 100], [100, 100]).map((f) => ({ ...f, quoteTsA: f.eventTs! - ageA, quoteTsB: f.eventTs! - ageB }));
    const row = (fills: Fill[], refusals: Record<string, number> = {}) => tradingAcceptanceOf({ 'shard-000': fills }, [], [], refusals, config)[0];

    it("FAILS an entry priced on venue B's quote 1 ms older than maxQuoteAge, though its own update is fresh", () => {
      expect(row(entry(0, 10_001), { 'stale-quote-b': 3 })).toMatchObject({
        pass: false,
        result: '1 of 1 entries on a stale quote: shard-000 BTC #0 (binance 10.001 s old); 3 stale entries refused',
      });
    });

    it("FAILS one priced on venue A's stale quote, and one flagged staleQuote", () => {
      expect(row(entry(10_001, 0))).toMatchObject({
        pass: false,
        result: '1 of 1 entries on a stale quote: shard-000 BTC #0 (upbit 10.001 s old); 0 stale entries refused',
      });
      const flagged = entry(0, 0).map((f) => (f.kind === 'OPEN' ? { ...f, staleQuote: true } : f));
      expect(row(flagged)).toMatchObject({ pass: false });
    });

    it("FAILS an entry priced on a quote from after its decision (look-ahead: a tester's edit of a real run, 11/11 before); passes one of the decision's own instant", () => {
      expect(row(entry(-5_000, 0))).toMatchObject({
        pass: false,
        result: "1 of 1 entries on a stale quote: shard-000 BTC #0 (upbit's quote 5 s after the decision: look-ahead); 0 stale entries refused",
      });
      expect(row(entry(0, -1))).toMatchObject({ pass: false, result: expect.stringContaining("(binance's quote 0.001 s after the decision: look-ahead)") });
      expect(row(entry(0, 0))).toMatchObject({ pass: true });
    });

    it('passes both quotes at exactly maxQuoteAge', () => {
      expect(row(entry(10_000, 10_000))).toMatchObject({ pass: true, result: '1 of 1 entries fresh; 0 stale entries refused' });
    });

    it('FAILS, "not judged", on entries whose fills carry no quote times, rather than passing on the flag alone', () => {
      const older = trade(0, 20_000, 30_000, [100, 100], [100, 100]);
      expect(row(older)).toMatchObject({
        pass: false,
        result: '0 of 1 entries fresh; not judged: 1 of 1 entries carried no quote times (quoteTsA/quoteTsB on their fills); 0 stale entries refused',
      });
      // One venue's quote time missing is as unjudgeable as both: venue B's age at the decision is unknown.
      const halfTimed = entry(5_000, 5_000).map((f) => {
        const { quoteTsB: _dropped, ...rest } = f;
        return rest;
      });
      expect(row([...halfTimed, ...entry(5_000, 5_000).map((f) => ({ ...f, tradeId: 9, seq: f.seq + 10 }))])).toMatchObject({
        pass: false,
        result: expect.stringContaining('1 of 2 entries fresh; not judged: 1 of 2 entries carried no quote times'),
      });
    });
  });

  describe('quote coverage', () => {
    const heartbeats = (ages: { a: number; b: number; fx?: number }[]): Heartbeat[] =>
      ages.map((age, i) => {
        const at = 1_000_000 + i * 10_000;
        const venue = (ageMs: number | undefined) =>
          ageMs === undefined ? { updates: 0, skipped: {} } : { updates: 1, lastUpdateAt: at - ageMs, skipped: {} };
        return {
          generation: 0,
          receivedAt: ms(at),
          progress: { ...baseProgress, at: ms(at), eventTime: at, venues: { a: venue(age.a), b: venue(age.b), fx: venue(age.fx) } },
        };
      });
    const judge = (config: Record<string, unknown>, ages: { a: number; b: number; fx?: number }[]) => {
      const c = tradingConfigOf(config);
      const venues = venueQualityOf([heartbeats(ages)], c);
      return { venues, row: tradingAcceptanceOf({}, venues, [], {}, c)[1] };
    };

    it("FAILS when a venue's last update is older than maxQuoteAge at more than 10 % of heartbeats, passes at 90 %", () => {
      const tenth = (stale: number) => Array.from({ length: 10 }, (_, i) => ({ a: 1_000, b: i < stale ? 10_001 : 1_000 }));
      expect(judge({ strategy: { maxQuoteAge: 10 } }, tenth(2)).row).toMatchObject({
        pass: false,
        result: 'A 100 %, B 80 %; FX not judged (no maxFxAge, or a fixed rate: it never ages)',
      });
      expect(judge({ strategy: { maxQuoteAge: 10 } }, tenth(1)).row).toMatchObject({ pass: true });
    });

    it('judges a daily FX rate against maxFxAge, not maxQuoteAge: 100 % at 20 h old with maxFxAge 2d; FAILS past maxFxAge', () => {
      const daily = Array.from({ length: 10 }, () => ({ a: 1_000, b: 1_000, fx: 20 * 3_600_000 }));
      const withBound = judge({ strategy: { maxQuoteAge: 10, maxFxAge: 2 * 86_400 } }, daily);
      expect(withBound.venues.find((v) => v.venue === 'fx')).toMatchObject({ coverage: 1, maxAgeSec: 2 * 86_400 });
      expect(withBound.row).toMatchObject({ pass: true, result: 'A 100 %, B 100 %, FX 100 %' });
      const tooOld = judge({ strategy: { maxQuoteAge: 10, maxFxAge: 3_600 } }, daily);
      expect(tooOld.row).toMatchObject({ pass: false, result: 'A 100 %, B 100 %, FX 0 %' });
      // No maxFxAge: the engines put no bound on the rate, and neither does the report.
      expect(judge({ strategy: { maxQuoteAge: 10 } }, daily).venues.find((v) => v.venue === 'fx')).toMatchObject({ coverage: 1, maxAgeSec: null });
    });

    it('never ages a fixed configured rate (live fx.source: fixed), whatever maxFxAge says', () => {
      const fixed = { kind: 'live', fx: { source: 'fixed' } };
      const old = Array.from({ length: 3 }, () => ({ a: 0, b: 0, fx: 86_400_000 }));
      expect(judge({ feed: fixed, strategy: { maxFxAge: 60 } }, old).venues.find((v) => v.venue === 'fx')).toMatchObject({ coverage: 1, maxAgeSec: null });
    });

    it('FAILS when nothing was measured: no heartbeat carried per-venue update times', () => {
      expect(tradingAcceptanceOf({}, [], [], {}, tradingConfigOf({}))[1]).toMatchObject({
        pass: false,
        result: 'not measured: no heartbeat carried per-venue update times',
      });
    });
  });

  describe('exchange time and arrival lag', () => {
    /** A shard's last heartbeat with venue A's lag (Upbit: exchange-timed) and venue B without (bookTicker: by arrival). */
    const shard = (lag: { p50Ms: number; p99Ms: number; clockOffsetMs: number; lateFrames: number; lateBursts: number }): Heartbeat[] => [
      {
        generation: 0,
        receivedAt: ms(1_000_000),
        progress: {
          ...baseProgress,
          at: ms(1_000_000),
          eventTime: 1_000_000,
          venues: {
            a: { updates: 100, lastUpdateAt: 999_000, skipped: {}, lag: { samples: 100, maxMs: lag.p99Ms, ...lag } },
            b: { updates: 100, lastUpdateAt: 999_500, skipped: {} },
            fx: { updates: 1, skipped: {} },
          },
        },
      },
    ];

    it("shows what each venue was aged by, the worst shard's lag p50/p99, the smallest offset and the late frames summed, and counts them in the stale-entry row", () => {
      const config = tradingConfigOf({ feed: { kind: 'live' }, venues: { a: { name: 'upbit' }, b: { name: 'binance' } }, strategy: { maxQuoteAge: 2 } });
      const venues = venueQualityOf(
        [
          shard({ p50Ms: 45, p99Ms: 6_500, clockOffsetMs: 9, lateFrames: 140, lateBursts: 4 }),
          shard({ p50Ms: 30, p99Ms: 90, clockOffsetMs: 12, lateFrames: 0, lateBursts: 0 }),
        ],
        config,
      );
      expect(venues.find((v) => v.venue === 'a')).toMatchObject({
        agedBy: 'exchange',
        lagP50Ms: 45,
        lagP99Ms: 6_500,
        clockOffsetMs: 9,
        lateFrames: 140,
        lateBursts: 4,
      });
      expect(venues.find((v) => v.venue === 'b')).toMatchObject({ agedBy: 'arrival', lagP50Ms: null, lateFrames: 0 });
      expect(
        venueQualityOf([shard({ p50Ms: 1, p99Ms: 1, clockOffsetMs: 1, lateFrames: 0, lateBursts: 0 })], tradingConfigOf({})).find((v) => v.venue === 'b'),
      ).toMatchObject({
        agedBy: 'recorded',
      });
      expect(tradingAcceptanceOf({}, venues, [], { 'stale-quote-a': 7 }, config)[0]).toMatchObject({
        pass: true,
        result: '0 of 0 entries fresh; 7 stale entries refused; late frames (older than the age bound by exchange time on arrival): upbit 140 in 4 burst(s)',
      });
    });
  });

  it('names a venue whose clock offset is past half maxQuoteAge in the stale-entry row, and none at half exactly', () => {
    const config = tradingConfigOf({ feed: { kind: 'live' }, venues: { a: { name: 'upbit' }, b: { name: 'binance' } }, strategy: { maxQuoteAge: 2 } });
    const rowWith = (clockOffsetMs: number) => {
      const venues = venueQualityOf(
        [
          [
            {
              generation: 0,
              receivedAt: ms(1_000_000),
              progress: {
                ...baseProgress,
                at: ms(1_000_000),
                eventTime: 1_000_000,
                venues: {
                  a: {
                    updates: 1,
                    lastUpdateAt: 999_000,
                    skipped: {},
                    lag: { samples: 1, p50Ms: 5, p99Ms: 5, maxMs: 5, clockOffsetMs, lateFrames: 0, lateBursts: 0 },
                  },
                  b: { updates: 1, lastUpdateAt: 999_000, skipped: {} },
                  fx: { updates: 1, skipped: {} },
                },
              },
            },
          ],
        ],
        config,
      );
      return tradingAcceptanceOf({}, venues, [], {}, config)[0]?.result;
    };
    expect(rowWith(-1_001)).toBe(
      "0 of 0 entries fresh; 0 stale entries refused; clock offset upbit -1,001 ms: quote ages by exchange time are off by as much (sync this machine's clock)",
    );
    expect(rowWith(1_000)).toBe('0 of 0 entries fresh; 0 stale entries refused');
  });

  it('passes the positions row when every trade closed on a fresh quote', () => {
    const closed = { s: trade(0, 1_000, 2_000, [100, 100], [100, 100]) };
    expect(tradingAcceptanceOf(closed, [], openPositionsOf(closed), {}, tradingConfigOf({}))[2]).toMatchObject({
      pass: true,
      result: 'none open, none closed at a stale price',
    });
  });
});

const baseProgress: Progress = {
  at: ms(0),
  uptimeSec: 0,
  ticks: 0,
  ticksPerSec: 0,
  trades: 0,
  tradesClosed: 0,
  openTrades: 0,
  fillsA: 0,
  fillsB: 0,
  lastFillSeq: -1,
  rejectedEntries: 0,
  realizedPnlMicros: ZERO_MICROS,
  unrealizedPnlMicros: ZERO_MICROS,
  latencyP50Us: 0,
  latencyP99Us: 0,
  latencyMaxUs: 0,
  rssBytes: 0,
  heapUsedBytes: 0,
  symbols: [],
};

describe("the trading section's labels say what they count", () => {
  it('"Open at the end" counts only trades never closed; closed-at-a-stale-price trades have their own label', async () => {
    const { tradingMarkdown } = await import('../../../core/report/render-trading.js');
    const { tradingReportOf } = await import('../../../core/report/trading.js');
    const staleClosed = {
      'shard-000': [
        ...trade(0, 1_000, 2_000, [100, 100], [100, 100], 'CAMPAIGN_END', true),
        ...trade(1, 1_000, 2_000, [100, 100], [100, 100], 'CAMPAIGN_END', true),
      ],
    };
    const markdown = tradingMarkdown(tradingReportOf(staleClosed, new Map(), tradingConfigOf({})), 'KRW', (t) => t);
    expect(markdown).toContain('| Open at the end | 0 |');
    expect(markdown).toContain('| Closed at a stale price | 2 |');
  });
});
