/**
 * Take-profit and stop-loss on a partly filled trade (issue 19, found by a tester on a crafted
 * book): a trade's P&L in bps is measured on the part of the order that filled
 * (`filledNotional`: orderNotional × the larger leg's quantity / the order quantity), so a trade
 * `top-size` filled 30 % stops out at the same price move as the same trade filled in full under
 * `top`, and keeps that exit through a restore from a checkpoint or from the ledger tail.
 *
 * The books (both venues quote USDT, no fees, orderNotional 1,000, stop-loss 60 bps): A offers at
 * 100 (3 shown), B bids 101, so the entry buys 10 BTC on A (1,000 / 100) under `top` and the 3
 * shown under `top-size`, selling the same on B: +1 USDT a unit. Then A's bid falls to 99.5 with
 * B's ask at 101 (a unit's exit: 99.5 − 101 = −1.5; the trade −0.5 a unit, −50 bps of 100 a unit:
 * no exit), then to 99 (−1 a unit, −100 bps: past the stop). Measured on the whole 1,000, the
 * 3-unit trade showed −15 then −30 bps and stayed open.
 */
import { describe, expect, it } from 'vitest';
import type { CampaignConfigInput } from '../../../core/config/campaign-config.js';
import { CheckpointSchema, type Checkpoint } from '../../../core/model/checkpoint.js';
import type { Fill } from '../../../core/model/fill.js';
import { ms } from '../../../core/model/units.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { filledNotional } from '../../../engine-task/src/portfolio/portfolio.js';
import { testCampaign, T0 } from '../../support/campaigns.js';
import { deliverBook, type Level } from '../../support/recorded-books.js';

function engineFor(execution: CampaignConfigInput['execution']): Engine {
  const campaign = testCampaign({
    symbols: ['BTC'],
    venues: { a: { name: 'upbit', quoteCurrency: 'USDT', takerFeeBps: 0 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 0 } },
    fx: undefined,
    strategy: { entryBps: 25, exitBps: 5, maxHolding: '10m', stopLossBps: 60, takeProfitBps: 1000, orderNotional: 1000 },
    risk: { maxOpenTrades: 1, maxOpenTradesPerSymbol: 1 },
    execution,
  });
  return new Engine({ campaign, symbols: ['BTC'], generation: 0, wallClock: () => 42 });
}

/** A venue's book update with its levels, then the group decided, as the replay feed and the runner deliver it. */
function book(engine: Engine, instrument: number, ts: number, bids: Level[], asks: Level[]): void {
  deliverBook(engine, instrument, ts, bids, asks);
  engine.settle();
}

/** A offers 3 at 100 (plenty behind under `top`, which reads no size), B bids 101: an entry that buys A. */
function enter(engine: Engine): void {
  book(engine, 0, T0, [[99.95, 1000]], [[100, 3]]);
  book(engine, 1, T0, [[101, 1000]], [[101.05, 1000]]);
}

/** A's bid falls to 99.5 (−50 bps: no exit), then to 99 (−100 bps: past the 60 bps stop); B's ask is 101 throughout. */
function fall(engine: Engine): void {
  book(engine, 1, T0 + 500, [[100.95, 1000]], [[101, 1000]]);
  book(engine, 0, T0 + 1000, [[99.5, 1000]], [[99.55, 1000]]);
  expect(engine.portfolio.totalOpen).toBe(1); // −50 bps of what filled: no exit yet
  book(engine, 0, T0 + 2000, [[99, 1000]], [[99.05, 1000]]);
}

/** The first trade's closing legs (the stop frees the slot, and the book still clears the entry rule: trade 1 opens beside). */
const closes = (fills: Fill[]) => fills.filter((f) => f.kind === 'CLOSE' && f.tradeId === 0).map((f) => [f.venue, f.side, f.qty, f.price, f.reason, f.ts]);
const bpsOf = (engine: Engine, notional: number) => (engine.portfolio.realizedTotalMicros / 1e6 / notional) * 1e4;

describe('stop-loss on a partly filled trade', () => {
  it('stops out a trade top-size filled 30 % at the same −100 bps move as under top, not at a third of it', () => {
    const top = engineFor({ model: 'top' });
    enter(top);
    fall(top);
    const topFills = top.drainFills();
    expect(topFills.filter((f) => f.kind === 'OPEN' && f.tradeId === 0).map((f) => f.qty)).toEqual([10, 10]);
    expect(closes(topFills)).toEqual([
      ['A', 'SELL', 10, 99, 'STOP_LOSS', T0 + 2000],
      ['B', 'BUY', 10, 101, 'STOP_LOSS', T0 + 2000],
    ]);

    const sized = engineFor({ model: 'top-size' });
    enter(sized);
    const opened = sized.drainFills();
    expect(opened.map((f) => [f.venue, f.side, f.qty, f.price, f.orderedQty])).toEqual([
      ['A', 'BUY', 3, 100, 10],
      ['B', 'SELL', 3, 101, 10],
    ]);
    expect(sized.portfolio.notional[0]).toBe(300);
    fall(sized);
    expect(closes(sized.drainFills())).toEqual([
      ['A', 'SELL', 3, 99, 'STOP_LOSS', T0 + 2000],
      ['B', 'BUY', 3, 101, 'STOP_LOSS', T0 + 2000],
    ]);
    // The same move in bps of what filled: −10 USDT on 1,000, −3 USDT on 300.
    expect(top.portfolio.realizedTotalMicros).toBe(-10_000_000);
    expect(sized.portfolio.realizedTotalMicros).toBe(-3_000_000);
    expect(bpsOf(sized, 300)).toBeCloseTo(bpsOf(top, 1000), 9);
  });

  it('measures a legged trade on its larger leg: A filled 3, B’s late leg found nothing, so the naked 3 stop at A’s −0.65 % (−65 bps of 300)', () => {
    const engine = engineFor({ model: 'top-size', latency: { a: 0, b: '100ms' } });
    enter(engine);
    book(engine, 1, T0 + 50, [[101, 0]], [[101.05, 1000]]); // B's leg, due at T0 + 100, will find nothing
    book(engine, 0, T0 + 200, [[99.5, 1000]], [[99.55, 1000]]);
    expect([engine.portfolio.qty[0], engine.portfolio.qtyB[0], engine.portfolio.notional[0]]).toEqual([3, 0, 300]);
    // −0.5 a unit on the A leg alone: −50 bps of 300 (the legs' mean, 150, would make it −100 and stop here).
    expect(engine.portfolio.totalOpen).toBe(1);
    book(engine, 0, T0 + 1000, [[99.35, 1000]], [[99.4, 1000]]);
    engine.onTimer(T0 + 1100); // the exit's B leg (of 0) is due 100 ms after the decision
    expect(closes(engine.drainFills())).toEqual([
      ['A', 'SELL', 3, 99.35, 'STOP_LOSS', T0 + 1000],
      ['B', 'BUY', 0, 101.05, 'STOP_LOSS', T0 + 1100],
    ]);
  });

  it('keeps the exit through a restore mid-trade, from the checkpoint and from the ledger tail; an older checkpoint without orderedQty restores on the whole notional', () => {
    const uninterrupted = engineFor({ model: 'top-size' });
    enter(uninterrupted);
    uninterrupted.drainFills();
    fall(uninterrupted);
    const expected = closes(uninterrupted.drainFills());
    expect(expected.map((c) => c[4])).toEqual(['STOP_LOSS', 'STOP_LOSS']);

    const first = engineFor({ model: 'top-size' });
    enter(first);
    const opened = first.drainFills();
    const checkpoint = CheckpointSchema.parse(JSON.parse(JSON.stringify(first.checkpoint({ kind: 'none' }, ms(T0 + 1)))));
    expect(checkpoint.openTrades).toEqual([expect.objectContaining({ qty: 3, orderedQty: 10 })]);
    expect(checkpoint.openTrades[0]?.qtyB).toBeUndefined();

    const fromCheckpoint = engineFor({ model: 'top-size' });
    fromCheckpoint.restore({ checkpoint, ledgerTail: [] });
    expect(fromCheckpoint.portfolio.notional[0]).toBe(300);
    fall(fromCheckpoint);
    expect(closes(fromCheckpoint.drainFills())).toEqual(expected);

    const fromTail = engineFor({ model: 'top-size' });
    fromTail.restore({ checkpoint: null, ledgerTail: opened });
    fall(fromTail);
    expect(closes(fromTail.drainFills())).toEqual(expected);

    // Written before the field: the trade is taken as filled in full (as the engine that wrote it measured it), −30 bps, no stop.
    const { orderedQty: _, ...older } = checkpoint.openTrades[0] as Checkpoint['openTrades'][number];
    const fromOlder = engineFor({ model: 'top-size' });
    fromOlder.restore({ checkpoint: { ...checkpoint, openTrades: [older] }, ledgerTail: [] });
    expect(fromOlder.portfolio.notional[0]).toBe(1000);
    fall(fromOlder);
    expect(closes(fromOlder.drainFills())).toEqual([]);
  });

  it('gives a trade filled in full exactly orderNotional, so top’s exits stay bit for bit', () => {
    // Quantities for which (1000 × q) / q is not 1000 in floating point (999.9999999999999 and 1000.0000000000001).
    for (const price of [3.7, 27123.4]) {
      const ordered = 1000 / price;
      expect(filledNotional(1000, ordered, ordered, ordered)).toBe(1000);
    }
    expect(filledNotional(1000, 10, 3, 0)).toBe(300);
    expect(filledNotional(1000, 10, 2, 3)).toBe(300);
  });
});
