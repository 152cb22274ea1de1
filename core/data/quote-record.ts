/**
 * What every recorded-data reader yields: one top of book (or one FX rate) at its event time.
 * Readers fill a caller-owned record instead of allocating one per line.
 */

/** Venue A's quotes, venue B's quotes, or the FX rate (units of A's quote currency per unit of B's). */
export type RecordVenue = 'A' | 'B' | 'FX';

/**
 * Book levels on each side, top first (issue 19): how many a side, and level k at `bidPx[k]`/
 * `bidSz[k]` (`askPx`/`askSz`), sizes in the base asset, level 0 at the quote's `bid`/`ask`.
 * Caller-owned arrays of at least `MAX_BOOK_LEVELS`, reused: a record, a venue connection's decoded
 * quote (`live/venue-protocol.ts`), an update in the live feed's ring (`live/quote-ring.ts`).
 */
export interface BookLevels {
  bidLevels: number;
  askLevels: number;
  bidPx: Float64Array;
  bidSz: Float64Array;
  askPx: Float64Array;
  askSz: Float64Array;
}

/**
 * One record. Its levels (`BookLevels`): 0 a side when the source gives no size (candles, a
 * canonical file without size columns), 1 for a top of book with its sizes (bookTicker, Tardis
 * quotes), up to `MAX_BOOK_LEVELS` for an order book (Upbit's 15, ccxt snapshots; deeper levels
 * are dropped).
 */
export interface QuoteRecord extends BookLevels {
  /** Event time (when the venue stamped the update), ms since the epoch, UTC. */
  ts: number;
  /** The base asset (`BTC`), after the symbol map; `FX` for a rate. */
  symbol: string;
  venue: RecordVenue;
  /** Best bid; for FX, the rate (the mid when the source is a quotes file). */
  bid: number;
  /** Best ask; for FX, equal to `bid`. */
  ask: number;
  /**
   * The venue's own event time, ms, when the data keeps it apart from `ts` (a live recording's
   * `exchange_ts` column, `ts` being the arrival there); NaN otherwise. Readers that do not know
   * the column leave it NaN.
   */
  exchangeTs: number;
}

/** The most levels a record keeps per side (ccxt snapshots often hold 20; Upbit sends 15). */
export const MAX_BOOK_LEVELS = 20;

/** No levels, with room for `MAX_BOOK_LEVELS` a side. */
export function emptyLevels(): BookLevels {
  return {
    bidLevels: 0,
    askLevels: 0,
    bidPx: new Float64Array(MAX_BOOK_LEVELS),
    bidSz: new Float64Array(MAX_BOOK_LEVELS),
    askPx: new Float64Array(MAX_BOOK_LEVELS),
    askSz: new Float64Array(MAX_BOOK_LEVELS),
  };
}

export function emptyRecord(): QuoteRecord {
  return { ts: 0, symbol: '', venue: 'A', bid: 0, ask: 0, exchangeTs: Number.NaN, ...emptyLevels() };
}

/** Sets a record's top-of-book sizes (one level a side, at its `bid`/`ask`); a size that is not a finite number ≥ 0 leaves the record unsized. */
export function setTopSizes(out: QuoteRecord, bidSize: number, askSize: number): void {
  if (!(bidSize >= 0 && askSize >= 0 && bidSize < Infinity && askSize < Infinity)) {
    out.bidLevels = 0;
    out.askLevels = 0;
    return;
  }
  out.bidPx[0] = out.bid;
  out.bidSz[0] = bidSize;
  out.askPx[0] = out.ask;
  out.askSz[0] = askSize;
  out.bidLevels = 1;
  out.askLevels = 1;
}

/**
 * Reads `[price, size]` pairs (numbers or numeric strings, as ccxt gives them) into one side of a
 * record from level `first` on, best first, at most `MAX_BOOK_LEVELS` in all; returns the level
 * count (it stops at the first pair that is not a positive finite price and a finite size ≥ 0).
 */
export function readLevels(levels: unknown, px: Float64Array, sz: Float64Array, first = 0): number {
  if (!Array.isArray(levels)) return first;
  let n = first;
  for (let k = 0; k < levels.length && n < MAX_BOOK_LEVELS; k++) {
    const level = levels[k] as unknown;
    if (!Array.isArray(level)) break;
    const p = Number(level[0]);
    const q = Number(level[1]);
    if (!(p > 0 && p < Infinity && q >= 0 && q < Infinity)) break;
    px[n] = p;
    sz[n] = q;
    n++;
  }
  return n;
}

/**
 * Cuts each side of a record's levels at the first level priced better than the one before it
 * (an ask below, a bid above: an unsorted or crossed book) and drops it and every level after
 * it; level 0 is the top (`bid`/`ask`). The rule of the engine's depth walk
 * (`engine-task/src/execution/execution-model.ts`: such a level ends the walk), applied when the
 * data is read, so an imported file holds the levels a walk would take and no more: a book whose
 * later level beats its top does not say which one is wrong, and no fill may be better than the
 * top. Equal prices are in order. Returns what was cut (each side's level and prices), or
 * undefined when both sides were in order; allocates only then.
 */
export function cutUnsortedLevels(r: BookLevels): string | undefined {
  const bids = firstUnsorted(r.bidLevels, r.bidPx, false);
  const asks = firstUnsorted(r.askLevels, r.askPx, true);
  if (bids === r.bidLevels && asks === r.askLevels) return undefined;
  const cuts: string[] = [];
  if (bids < r.bidLevels) cuts.push(cutOf('bid', bids, r.bidLevels, r.bidPx));
  if (asks < r.askLevels) cuts.push(cutOf('ask', asks, r.askLevels, r.askPx));
  r.bidLevels = bids;
  r.askLevels = asks;
  return `${cuts.join('; ')} (levels are best first: a depth walk stops there; the line is kept with the levels before)`;
}

/** `bid level 2 of 3 at 99995 is above level 1 at 99990: levels 2–3 dropped`. */
function cutOf(side: 'bid' | 'ask', k: number, count: number, px: Float64Array): string {
  const dropped = k + 1 === count ? `level ${count}` : `levels ${k + 1}–${count}`;
  return `${side} level ${k + 1} of ${count} at ${px[k]} is ${side === 'bid' ? 'above' : 'below'} level ${k} at ${px[k - 1]}: ${dropped} dropped`;
}

/** The number of levels of a side in order from the top: the index of the first priced better than the one before it, else `count`. */
function firstUnsorted(count: number, px: Float64Array, asks: boolean): number {
  for (let k = 1; k < count; k++) {
    const price = px[k] as number;
    const before = px[k - 1] as number;
    if (asks ? price < before : price > before) return k;
  }
  return count;
}

/** Copies the levels of `from` into `to` (both caller-owned). */
export function copyLevels(from: BookLevels, to: BookLevels): void {
  to.bidLevels = from.bidLevels;
  to.askLevels = from.askLevels;
  for (let k = 0; k < from.bidLevels; k++) {
    to.bidPx[k] = from.bidPx[k] as number;
    to.bidSz[k] = from.bidSz[k] as number;
  }
  for (let k = 0; k < from.askLevels; k++) {
    to.askPx[k] = from.askPx[k] as number;
    to.askSz[k] = from.askSz[k] as number;
  }
}

/**
 * Why a line was skipped. `unparseable`: not the format's shape (too few columns, not JSON, a
 * field that is not a number or a time); `crossed`: bid above ask; `non-positive`: a price at or
 * below zero; `non-finite`: NaN or infinite; `unmapped-symbol`: a symbol the map cannot name (the
 * names are listed separately); `out-of-order`: earlier than a line already read; `duplicate`: the
 * same time, symbol, venue and prices as the line before it for that instrument. And one that
 * skips part of a line: `unsorted-levels`, book levels from the first one priced better than the
 * level before it were dropped and the line kept with the levels before it (`cutUnsortedLevels`).
 */
export const SKIP_REASONS = [
  'unparseable',
  'crossed',
  'non-positive',
  'non-finite',
  'unmapped-symbol',
  'out-of-order',
  'duplicate',
  'unsorted-levels',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Checks a decoded record's prices; returns why it must be skipped, or undefined when it is fine. */
export function priceProblem(r: QuoteRecord): SkipReason | undefined {
  const { bid, ask } = r;
  if (!Number.isFinite(bid) || !Number.isFinite(ask)) return 'non-finite';
  if (bid <= 0 || ask <= 0) return 'non-positive';
  if (bid > ask) return 'crossed';
  return undefined;
}

/** True when `a` and `b` hold the same levels, price and size, on both sides. */
export function sameLevels(a: BookLevels, b: BookLevels): boolean {
  if (a.bidLevels !== b.bidLevels || a.askLevels !== b.askLevels) return false;
  for (let k = 0; k < a.bidLevels; k++) if (a.bidPx[k] !== b.bidPx[k] || a.bidSz[k] !== b.bidSz[k]) return false;
  for (let k = 0; k < a.askLevels; k++) if (a.askPx[k] !== b.askPx[k] || a.askSz[k] !== b.askSz[k]) return false;
  return true;
}
