import { basename } from 'node:path';
import type { ImportFormat } from '../../config/campaign-config.js';
import { ValidationError } from '../../errors.js';
import type { QuoteRecord, RecordVenue, SkipReason } from '../quote-record.js';
import { type SymbolMapper, symbolOfFile } from '../symbol-map.js';
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

/**
 * The one symbol of a file whose lines name none: `FX` for the FX venue, else a one-entry symbol
 * map's target or the market in the file's name (`symbolOfFile`, through `venue`'s mapper when
 * the context names no venue).
 * @throws ValidationError at `symbolMap`, saying `missing` (what the format lacks and what to give), when neither names one.
 */
export function symbolOfLines(ctx: DecodeContext, venue: 'A' | 'B', missing: string): string {
  if (ctx.venue === 'FX') return 'FX';
  const symbol = symbolOfFile(basename(ctx.path), ctx.symbols[ctx.venue ?? venue], ctx.symbolMap);
  if (symbol === undefined || symbol === '') throw new ValidationError([{ path: 'symbolMap', message: missing }], ctx.path);
  return symbol;
}

/**
 * Stamps a record with `ts` (engine time, ms; NaN when the decoder's timestamp was refused) and
 * sets its symbol through the venue's map: undefined when both are done, else the outcome (`time`,
 * or `unmapped-symbol` with the decoder's `detail` naming the symbol).
 */
export function stampAndMap(decoder: FormatDecoder, ctx: DecodeContext, venue: RecordVenue, ts: number, symbol: string, out: QuoteRecord): Decoded | undefined {
  if (ts !== ts) return 'time';
  out.ts = ts;
  if (mapSymbol(ctx, venue, symbol, out)) return undefined;
  decoder.detail = `symbol "${symbol}" is not mapped to a base asset`;
  return 'unmapped-symbol';
}

/**
 * A format of JSON lines with no header: a blank line is ignored, one that is not JSON is
 * `unparseable` ("not valid JSON"); each value goes to `decodeValue`.
 */
export abstract class JsonLinesDecoder implements FormatDecoder {
  detail = '';
  constructor(protected readonly ctx: DecodeContext) {}

  header(): boolean {
    return false;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.trim() === '') return 'ignore';
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.detail = 'not valid JSON';
      return 'unparseable';
    }
    return this.decodeValue(value, out);
  }

  /** One line's JSON value into `out`. */
  protected abstract decodeValue(value: unknown, out: QuoteRecord): Decoded;
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
