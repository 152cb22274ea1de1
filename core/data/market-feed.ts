import type { QuoteRecord } from './quote-record.js';

/** Where a feed delivers market updates: the engine (or, in the bare benchmark, just a book). */
export interface QuoteSink {
  /**
   * A new top of book for instrument `symbol * 2 + venue`, prices in the venue's quote currency.
   * `ts` is the update's time on the feed's clock (a live feed: when it arrived; a replay: its
   * recorded `ts`); `exchangeTs` the venue's own event time for it, ms, when the venue gives one
   * (Upbit's `timestamp`), else absent or NaN. The engine ages quotes by `exchangeTs` when given.
   */
  onQuote(instrument: number, bid: number, ask: number, ts: number, exchangeTs?: number): void;
  /** A new FX rate (units of venue A's quote per unit of venue B's); `exchangeTs` as for `onQuote`. */
  onFx(rate: number, ts: number, exchangeTs?: number): void;
  /**
   * The recorded book levels (sizes, depth) of the update the feed delivers next by `onQuote`,
   * for the same instrument: called only for a record that has sizes (`QuoteRecord.bidLevels`
   * > 0). The record is the feed's own and is overwritten after `onQuote`: read it, do not keep it.
   */
  onLevels?(instrument: number, record: QuoteRecord): void;
}

/**
 * A source of market updates for one shard's instruments. Feeds are pulled in slices by the
 * runner so that one slice never holds the event loop for long.
 */
export interface MarketFeed {
  /** Delivers, in time order, updates stamped at or before `untilMs`, at most `maxTicks`; returns how many. */
  emitUntil(untilMs: number, maxTicks: number, sink: QuoteSink): number;
  /** The timestamp of the next update, or `Infinity` when the feed is exhausted. */
  nextTickAt(): number;
  /** Moves the feed's time base so that its next update is due at `ms` (resuming in real time). */
  rebase(ms: number): void;
  /** The feed's resumable state, for a checkpoint. */
  state(): Record<string, unknown>;
}
