import type { QuoteSink } from '../market-feed.js';
import { type BookLevels, emptyRecord, type QuoteRecord } from '../quote-record.js';

/** The instrument number of an FX update in the ring (quotes are `symbol * 2 + venue`). */
export const FX_INSTRUMENT = -1;

/** One update's book levels as the ring takes them (a venue connection's scratch: `venue-protocol.ts`'s `DecodedQuote`). */
export type RingLevels = BookLevels;

/**
 * A fixed-size first-in first-out queue of market updates between the sockets (which push as
 * frames arrive) and the engine (which takes them in `emitUntil`): typed arrays, allocated once.
 * When full, the oldest update is dropped and counted in `overflowed`: a shard that falls this
 * far behind has stale quotes anyway, and memory stays bounded.
 *
 * With `levels` > 0 (issue 19's `top-size` and `depth` models) each update also keeps up to
 * `levels` book levels a side (price and size, `capacity × levels × 4` doubles: 8,192 updates of
 * 15 levels are 3.9 MB), handed to the sink's `onLevels` just before its `onQuote`, as the replay
 * feed hands a sized record (`QuoteSink.onLevels`).
 */
export class QuoteRing {
  private readonly ts: Float64Array;
  /** The venue's own event time of each update (NaN when the venue gives none). */
  private readonly exchangeTs: Float64Array;
  private readonly instrument: Int32Array;
  private readonly bid: Float64Array;
  private readonly ask: Float64Array;
  private readonly mask: number;
  /** Levels kept a side per update (0: none), and their storage: update i's level k at `i * levels + k`. */
  readonly levels: number;
  private readonly bidCount: Uint8Array;
  private readonly askCount: Uint8Array;
  private readonly bidPx: Float64Array;
  private readonly bidSz: Float64Array;
  private readonly askPx: Float64Array;
  private readonly askSz: Float64Array;
  /** The record handed to `onLevels`, overwritten for each update. */
  private readonly record: QuoteRecord = emptyRecord();
  private head = 0;
  private tail = 0;
  /** Updates dropped because the ring was full. */
  overflowed = 0;

  /** `capacity` is rounded up to a power of two; `levels` (default 0) book levels are kept a side per update. */
  constructor(capacity = 65_536, levels = 0) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
    this.mask = size - 1;
    this.ts = new Float64Array(size);
    this.exchangeTs = new Float64Array(size);
    this.instrument = new Int32Array(size);
    this.bid = new Float64Array(size);
    this.ask = new Float64Array(size);
    this.levels = levels;
    const kept = levels > 0 ? size : 0;
    this.bidCount = new Uint8Array(kept);
    this.askCount = new Uint8Array(kept);
    this.bidPx = new Float64Array(kept * levels);
    this.bidSz = new Float64Array(kept * levels);
    this.askPx = new Float64Array(kept * levels);
    this.askSz = new Float64Array(kept * levels);
  }

  get length(): number {
    return this.tail - this.head;
  }

  /**
   * Queues one update arrived at `ts` (the feed's clock), with the venue's own `exchangeTs` (NaN
   * when none) and, when the ring keeps levels, up to `levels` of `book`'s a side (copied; none: unsized).
   */
  push(ts: number, instrument: number, bid: number, ask: number, exchangeTs = Number.NaN, book?: RingLevels): void {
    if (this.tail - this.head > this.mask) {
      this.head++;
      this.overflowed++;
    }
    const i = this.tail & this.mask;
    this.ts[i] = ts;
    this.exchangeTs[i] = exchangeTs;
    this.instrument[i] = instrument;
    this.bid[i] = bid;
    this.ask[i] = ask;
    if (this.levels > 0) this.keepLevels(i, book);
    this.tail++;
  }

  private keepLevels(i: number, book: RingLevels | undefined): void {
    const L = this.levels;
    const nb = book === undefined ? 0 : Math.min(book.bidLevels, L);
    const na = book === undefined ? 0 : Math.min(book.askLevels, L);
    this.bidCount[i] = nb;
    this.askCount[i] = na;
    if (book === undefined) return;
    const base = i * L;
    for (let k = 0; k < nb; k++) {
      this.bidPx[base + k] = book.bidPx[k] as number;
      this.bidSz[base + k] = book.bidSz[k] as number;
    }
    for (let k = 0; k < na; k++) {
      this.askPx[base + k] = book.askPx[k] as number;
      this.askSz[base + k] = book.askSz[k] as number;
    }
  }

  /** The time of the oldest update, or `Infinity` when empty. */
  peekTs(): number {
    return this.head < this.tail ? (this.ts[this.head & this.mask] as number) : Infinity;
  }

  /**
   * Hands updates stamped at or before `untilMs`, oldest first (in arrival order), at most `max`,
   * to `sink` with their arrival time and exchange time (`instrument` `FX_INSTRUMENT` goes to
   * `onFx` with the rate in `bid`). Returns how many.
   */
  drain(untilMs: number, max: number, sink: QuoteSink): number {
    let n = 0;
    while (n < max && this.head < this.tail) {
      const i = this.head & this.mask;
      const ts = this.ts[i] as number;
      if (ts > untilMs) break;
      const instrument = this.instrument[i] as number;
      const exchangeTs = this.exchangeTs[i] as number;
      if (instrument === FX_INSTRUMENT) sink.onFx(this.bid[i] as number, ts, exchangeTs);
      else {
        // Sizes and depth go just before their quote, as the replay feed hands them (`QuoteSink.onLevels`).
        if (this.levels > 0 && (this.bidCount[i] as number) > 0 && sink.onLevels !== undefined) sink.onLevels(instrument, this.levelsOf(i));
        sink.onQuote(instrument, this.bid[i] as number, this.ask[i] as number, ts, exchangeTs);
      }
      this.head++;
      n++;
    }
    return n;
  }

  /** Update `i`'s levels in the shared record (level 0 at its bid and ask). */
  private levelsOf(i: number): QuoteRecord {
    const r = this.record;
    const L = this.levels;
    const base = i * L;
    const nb = this.bidCount[i] as number;
    const na = this.askCount[i] as number;
    r.bid = this.bid[i] as number;
    r.ask = this.ask[i] as number;
    for (let k = 0; k < nb; k++) {
      r.bidPx[k] = this.bidPx[base + k] as number;
      r.bidSz[k] = this.bidSz[base + k] as number;
    }
    for (let k = 0; k < na; k++) {
      r.askPx[k] = this.askPx[base + k] as number;
      r.askSz[k] = this.askSz[base + k] as number;
    }
    r.bidLevels = nb;
    r.askLevels = na;
    return r;
  }
}
