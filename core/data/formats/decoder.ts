import type { ImportFormat } from '../../config/campaign-config.js';
import type { QuoteRecord, RecordVenue, SkipReason } from '../quote-record.js';
import type { SymbolMapper } from '../symbol-map.js';
import type { TimestampParser } from '../timestamps.js';

/** What a decoder needs to know about its source. */
export interface DecodeContext {
  format: ImportFormat;
  path: string;
  /** The venue every line is a quote of; undefined for `canonical`, whose lines say it. */
  venue: RecordVenue | undefined;
  times: TimestampParser;
  /** Symbol mappers for venues A and B (their quote currencies differ). */
  symbols: { A: SymbolMapper; B: SymbolMapper };
  /** Explicit map as given (symbol-less formats take a one-entry map's target as their symbol). */
  symbolMap: Readonly<Record<string, string>>;
  halfSpreadBps: number | undefined;
  /** `canonical` only: the shape the file was declared to have (`SourceSpec.shape`). */
  shape?: 'csv' | 'jsonl' | undefined;
}

/**
 * The outcome of decoding one line: `ok` (the record is filled), `ignore` (a blank or comment
 * line: not data), `time` (a timestamp refused: fatal, the reason in `times.refusal`), or the
 * reason it is skipped, with `detail` saying what was wrong. Plain strings, compared by identity
 * in the hot loop (no imported constants: transpilers turn those into getter calls).
 */
export type Decoded = 'ok' | 'ignore' | 'time' | SkipReason;

/**
 * One recorded-data format: reads a line into a caller-owned record. `header` sees the first
 * non-blank line and returns true when it was a header (it throws `ValidationError` when the
 * line can be neither); `probe` sees the first lines before any is decoded (e.g. to infer the
 * candle period).
 */
export interface FormatDecoder {
  /** What went wrong with the last line that did not decode `'ok'`. */
  detail: string;
  header(line: string): boolean;
  probe?(lines: readonly string[]): void;
  decode(line: string, out: QuoteRecord): Decoded;
}

/** Sets a record's symbol through the venue's map; false when unmapped (counted by the mapper). */
export function mapSymbol(ctx: DecodeContext, venue: RecordVenue, symbol: string, out: QuoteRecord): boolean {
  if (venue === 'FX') {
    out.symbol = 'FX';
    return true;
  }
  const base = ctx.symbols[venue].map(symbol);
  if (base === undefined) return false;
  out.symbol = base;
  return true;
}

/** Fills the prices of a record: for FX the mid is the rate. */
export function setPrices(out: QuoteRecord, venue: RecordVenue, bid: number, ask: number): void {
  out.venue = venue;
  if (venue === 'FX' && !(bid > ask)) {
    const mid = Number.isFinite(ask) ? (bid + ask) / 2 : bid;
    out.bid = mid;
    out.ask = mid;
  } else {
    out.bid = bid;
    out.ask = ask;
  }
}
