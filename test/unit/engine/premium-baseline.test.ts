/**
 * The premium-aware strategy (issue 10, "Strategy"): the premium the engine computes against an
 * independent computation on real recorded candles, the `ewma` baseline's event-time decay, the
 * entry and reversion rule around a baseline with exact fills, a restart that resumes the
 * baseline from the checkpoint, and `none` reproducing the shipped engine's fills exactly.
 */
import { ms } from '../../../core/model/units.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CampaignConfigInput } from '../../../core/config/campaign-config.js';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import type { Fill } from '../../../core/model/fill.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { SyntheticFeed } from '../../../engine-task/src/feed/synthetic-feed.js';
import { ShardMonitor } from '../../../engine-task/src/monitor/shard-monitor.js';
import { campaignInput, testCampaign, T0 } from '../../support/campaigns.js';
import { candleRows, RowFeed, type Row } from '../../support/engine-rows.js';
import { KEY } from '../../support/run-shard.js';

const FIXTURES = new URL('../../fixtures/engine/', import.meta.url).pathname;
const memory = () => ({ rssBytes: 0, heapUsedBytes: 0 });
/** USD/KRW around the candles' days (`../shared/data/real/USD-KRW-daily.csv`, 2025-08-01: 1,389.03). */
const FX = 1389;

function engineFor(overrides: Partial<CampaignConfigInput> = {}, symbols = ['BTC']) {
  return new Engine({ campaign: testCampaign({ symbols, ...overrides }), symbols, generation: 0, wallClock: () => 7 });
}

/** Upbit KRW-BTC and Binance BTC/USDT 15-minute candles (real, `../shared/data/real/`), as quotes 1 bps either side of the close. */
function realRows(): Row[] {
  return [...candleRows(`${FIXTURES}upbit-KRW-BTC-15m.csv`, 'BTC', 'A', 1), ...candleRows(`${FIXTURES}binance-BTC-USDT-15m.csv`, 'BTC', 'B', 1)].sort(
    (x, y) => x.ts - y.ts,
  );
}

/** The closes by time, read straight from the files: the independent side of the comparison. */
function closes(file: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync(`${FIXTURES}${file}`, 'utf8').trim().split('\n').slice(1)) {
    const [time, , , , close] = line.split(',');
    out.set(Date.parse(`${(time as string).replace(' ', 'T')}Z`) + 900_000, Number(close));
  }
  return out;
}

describe('premium', () => {
  it('equals an independent computation from the same real rows: Upbit close / (Binance close × FX) − 1', () => {
    const upbit = closes('upbit-KRW-BTC-15m.csv');
    const binance = closes('binance-BTC-USDT-15m.csv');
    const engine = engineFor({ fx: { pair: 'USDT/KRW', rate: FX } });
    const monitor = new ShardMonitor(engine, 0, memory);
    const feed = new RowFeed(realRows(), ['BTC']);
    let compared = 0;
    const premiums: number[] = [];
    for (const ts of [...upbit.keys()].filter((t) => binance.has(t))) {
      feed.emitUntil(ts, Infinity, engine);
      const expected = ((upbit.get(ts) as number) / ((binance.get(ts) as number) * FX) - 1) * 1e4;
      expect(engine.premiumBps(0)).toBeCloseTo(expected, 6);
      expect(monitor.symbols()[0]?.premiumBps).toBeCloseTo(expected, 2);
      premiums.push(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(190);
    // Within the range the README measured over May–August 2025 (5th–95th percentile −172 / +174 bps).
    expect(Math.min(...premiums)).toBeGreaterThan(-200);
    expect(Math.max(...premiums)).toBeLessThan(200);
    expect(Math.max(...premiums) - Math.min(...premiums)).toBeGreaterThan(10);
  });
});

describe('ewma baseline in event time', () => {
  const ewma = { strategy: { premiumBaseline: { kind: 'ewma' as const, halfLife: '1m' } } };
  /** Quotes both venues at `ts` with a premium of `bps` (B's mid 100,000 USDT, A's mid at 1,380 KRW per USDT). */
  function premiumAt(engine: Engine, ts: number, bps: number): void {
    const midA = 100_000 * (1 + bps / 1e4) * 1380;
    engine.onQuote(1, 99_999, 100_001, ts);
    engine.onQuote(0, midA - 1380, midA + 1380, ts);
    engine.settle(); // nothing more at ts: decide (the baseline observes on the decision)
  }

  it('moves halfway to the premium over one half-life, whatever the number of updates in between', () => {
    const one = engineFor(ewma);
    premiumAt(one, T0, 0);
    expect(one.baselineBps(0)).toBeCloseTo(0, 9);
    premiumAt(one, T0 + 60_000, 20);
    expect(one.baselineBps(0)).toBeCloseTo(10, 6);
    const many = engineFor(ewma);
    premiumAt(many, T0, 0);
    for (let t = T0 + 6_000; t <= T0 + 60_000; t += 6_000) premiumAt(many, t, 20);
    expect(many.baselineBps(0)).toBeCloseTo(10, 6);
    const progress = new ShardMonitor(many, 0, memory).symbols()[0];
    expect(progress).toMatchObject({ baselineBps: 10 });
    expect(progress?.deviationBps).toBeCloseTo(10, 2);
  });

  it('takes no observation on a stale quote, and none before both venues quote', () => {
    const engine = engineFor(ewma);
    expect(engine.baselineBps(0)).toBeNaN();
    premiumAt(engine, T0, 0);
    engine.onQuote(0, 140_000_000, 140_010_000, T0 + 30_000); // B's quote is 30 s old (> maxQuoteAge 10 s)
    expect(engine.baselineBps(0)).toBeCloseTo(0, 9);
  });

  it('resumes from the checkpoint after a restart: same baseline, same fills on what follows', async () => {
    const config = {
      ...ewma,
      strategy: { premiumBaseline: { kind: 'ewma' as const, halfLife: '6h' }, entryBps: 5, exitBps: -15, maxHolding: '1h', maxQuoteAge: '1m' },
      fx: { pair: 'USDT/KRW', rate: FX },
    };
    const rows = realRows();
    const cut = rows[Math.floor(rows.length * 0.6)]?.ts as number;
    const end = (rows.at(-1) as Row).ts;
    const original = engineFor(config);
    const feed = new RowFeed(rows, ['BTC']);
    const ledger = new MemoryShardLedger();
    for (let t = rows[0]!.ts; t <= cut; t += 900_000) {
      feed.emitUntil(t, Infinity, original);
      original.onTimer(t);
    }
    await ledger.forTask(KEY, 0).commit(original.drainFills(), original.checkpoint(feed.state(), ms(cut)));
    const restored = new Engine({ campaign: testCampaign({ symbols: ['BTC'], ...config }), symbols: ['BTC'], generation: 1, wallClock: () => 7 });
    const point = ledger.restorePoint(KEY);
    const resumedFeed = new RowFeed(rows, ['BTC']);
    resumedFeed.restore(restored.restore(point) as Record<string, unknown>);
    expect(point.checkpoint?.symbols[0]?.baselineBps).toBe(original.baselineBps(0));
    expect(restored.baseline.value[0]).toBe(original.baseline.value[0]);
    expect(restored.baseline.at[0]).toBe(original.baseline.at[0]);
    for (let t = cut + 900_000; t <= end + 900_000; t += 900_000) {
      feed.emitUntil(t, Infinity, original);
      original.onTimer(t);
      resumedFeed.emitUntil(t, Infinity, restored);
      restored.onTimer(t);
    }
    const strip = (fills: Fill[]) => fills.map(({ generation: _g, ...f }) => f);
    const after = strip(original.drainFills());
    expect(after.length).toBeGreaterThan(0);
    expect(strip(restored.drainFills())).toEqual(after);
    expect(restored.baseline.value[0]).toBe(original.baseline.value[0]);
    // A checkpoint without a baseline (older, or another kind) starts the baseline afresh.
    const fresh = engineFor(config);
    const { baselineBps: _b, baselineAt: _a, ...counters } = point.checkpoint!.symbols[0]!;
    fresh.restore({ checkpoint: { ...point.checkpoint!, symbols: [counters] }, ledgerTail: [] });
    expect(fresh.baselineBps(0)).toBeNaN();
  });
});

describe('entry and exit around a baseline (hand-worked)', () => {
  const fixed = { strategy: { premiumBaseline: { kind: 'fixed' as const, bps: 100 } } };
  // B: bid 99,990, ask 100,000 USDT. A at 1,380 KRW per USDT: bid 138,690,000, ask 138,700,000 KRW,
  // a mid premium of +50.9 bps.
  function quote(engine: Engine, bidA: number, askA: number, ts: number): void {
    engine.onQuote(1, 99_990, 100_000, ts);
    engine.onQuote(0, bidA, askA, ts);
  }

  it('sells A under `none` at +50.9 bps, but buys A against a +100 bps baseline (the premium is 49 bps below it)', () => {
    const none = engineFor();
    quote(none, 138_690_000, 138_700_000, T0);
    expect(none.drainFills().map((f) => `${f.venue}:${f.side}:${f.price}`)).toEqual(['A:SELL:138690000', 'B:BUY:100000']);
    const withBaseline = engineFor(fixed);
    quote(withBaseline, 138_690_000, 138_700_000, T0);
    // b − ((askA / fx) / bidB − 1) = 100 − 51.6 = 48.4 bps ≥ entryBps 25 + fees 15.
    const [a, b] = withBaseline.drainFills();
    expect(a).toMatchObject({ venue: 'A', side: 'BUY', price: 138_700_000, fxRate: 1380 });
    expect(b).toMatchObject({ venue: 'B', side: 'SELL', price: 99_990 });
    expect(a?.qty).toBeCloseTo(1000 / (138_700_000 / 1380), 12);
  });

  it('enters at exactly the threshold and not 1 KRW short of it: sell A when bidA ≥ fx · askB · (1 + b + e)', () => {
    // fx · askB · 1.014 = 139,932,000 (to float precision): 139,933,000 clears, 139,931,000 does not.
    const clears = engineFor(fixed);
    quote(clears, 139_933_000, 139_940_000, T0);
    expect(clears.drainFills().map((f) => `${f.venue}:${f.side}`)).toEqual(['A:SELL', 'B:BUY']);
    const short = engineFor(fixed);
    quote(short, 139_931_000, 139_940_000, T0);
    expect(short.drainFills()).toEqual([]);
  });

  it('exits on reversion when the deviation in the trade’s direction is back within exitBps', () => {
    const engine = engineFor(fixed);
    quote(engine, 138_690_000, 138_700_000, T0); // bought A at −49 bps deviation
    quote(engine, 139_220_000, 139_230_000, T0 + 1_000); // premium +89.2 bps: −d = 10.8 > exitBps 5: held
    expect(engine.drainFills().filter((f) => f.kind === 'CLOSE')).toEqual([]);
    quote(engine, 139_360_000, 139_370_000, T0 + 2_000); // premium +99.4 bps: −d = 0.6 ≤ 5: out
    const [a, b] = engine.drainFills();
    expect(a).toMatchObject({ kind: 'CLOSE', reason: 'REVERSION', venue: 'A', side: 'SELL', price: 139_360_000, ts: T0 + 2_000 });
    expect(b).toMatchObject({ kind: 'CLOSE', reason: 'REVERSION', venue: 'B', side: 'BUY', price: 100_000 });
  });
});

describe('`none` keeps the shipped rule', () => {
  it("reproduces the shipped engine's fills exactly on the synthetic feed (fixture made by commit a9f38dc's engine)", () => {
    const golden = JSON.parse(readFileSync(`${FIXTURES}synthetic-seed11-fills-a9f38dc.json`, 'utf8')) as Fill[];
    const campaign = testCampaign({ ...campaignInput(), name: 'golden', risk: { maxOpenTrades: 20, maxOpenTradesPerSymbol: 4 } });
    const symbols = campaign.symbols.map((s) => s.base);
    const engine = new Engine({ campaign, symbols, generation: 0, wallClock: () => 7 });
    const feed = new SyntheticFeed(campaign.config.feed as Extract<typeof campaign.config.feed, { kind: 'synthetic' }>, campaign.symbols, campaign.fxRate, T0);
    const fills: Fill[] = [];
    for (let t = T0 + 1000; t <= T0 + 600_000; t += 1000) {
      feed.emitUntil(t, Infinity, engine);
      fills.push(...engine.drainFills());
    }
    engine.closeAll(T0 + 600_000);
    fills.push(...engine.drainFills());
    expect(golden).toHaveLength(324);
    expect(fills.map(({ eventTs: _e, wallTs: _w, quoteTsA: _qa, quoteTsB: _qb, staleQuote: _s, generation: _g, ...f }) => f)).toEqual(golden);
  });
});
