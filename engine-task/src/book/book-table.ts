import type { QuoteRecord } from '../../../core/data/quote-record.js';

/**
 * Top of book for every instrument of a shard, in preallocated typed arrays. Instrument `i` is
 * symbol `i >> 1` on venue `i & 1` (0 = venue A, 1 = venue B); prices are in the venue's own
 * quote currency. The FX rate converts venue A's prices into venue B's currency.
 *
 * Sizes (issue 19), kept only when `levels` > 0 (the `top-size` and `depth` execution models):
 * up to `levels` recorded levels a side per instrument, level k of instrument i at `i * levels + k`
 * (`bidPx`/`bidSz`, `askPx`/`askSz`, sizes in the base asset), `bidCount`/`askCount` the levels
 * the last update recorded (0: the update carried no size). `takenBid`/`takenAsk` is the size
 * paper fills have taken from that side since the instrument's last update: displayed liquidity
 * is consumed from the top and comes back only with the venue's next update of the book.
 */
export const VENUE_A = 0;
export const VENUE_B = 1;

export class BookTable {
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly updatedAt: Float64Array;
  /** Units of venue A's quote per unit of venue B's (1 when both quote alike). */
  fxRate: number;
  readonly bidPx: Float64Array;
  readonly bidSz: Float64Array;
  readonly askPx: Float64Array;
  readonly askSz: Float64Array;
  readonly bidCount: Uint8Array;
  readonly askCount: Uint8Array;
  readonly takenBid: Float64Array;
  readonly takenAsk: Float64Array;
  /** The record staged by `stage` for the next `update`, if that is of `stagedInstrument` (-1: none). */
  private stagedInstrument = -1;
  private staged: QuoteRecord | undefined;

  constructor(
    readonly symbolCount: number,
    fxRate: number,
    /** Levels kept a side per instrument: 0 keeps no size (the `top` model), 1 the top's size, more for `depth`. */
    readonly levels = 0,
  ) {
    const n = symbolCount * 2;
    this.bid = new Float64Array(n);
    this.ask = new Float64Array(n);
    this.updatedAt = new Float64Array(n);
    this.fxRate = fxRate;
    this.bidPx = new Float64Array(n * levels);
    this.bidSz = new Float64Array(n * levels);
    this.askPx = new Float64Array(n * levels);
    this.askSz = new Float64Array(n * levels);
    this.bidCount = new Uint8Array(levels > 0 ? n : 0);
    this.askCount = new Uint8Array(levels > 0 ? n : 0);
    this.takenBid = new Float64Array(levels > 0 ? n : 0);
    this.takenAsk = new Float64Array(levels > 0 ? n : 0);
  }

  /**
   * Holds the sizes of `record` (the feed's own record, not copied: read at the next `update`)
   * for the update of `instrument` that follows it. The next update takes them only if it is of
   * that instrument; any update clears the stage, so an update without sizes leaves its
   * instrument unsized.
   */
  stage(instrument: number, record: QuoteRecord): void {
    if (this.levels === 0) return;
    this.stagedInstrument = instrument;
    this.staged = record;
  }

  update(instrument: number, bid: number, ask: number, ts: number): void {
    this.bid[instrument] = bid;
    this.ask[instrument] = ask;
    this.updatedAt[instrument] = ts;
    if (this.levels > 0) this.updateSizes(instrument);
  }

  private updateSizes(instrument: number): void {
    this.takenBid[instrument] = 0;
    this.takenAsk[instrument] = 0;
    const r = this.staged;
    const staged = this.stagedInstrument === instrument;
    this.stagedInstrument = -1;
    if (!staged || r === undefined) {
      this.bidCount[instrument] = 0;
      this.askCount[instrument] = 0;
      return;
    }
    const L = this.levels;
    const base = instrument * L;
    const nb = Math.min(r.bidLevels, L);
    const na = Math.min(r.askLevels, L);
    for (let k = 0; k < nb; k++) {
      this.bidPx[base + k] = r.bidPx[k] as number;
      this.bidSz[base + k] = r.bidSz[k] as number;
    }
    for (let k = 0; k < na; k++) {
      this.askPx[base + k] = r.askPx[k] as number;
      this.askSz[base + k] = r.askSz[k] as number;
    }
    // Level 0 is the update's own top (a record's level 0 is its bid/ask).
    if (nb > 0) this.bidPx[base] = this.bid[instrument] as number;
    if (na > 0) this.askPx[base] = this.ask[instrument] as number;
    this.bidCount[instrument] = nb;
    this.askCount[instrument] = na;
  }

  /** True once both venues have quoted the symbol. */
  hasBothSides(symbol: number): boolean {
    return (this.ask[symbol * 2] as number) > 0 && (this.ask[symbol * 2 + 1] as number) > 0;
  }
}

export function instrumentOf(symbol: number, venue: number): number {
  return symbol * 2 + venue;
}
