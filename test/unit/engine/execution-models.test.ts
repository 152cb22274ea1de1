/**
 * The execution models (issue 19) on crafted books with known answers: `top-size` fills no more
 * than the displayed top (the rest is not filled), `depth` walks three levels, a venue's latency
 * fills against its book as it stood later, two trades cannot take the same displayed size, a
 * late leg may fill partly (leg risk, each leg closed at its own quantity), a book without sizes
 * fills in full and says so; and on a seeded run of recorded books with depth, latency and
 * consumption, every fill's price and the realised P&L equal an independent recomputation from
 * the ledger and the recorded books (`test/support/recorded-books.ts`).
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import type { CampaignConfigInput } from '../../../core/config/campaign-config.js';
import { CheckpointSchema } from '../../../core/model/checkpoint.js';
import type { Fill } from '../../../core/model/fill.js';
import { executionMarkdown, executionQualityOf } from '../../../core/report/execution-quality.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { Prng } from '../../../engine-task/src/feed/prng.js';
import { testCampaign, T0 } from '../../support/campaigns.js';
import { deliverBook, recomputedPnlMicros, recomputeFills, seededBooks, type BookRow, type Level } from '../../support/recorded-books.js';

/** One symbol, both venues quoting USDT (no FX), fees 0 unless given: the numbers stay readable. */
function engineFor(execution: CampaignConfigInput['execution'], overrides: Partial<CampaignConfigInput> = {}, symbols = ['BTC']): Engine {
  const campaign = testCampaign({
    symbols,
    venues: { a: { name: 'upbit', quoteCurrency: 'USDT', takerFeeBps: 0 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 0 } },
    fx: undefined,
    strategy: { entryBps: 25, exitBps: 5, maxHolding: '10m', stopLossBps: 1000, takeProfitBps: 1000 },
    risk: { maxOpenTrades: 1, maxOpenTradesPerSymbol: 1 },
    execution,
    ...overrides,
  });
  return new Engine({ campaign, symbols, generation: 0, wallClock: () => 42 });
}

/** Venue A offers BTC at 100 (plenty), venue B bids 101: 100 bps over, an entry that buys A and sells B for 1,000 / 100 = 10 BTC. */
function entryBooks(engine: Engine, ts: number, bBids: Level[]): void {
  deliverBook(engine, 0, ts, [[99.95, 1000]], [[100, 1000]]);
  deliverBook(engine, 1, ts, bBids, [[101.05, 1000]]);
  engine.settle();
}

const legs = (fills: Fill[], kind: 'OPEN' | 'CLOSE') => fills.filter((f) => f.kind === kind);

describe('top-size', () => {
  it('fills no more than the displayed top on either venue: B bids 4 of the 10 wanted, both legs fill 4 and the rest is not filled', () => {
    const engine = engineFor({ model: 'top-size' });
    entryBooks(engine, T0, [[101, 4]]);
    const [a, b] = legs(engine.drainFills(), 'OPEN');
    expect(a).toMatchObject({ venue: 'A', side: 'BUY', qty: 4, price: 100, orderedQty: 10, decisionPrice: 100 });
    expect(b).toMatchObject({ venue: 'B', side: 'SELL', qty: 4, price: 101, orderedQty: 10, decisionPrice: 101 });
    expect(a?.unsized).toBeUndefined();
  });

  it('takes only the top of a deeper book: 3 of the 10 wanted when B bids 3 @ 101 with more behind', () => {
    const engine = engineFor({ model: 'top-size' });
    entryBooks(engine, T0, [
      [101, 3],
      [100.9, 3],
      [100.8, 10],
    ]);
    const [, b] = legs(engine.drainFills(), 'OPEN');
    expect(b).toMatchObject({ qty: 3, price: 101 });
  });

  it('refuses the entry as no-size when a venue shows nothing left at the top', () => {
    const engine = engineFor({ model: 'top-size' });
    entryBooks(engine, T0, [[101, 0]]);
    expect(engine.drainFills()).toEqual([]);
    expect(engine.risk.refusals()['no-size']).toBe(1);
  });
});

describe('depth', () => {
  it('walks three levels of B bids (3 @ 101, 3 @ 100.9, 4 of 10 @ 100.8): 10 filled at their volume-weighted mean 100.89', () => {
    const engine = engineFor({ model: 'depth' });
    entryBooks(engine, T0, [
      [101, 3],
      [100.9, 3],
      [100.8, 10],
    ]);
    const [a, b] = legs(engine.drainFills(), 'OPEN');
    expect(a).toMatchObject({ qty: 10, price: 100 });
    expect(b?.qty).toBe(10);
    expect(b?.price).toBeCloseTo((3 * 101 + 3 * 100.9 + 4 * 100.8) / 10, 12);
    expect(b?.decisionPrice).toBe(101);
  });

  it('fills the part beyond every recorded level of an entry not at all: 6 of the 10 wanted', () => {
    const engine = engineFor({ model: 'depth' });
    entryBooks(engine, T0, [
      [101, 3],
      [100.9, 3],
    ]);
    const [, b] = legs(engine.drainFills(), 'OPEN');
    expect(b?.qty).toBe(6);
  });

  it('ends the walk at a level priced better than the one before it (an unsorted record): no leg fills better than the top', () => {
    const engine = engineFor({ model: 'depth' });
    // B's second bid, 101.5, is above its top of 101: the walk takes the top's 3 and stops (walked through, 10 would sell at 101.07).
    entryBooks(engine, T0, [
      [101, 3],
      [101.5, 3],
      [100.8, 10],
    ]);
    const [a, b] = legs(engine.drainFills(), 'OPEN');
    expect(a).toMatchObject({ qty: 3, price: 100 });
    expect(b).toMatchObject({ qty: 3, price: 101 });
    // The exit buys B back on asks whose second level, 100.5, is below the top of 101.05: the 2 beyond the top's 1 are priced at the top.
    deliverBook(
      engine,
      1,
      T0 + 1000,
      [[100.95, 1000]],
      [
        [101.05, 1],
        [100.5, 100],
      ],
    );
    engine.closeAll(T0 + 1000);
    const close = legs(engine.drainFills(), 'CLOSE').find((f) => f.venue === 'B');
    expect(close).toMatchObject({ side: 'BUY', qty: 3 });
    expect(close?.price).toBeCloseTo(101.05, 9);
  });
});

describe('exits beyond the displayed book', () => {
  /** Orders of 1 USDT at 100: 0.01 BTC a trade (the /tmp/v7c/s15 case: exits of 0.01 on books showing 0.001). */
  const small = { strategy: { entryBps: 25, exitBps: 5, maxHolding: '10m', stopLossBps: 1000, takeProfitBps: 1000, orderNotional: 1 } } as const;

  /** Enters 0.01 (buys A at 100, sells B at 101, both plentiful), then closes it when A's bids show only `aBids`. */
  function exitOnThinBook(model: 'top-size' | 'depth', aBids: Level[], orderNotional = 1): Fill[] {
    const engine = engineFor({ model }, { strategy: { ...small.strategy, orderNotional } });
    entryBooks(engine, T0, [[101, 1000]]);
    deliverBook(engine, 0, T0 + 1000, aBids, [[100.05, 1000]]);
    engine.closeAll(T0 + 2000);
    return engine.drainFills();
  }

  it('top-size: an exit of 0.01 on a bid showing 0.001 records 0.009 beyond the book on that leg, 0 on the other, none on the entries', () => {
    const fills = exitOnThinBook('top-size', [[99.9, 0.001]]);
    const [openA, openB] = legs(fills, 'OPEN');
    const [closeA, closeB] = legs(fills, 'CLOSE');
    expect(closeA).toMatchObject({ venue: 'A', side: 'SELL', qty: 0.01, price: 99.9, orderedQty: 0.01 });
    expect(closeA?.beyondBookQty).toBeCloseTo(0.009, 15);
    expect(closeB).toMatchObject({ venue: 'B', side: 'BUY', qty: 0.01, beyondBookQty: 0 });
    expect(openA).not.toHaveProperty('beyondBookQty');
    expect(openB).not.toHaveProperty('beyondBookQty');
    // The report's execution section counts it on venue A: 1 of 2 exit legs, 0.009 beyond the book.
    const e = executionQualityOf({ 'shard-000': fills }, { execution: { model: 'top-size' } }, {});
    expect(e.bySymbol[0]).toMatchObject({ symbol: 'BTC', beyondBookExits: 1, beyondBookQtyB: 0 });
    const md = executionMarkdown(e, (t) => t);
    expect(md).toContain(
      '1 of 2 exit legs took more than the displayed size, the part beyond priced at the last level shown (beyond the book, base asset: BTC A 0.009, B 0)',
    );
    expect(md).toContain('| BTC | 4 | 100 % | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0.009 | 0 |');
    expect(md).not.toContain('not counted');
  });

  it('depth: the walk over two levels (0.0005 @ 99.9, 0.0005 @ 99.8) leaves 0.009 beyond, priced at the last level', () => {
    const fills = exitOnThinBook('depth', [
      [99.9, 0.0005],
      [99.8, 0.0005],
    ]);
    const closeA = legs(fills, 'CLOSE')[0];
    expect(closeA?.beyondBookQty).toBeCloseTo(0.009, 15);
    expect(closeA?.price).toBeCloseTo((0.0005 * 99.9 + 0.0095 * 99.8) / 0.01, 9);
  });

  it('records 0 when the book held the whole exit, and nothing on legs that read no size (top with a latency, an unsized book)', () => {
    const held = exitOnThinBook('depth', [
      [99.9, 0.006],
      [99.8, 0.004],
    ]);
    expect(legs(held, 'CLOSE').map((f) => f.beyondBookQty)).toEqual([0, 0]);
    // 0.07 + 0.001 + 0.529 of 0.6 sums to 0.6 − 1.1e-16 in floating point: rounding, not size beyond the book (BEYOND_BOOK_TOLERANCE).
    const rounded = exitOnThinBook(
      'depth',
      [
        [99.9, 0.07],
        [99.85, 0.001],
        [99.8, 0.6],
      ],
      60,
    );
    expect(legs(rounded, 'CLOSE').map((f) => [f.qty, f.beyondBookQty])).toEqual([
      [0.6, 0],
      [0.6, 0],
    ]);
    const topLatency = engineFor({ model: 'top', latency: { a: 0, b: '1ms' } }, small);
    entryBooks(topLatency, T0, [[101, 1000]]);
    topLatency.closeAll(T0 + 2000);
    const topFills = topLatency.drainFills();
    expect(topFills).toHaveLength(4);
    for (const f of topFills) expect(f).not.toHaveProperty('beyondBookQty');
    const unsized = engineFor({ model: 'top-size' }, small);
    unsized.onQuote(0, 99.95, 100, T0);
    unsized.onQuote(1, 101, 101.05, T0);
    unsized.settle();
    unsized.closeAll(T0 + 1000);
    const unsizedFills = unsized.drainFills();
    expect(unsizedFills.filter((f) => f.unsized === true)).toHaveLength(4);
    for (const f of unsizedFills) expect(f).not.toHaveProperty('beyondBookQty');
  });

  it('carries a filled exit leg’s quantity beyond the book through a checkpoint while the other leg is in flight', () => {
    const latency = { a: 0, b: '1s' };
    const exitDecided = () => {
      const engine = engineFor({ model: 'top-size', latency }, small);
      entryBooks(engine, T0, [[101, 1000]]);
      engine.onTimer(T0 + 1000);
      engine.drainFills();
      deliverBook(engine, 0, T0 + 1500, [[99.9, 0.001]], [[100.05, 1000]]); // A's bid thins out: still far from reversion
      engine.settle();
      // Back within exitBps: a reversion exit decided at T0 + 2000; A's leg fills at once (0.009 beyond the book), B's is due at T0 + 3000.
      deliverBook(engine, 1, T0 + 2000, [[100.01, 1000]], [[100.02, 1000]]);
      engine.settle();
      return engine;
    };
    const rest = (engine: Engine) => {
      engine.onTimer(T0 + 4000);
      return legs(engine.drainFills(), 'CLOSE').map(({ generation: _g, wallTs: _w, ...f }) => f);
    };
    const expected = rest(exitDecided());
    expect(expected[0]?.beyondBookQty).toBeCloseTo(0.009, 15);
    const first = exitDecided();
    const checkpoint = CheckpointSchema.parse(JSON.parse(JSON.stringify(first.checkpoint({ kind: 'none' }, ms(T0 + 2001)))));
    expect(checkpoint.inFlight?.[0]?.a).toMatchObject({ qty: 0.01, beyondBookQty: expected[0]?.beyondBookQty });
    const restored = engineFor({ model: 'top-size', latency }, small);
    restored.restore({ checkpoint, ledgerTail: [] });
    expect(rest(restored)).toEqual(expected);
  });
});

describe('latency', () => {
  it("fills venue B's leg against B's book 100 ms after the decision: the bid fell from 101 to 100.7 in between", () => {
    const engine = engineFor({ model: 'top', latency: { a: 0, b: '100ms' } });
    entryBooks(engine, T0, [[101, 1000]]);
    deliverBook(engine, 1, T0 + 50, [[100.7, 1000]], [[100.75, 1000]]);
    deliverBook(engine, 1, T0 + 200, [[100.1, 1000]], [[100.15, 1000]]);
    engine.settle();
    const [a, b] = legs(engine.drainFills(), 'OPEN');
    expect(a).toMatchObject({ venue: 'A', price: 100, ts: T0, eventTs: T0 });
    expect(b).toMatchObject({ venue: 'B', price: 100.7, ts: T0 + 100, eventTs: T0, decisionPrice: 101, qty: 10 });
  });

  it('fills a leg due at a timer turn on that turn, and a leg still in flight at the end at the last book', () => {
    const engine = engineFor({ model: 'top', latency: { a: '1s', b: '5s' } });
    entryBooks(engine, T0, [[101, 1000]]);
    engine.onTimer(T0 + 1000);
    expect(engine.drainFills()).toEqual([]); // B's leg is still on its way: the trade is not in the ledger yet
    engine.closeAll(T0 + 2000);
    const fills = engine.drainFills();
    expect(fills.map((f) => [f.kind, f.venue, f.ts])).toEqual([
      ['OPEN', 'A', T0 + 1000],
      ['OPEN', 'B', T0 + 2000],
      ['CLOSE', 'A', T0 + 2000],
      ['CLOSE', 'B', T0 + 2000],
    ]);
  });
});

describe('liquidity consumption', () => {
  it('lets a second trade take only what the first left of B’s displayed 15 until B updates its book', () => {
    const engine = engineFor({ model: 'top-size' }, { risk: { maxOpenTrades: 3, maxOpenTradesPerSymbol: 3 } });
    entryBooks(engine, T0, [[101, 15]]);
    deliverBook(engine, 0, T0 + 1, [[99.95, 1000]], [[100, 1000]]); // A moves, B does not
    engine.settle();
    deliverBook(engine, 1, T0 + 2, [[101, 15]], [[101.05, 1000]]); // B's next update shows 15 again
    engine.settle();
    const opens = legs(engine.drainFills(), 'OPEN').filter((f) => f.venue === 'B');
    expect(opens.map((f) => f.qty)).toEqual([10, 5, 10]);
  });
});

describe('leg risk', () => {
  it('opens a trade whose late leg filled 3 of 10 (B bid 3 when it arrived), marks and closes each leg at its own quantity', () => {
    const engine = engineFor({ model: 'top-size', latency: { a: 0, b: '100ms' } });
    entryBooks(engine, T0, [[101, 50]]);
    deliverBook(engine, 1, T0 + 50, [[101, 3]], [[101.05, 1000]]);
    deliverBook(engine, 0, T0 + 200, [[99.95, 1000]], [[100, 1000]]);
    engine.settle();
    const slot = 0;
    expect([engine.portfolio.qty[slot], engine.portfolio.qtyB[slot]]).toEqual([10, 3]);
    engine.closeAll(T0 + 300);
    const fills = engine.drainFills();
    expect(fills.map((f) => [f.kind, f.venue, f.side, f.qty])).toEqual([
      ['OPEN', 'A', 'BUY', 10],
      ['OPEN', 'B', 'SELL', 3],
      ['CLOSE', 'A', 'SELL', 10],
      ['CLOSE', 'B', 'BUY', 3],
    ]);
    expect(fills[1]).toMatchObject({ orderedQty: 10 });
  });

  it('records a leg that found nothing as a fill of 0, and refuses as legs-missed an entry whose two legs both found nothing', () => {
    const one = engineFor({ model: 'top-size', latency: { a: 0, b: '100ms' } });
    entryBooks(one, T0, [[101, 50]]);
    deliverBook(one, 1, T0 + 50, [[101, 0]], [[101.05, 1000]]);
    deliverBook(one, 1, T0 + 200, [[101, 0]], [[101.05, 1000]]);
    one.settle();
    expect(legs(one.drainFills(), 'OPEN').map((f) => f.qty)).toEqual([10, 0]);
    const both = engineFor({ model: 'top-size', latency: { a: '100ms', b: '100ms' } });
    entryBooks(both, T0, [[101, 50]]);
    deliverBook(both, 0, T0 + 50, [[99.95, 0]], [[100, 0]]);
    deliverBook(both, 1, T0 + 50, [[101, 0]], [[101.05, 0]]);
    deliverBook(both, 1, T0 + 200, [[101, 0]], [[101.05, 0]]);
    both.settle();
    expect(both.drainFills()).toEqual([]);
    expect(both.risk.refusals()['legs-missed']).toBe(1);
    expect(both.portfolio.totalOpen).toBe(0);
  });
});

describe('restarts', () => {
  it('keeps each leg’s quantity of a legged trade through a checkpoint and through the ledger tail, and closes each at its own', () => {
    const legged = () => {
      const engine = engineFor({ model: 'top-size', latency: { a: 0, b: '100ms' } });
      entryBooks(engine, T0, [[101, 50]]);
      deliverBook(engine, 1, T0 + 50, [[101, 3]], [[101.05, 1000]]);
      deliverBook(engine, 0, T0 + 200, [[99.95, 1000]], [[100, 1000]]);
      engine.settle();
      return engine;
    };
    const closeLegs = (engine: Engine) => {
      engine.closeAll(T0 + 300);
      return legs(engine.drainFills(), 'CLOSE').map((f) => [f.venue, f.qty]);
    };
    // From a checkpoint taken after the trade opened (the fills committed with it).
    const first = legged();
    const opened = first.drainFills();
    const checkpoint = first.checkpoint({ kind: 'none' }, ms(T0 + 250));
    expect(checkpoint.openTrades[0]).toMatchObject({ qty: 10, qtyB: 3 });
    const fromCheckpoint = engineFor({ model: 'top-size', latency: { a: 0, b: '100ms' } });
    fromCheckpoint.restore({ checkpoint, ledgerTail: [] });
    entryBooks(fromCheckpoint, T0 + 260, [[101, 50]]);
    expect(closeLegs(fromCheckpoint)).toEqual([
      ['A', 10],
      ['B', 3],
    ]);
    // From the ledger tail alone (no checkpoint yet).
    const fromTail = engineFor({ model: 'top-size', latency: { a: 0, b: '100ms' } });
    fromTail.restore({ checkpoint: null, ledgerTail: opened });
    entryBooks(fromTail, T0 + 260, [[101, 50]]);
    expect(closeLegs(fromTail)).toEqual([
      ['A', 10],
      ['B', 3],
    ]);
  });

  /** Fills without what differs between generations by design (the generation, the wall clock). */
  const comparable = (fills: Fill[]) => fills.map(({ generation: _g, wallTs: _w, ...rest }) => rest);

  /** B's bid falls before the leg's due time (the book the leg will take), then the decision's aftermath: A's next update, the end. */
  const bidFalls = (engine: Engine) => deliverBook(engine, 1, T0 + 300, [[100.7, 4]], [[100.75, 1000]]);
  function afterDecision(engine: Engine): Fill[] {
    deliverBook(engine, 0, T0 + 1500, [[99.95, 1000]], [[100, 1000]]);
    engine.settle();
    engine.closeAll(T0 + 1600);
    return engine.drainFills();
  }

  it('carries an entry in flight in the checkpoint (leg A filled, leg B due with its book) and fills it once after a restore, as if never stopped', () => {
    const settings = { model: 'top-size', latency: { a: 0, b: '1s' } } as const;
    const uninterrupted = engineFor(settings);
    entryBooks(uninterrupted, T0, [[101, 50]]);
    bidFalls(uninterrupted);
    const expected = comparable(afterDecision(uninterrupted));

    const first = engineFor(settings);
    entryBooks(first, T0, [[101, 50]]);
    bidFalls(first);
    expect(first.drainFills()).toEqual([]); // nothing in the ledger: B's leg is on its way
    const checkpoint = first.checkpoint({ kind: 'none' }, ms(T0 + 301));
    expect(checkpoint.openTrades).toEqual([]);
    expect(checkpoint.inFlight).toEqual([
      expect.objectContaining({
        kind: 'OPEN',
        symbol: 'BTC',
        buyVenue: 'A',
        decidedAt: T0,
        sent: 10,
        a: { qty: 10, price: 100, ts: T0 },
        // The restored engine hears nothing from B before the leg is due: it fills on this kept book.
        b: { due: T0 + 1000, book: { bid: 100.7, ask: 100.75, at: T0 + 300, bids: [[100.7, 4]], asks: [[100.75, 1000]] } },
      }),
    ]);
    const restored = engineFor(settings);
    restored.restore({ checkpoint: CheckpointSchema.parse(JSON.parse(JSON.stringify(checkpoint))), ledgerTail: [] });
    expect(restored.portfolio.totalOpen).toBe(1); // the slot is held, as before the stop
    const fills = afterDecision(restored);
    expect(comparable(fills)).toEqual(expected);
    // Once: one OPEN per venue, at the book B showed at the leg's due time (4 of the 10 sent: leg risk).
    expect(fills.filter((f) => f.kind === 'OPEN').map((f) => [f.venue, f.qty, f.price, f.ts])).toEqual([
      ['A', 10, 100, T0],
      ['B', 4, 100.7, T0 + 1000],
    ]);
  });

  it('carries an exit in flight: the trade stays open in the checkpoint, closes once after the restore, and is not decided again', () => {
    const settings = { model: 'top', latency: { a: '1s', b: 0 } } as const;
    const open = (engine: Engine) => {
      entryBooks(engine, T0, [[101, 1000]]);
      engine.onTimer(T0 + 1000);
      // Back within exitBps: a reversion exit decided at T0 + 2000, venue A's leg due at T0 + 3000.
      deliverBook(engine, 1, T0 + 2000, [[100.01, 1000]], [[100.02, 1000]]);
      engine.settle();
    };
    const rest = (engine: Engine) => {
      deliverBook(engine, 0, T0 + 2500, [[99.5, 1000]], [[99.55, 1000]]);
      deliverBook(engine, 1, T0 + 3500, [[100.01, 1000]], [[100.02, 1000]]);
      engine.settle();
      return engine.drainFills();
    };
    const uninterrupted = engineFor(settings);
    open(uninterrupted);
    uninterrupted.drainFills();
    const expected = comparable(rest(uninterrupted));
    expect(expected.filter((f) => f.kind === 'CLOSE').map((f) => [f.tradeId, f.venue, f.price, f.ts])).toEqual([
      [0, 'A', 99.5, T0 + 3000],
      [0, 'B', 100.02, T0 + 2000],
    ]);

    const first = engineFor(settings);
    open(first);
    const opened = first.drainFills();
    const checkpoint = first.checkpoint({ kind: 'none' }, ms(T0 + 2001));
    expect(checkpoint.openTrades.map((t) => t.tradeId)).toEqual([0]);
    expect(checkpoint.inFlight?.map((o) => [o.kind, o.tradeId, o.reason, 'due' in o.a, 'due' in o.b])).toEqual([['CLOSE', 0, 'REVERSION', true, false]]);
    const restored = engineFor(settings);
    restored.restore({ checkpoint, ledgerTail: [] });
    expect(comparable(rest(restored))).toEqual(expected);
    expect(opened).toHaveLength(2);
    expect(restored.portfolio.realizedTotalMicros).toBe(uninterrupted.portfolio.realizedTotalMicros);
  });

  it('drops an order in flight that the ledger tail shows completed: the trade is in the ledger once', () => {
    const settings = { model: 'top', latency: { a: 0, b: '1s' } } as const;
    const first = engineFor(settings);
    entryBooks(first, T0, [[101, 1000]]);
    const checkpoint = first.checkpoint({ kind: 'none' }, ms(T0 + 1));
    first.onTimer(T0 + 1000);
    const tail = first.drainFills(); // committed after the checkpoint, without a new one
    expect(tail.map((f) => f.kind)).toEqual(['OPEN', 'OPEN']);
    const restored = engineFor(settings);
    restored.restore({ checkpoint, ledgerTail: tail });
    restored.onTimer(T0 + 5000);
    expect(restored.drainFills()).toEqual([]);
    expect(restored.portfolio.totalOpen).toBe(1);
    expect(restored.checkpoint({ kind: 'none' }, ms(T0 + 5000)).inFlight).toBeUndefined();
  });
});

describe('no sizes in the data', () => {
  it('leaves an update without sizes unsized, even right after a sized update of the same venue', () => {
    const engine = engineFor({ model: 'top-size' });
    deliverBook(engine, 1, T0, [[101, 4]], [[101.05, 4]]);
    engine.onQuote(1, 101, 101.05, T0 + 1);
    engine.onQuote(0, 99.95, 100, T0 + 1);
    engine.settle();
    const [, b] = legs(engine.drainFills(), 'OPEN');
    expect(b).toMatchObject({ qty: 10, unsized: true });
  });

  it('fills in full at the top and flags the legs unsized', () => {
    const engine = engineFor({ model: 'top-size' });
    engine.onQuote(0, 99.95, 100, T0);
    engine.onQuote(1, 101, 101.05, T0);
    engine.settle();
    const [a, b] = legs(engine.drainFills(), 'OPEN');
    expect(a).toMatchObject({ qty: 10, unsized: true });
    expect(b).toMatchObject({ qty: 10, unsized: true });
  });

  it('leaves the plain top model’s fills as they were: no execution detail', () => {
    const engine = engineFor({ model: 'top' });
    entryBooks(engine, T0, [[101, 4]]);
    engine.closeAll(T0 + 1000);
    const fills = engine.drainFills();
    const [a] = legs(fills, 'OPEN');
    expect(a?.qty).toBe(10);
    expect(a?.decisionPrice).toBeUndefined();
    // The fields of a plain top fill, as before execution detail (issue 19): nothing beyond the book, nothing else.
    for (const f of fills)
      expect(Object.keys(f)).toEqual([
        'seq',
        'tradeId',
        'symbol',
        'venue',
        'side',
        'kind',
        'reason',
        'qty',
        'price',
        'fee',
        'fxRate',
        'ts',
        'eventTs',
        'wallTs',
        'quoteTsA',
        'quoteTsB',
        'generation',
      ]);
  });
});

describe('P&L against an independent recomputation', () => {
  const feeBps = { A: 5, B: 10 };

  for (const [model, levels] of [
    ['top-size', 1],
    ['depth', 4],
  ] as const) {
    it(`${model} with latencies 30/80 ms: every fill's price and the realised P&L equal the recomputation from the ledger and the recorded books`, () => {
      const prng = new Prng(7);
      const rows = seededBooks(3000, () => prng.nextUniform()); // two symbols, four levels a side, a dislocation that opens and closes trades
      const engine = engineFor(
        { model, latency: { a: '30ms', b: '80ms' } },
        {
          venues: { a: { name: 'upbit', quoteCurrency: 'USDT', takerFeeBps: feeBps.A }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: feeBps.B } },
          strategy: { entryBps: 5, exitBps: -20, maxHolding: '2s', stopLossBps: 1000, takeProfitBps: 1000 },
          risk: { maxOpenTrades: 2, maxOpenTradesPerSymbol: 1 },
        },
        ['BTC', 'ETH'],
      );
      for (const r of rows) deliverBook(engine, (r.symbol === 'BTC' ? 0 : 2) + (r.venue === 'A' ? 0 : 1), r.ts, r.bids, r.asks);
      engine.closeAll((rows[rows.length - 1] as BookRow).ts);
      const fills = engine.drainFills();
      const trades = fills.length / 4;
      expect(trades).toBeGreaterThan(20);
      expect(fills.some((f) => f.qty < (f.orderedQty as number) - 1e-9 && f.kind === 'OPEN')).toBe(true); // sizes did bind
      const opens = fills.filter((f) => f.kind === 'OPEN');
      const legged = opens.filter((f, i) => i % 2 === 0 && f.qty !== (opens[i + 1] as Fill).qty);
      expect(legged.length).toBeGreaterThan(0); // a late leg filled less than the other: leg risk in the ledger
      const recomputed = recomputeFills(rows, fills, levels);
      const bySeq = new Map(fills.map((f) => [f.seq, f]));
      for (const r of recomputed) {
        const f = bySeq.get(r.seq) as Fill;
        expect(f.price, `fill ${f.seq} (${f.kind} ${f.venue} ${f.side} ${f.qty} at ${f.ts})`).toBeCloseTo(r.price, 9);
        if (f.kind === 'OPEN') expect(f.qty).toBeLessThanOrEqual(r.available + 1e-9);
        // An exit's part beyond what the book displayed (net of earlier fills) is what the recomputation found missing.
        else expect(f.beyondBookQty, `close ${f.seq}`).toBeCloseTo(Math.max(0, f.qty - r.available), 9);
      }
      expect(fills.some((f) => (f.beyondBookQty ?? 0) > 0)).toBe(true); // some exits went beyond the book
      expect(engine.portfolio.totalOpen).toBe(0);
      expect(engine.portfolio.realizedTotalMicros).toBe(recomputedPnlMicros(fills, recomputed, feeBps));
    });
  }
});
