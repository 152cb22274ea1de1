import { describe, expect, it } from 'vitest';
import { FX_INSTRUMENT, QuoteRing } from '../../../core/data/live/quote-ring.js';
import { decodedQuote } from '../../../core/data/live/venue-protocol.js';
import type { QuoteRecord } from '../../../core/data/quote-record.js';

describe('the quote ring', () => {
  it('hands updates over oldest first, only up to the time asked, and drops the oldest when full', () => {
    const ring = new QuoteRing(4);
    const got: number[][] = [];
    const sink = {
      onQuote: (i: number, b: number, a: number, ts: number) => got.push([i, b, a, ts]),
      onFx: (r: number, ts: number) => got.push([FX_INSTRUMENT, r, ts]),
    };
    for (let t = 1; t <= 5; t++) ring.push(t, t === 3 ? FX_INSTRUMENT : t, t * 10, t * 10 + 1);
    expect(ring.overflowed).toBe(1);
    expect(ring.drain(3, 100, sink)).toBe(2);
    expect(got).toEqual([
      [2, 20, 21, 2],
      [FX_INSTRUMENT, 30, 3],
    ]);
    expect(ring.peekTs()).toBe(4);
    expect(ring.drain(Infinity, 1, sink)).toBe(1);
    expect(ring.drain(Infinity, 100, sink)).toBe(1);
    expect(ring.peekTs()).toBe(Infinity);
  });

  it('hands each update its exchange time beside its arrival time, NaN when the venue gave none', () => {
    const ring = new QuoteRing(8);
    const got: number[][] = [];
    const sink = {
      onQuote: (i: number, _b: number, _a: number, ts: number, exchangeTs: number) => got.push([i, ts, exchangeTs]),
      onFx: (_r: number, ts: number, exchangeTs: number) => got.push([FX_INSTRUMENT, ts, exchangeTs]),
    };
    ring.push(1000, 0, 1, 2, 400);
    ring.push(1001, 1, 1, 2);
    ring.push(1002, FX_INSTRUMENT, 1380, 1380, 990);
    expect(ring.drain(Infinity, 100, sink)).toBe(3);
    expect(got).toEqual([
      [0, 1000, 400],
      [1, 1001, Number.NaN],
      [FX_INSTRUMENT, 1002, 990],
    ]);
  });

  it('keeps each update’s own levels (at most `levels` a side) and hands them to onLevels just before its quote; an update without sizes gets none', () => {
    const ring = new QuoteRing(4, 2);
    const book = decodedQuote(3);
    const put = (bids: number[][], asks: number[][]) => {
      bids.forEach(([p, q], k) => {
        book.bidPx[k] = p as number;
        book.bidSz[k] = q as number;
      });
      asks.forEach(([p, q], k) => {
        book.askPx[k] = p as number;
        book.askSz[k] = q as number;
      });
      book.bidLevels = bids.length;
      book.askLevels = asks.length;
    };
    put(
      [
        [10, 1],
        [9, 2],
        [8, 3],
      ],
      [[11, 4]],
    );
    ring.push(1, 0, 10, 11, Number.NaN, book);
    put(
      [[20, 5]],
      [
        [21, 6],
        [22, 7],
      ],
    ); // the scratch is overwritten by the next frame: the ring has its own copy
    ring.push(2, 1, 20, 21, Number.NaN, book);
    ring.push(3, 0, 30, 31); // no sizes
    const got: string[] = [];
    const levels = (r: QuoteRecord) =>
      `bids ${Array.from({ length: r.bidLevels }, (_, k) => `${r.bidPx[k]}x${r.bidSz[k]}`).join(' ')} asks ${Array.from({ length: r.askLevels }, (_, k) => `${r.askPx[k]}x${r.askSz[k]}`).join(' ')}`;
    const sink = {
      onLevels: (i: number, r: QuoteRecord) => got.push(`levels ${i}: ${levels(r)}`),
      onQuote: (i: number, b: number) => got.push(`quote ${i} ${b}`),
      onFx: () => undefined,
    };
    expect(ring.drain(Infinity, 10, sink)).toBe(3);
    expect(got).toEqual(['levels 0: bids 10x1 9x2 asks 11x4', 'quote 0 10', 'levels 1: bids 20x5 asks 21x6 22x7', 'quote 1 20', 'quote 0 30']);
  });
});
