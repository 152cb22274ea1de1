/**
 * What every recorded-data reader yields: one top of book (or one FX rate) at its event time.
 * Readers fill a caller-owned record instead of allocating one per line.
 */

/** Venue A's quotes, venue B's quotes, or the FX rate (units of A's quote currency per unit of B's). */
export type RecordVenue = 'A' | 'B' | 'FX';

export interface QuoteRecord {
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

export function emptyRecord(): QuoteRecord {
  return { ts: 0, symbol: '', venue: 'A', bid: 0, ask: 0, exchangeTs: Number.NaN };
}

/**
 * Why a line was skipped. `unparseable`: not the format's shape (too few columns, not JSON, a
 * field that is not a number or a time); `crossed`: bid above ask; `non-positive`: a price at or
 * below zero; `non-finite`: NaN or infinite; `unmapped-symbol`: a symbol the map cannot name (the
 * names are listed separately); `out-of-order`: earlier than a line already read; `duplicate`: the
 * same time, symbol, venue and prices as the line before it for that instrument.
 */
export const SKIP_REASONS = ['unparseable', 'crossed', 'non-positive', 'non-finite', 'unmapped-symbol', 'out-of-order', 'duplicate'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Checks a decoded record's prices; returns why it must be skipped, or undefined when it is fine. */
export function priceProblem(r: QuoteRecord): SkipReason | undefined {
  const { bid, ask } = r;
  if (!Number.isFinite(bid) || !Number.isFinite(ask)) return 'non-finite';
  if (bid <= 0 || ask <= 0) return 'non-positive';
  if (bid > ask) return 'crossed';
  return undefined;
}
