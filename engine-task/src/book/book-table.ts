/**
 * Top of book for every instrument of a shard, in preallocated typed arrays. Instrument `i` is
 * symbol `i >> 1` on venue `i & 1` (0 = venue A, 1 = venue B); prices are in the venue's own
 * quote currency. The FX rate converts venue A's prices into venue B's currency.
 */
export const VENUE_A = 0;
export const VENUE_B = 1;

export class BookTable {
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly updatedAt: Float64Array;
  /** Units of venue A's quote per unit of venue B's (1 when both quote alike). */
  fxRate: number;

  constructor(
    readonly symbolCount: number,
    fxRate: number,
  ) {
    this.bid = new Float64Array(symbolCount * 2);
    this.ask = new Float64Array(symbolCount * 2);
    this.updatedAt = new Float64Array(symbolCount * 2);
    this.fxRate = fxRate;
  }

  update(instrument: number, bid: number, ask: number, ts: number): void {
    this.bid[instrument] = bid;
    this.ask[instrument] = ask;
    this.updatedAt[instrument] = ts;
  }

  /** True once both venues have quoted the symbol. */
  hasBothSides(symbol: number): boolean {
    return (this.ask[symbol * 2] as number) > 0 && (this.ask[symbol * 2 + 1] as number) > 0;
  }
}

export function instrumentOf(symbol: number, venue: number): number {
  return symbol * 2 + venue;
}
