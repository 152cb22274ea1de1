import { describe, expect, it } from 'vitest';
import { FX_INSTRUMENT, QuoteRing } from '../../../core/data/live/quote-ring.js';

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
});
