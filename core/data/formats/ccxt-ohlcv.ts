import { ValidationError } from '../../errors.js';
import { headerNames, numberCell, splitCsv } from '../csv-cells.js';
import type { QuoteRecord } from '../quote-record.js';
import { setPrices, symbolOfLines, type DecodeContext, type Decoded, type FormatDecoder } from './decoder.js';

/**
 * ccxt OHLCV candles as CSV, `timestamp,open,high,low,close,volume` (header optional), where
 * `timestamp` is the candle's OPEN time. A candle is not a quote: each becomes one quote at its
 * CLOSE time (open + the candle period, inferred as the smallest step between the first 64
 * candles), mid = close, bid/ask = mid ∓ `halfSpreadBps` (required: the user says how wide the
 * market was, the file cannot). The symbol comes from a one-entry symbol map or the file name
 * (`upbit-KRW-BTC-15m.csv` → BTC).
 */
export class CcxtOhlcvDecoder implements FormatDecoder {
  detail = '';
  /** The candle period, ms (set by `probe`). */
  periodMs = 0;
  private col = { ts: 0, close: 4 };
  private readonly symbol: string;
  private readonly half: number;

  constructor(private readonly ctx: DecodeContext) {
    if (ctx.halfSpreadBps === undefined) {
      throw new ValidationError(
        [{ path: 'halfSpreadBps', message: 'ccxt-ohlcv needs the half-spread to quote around each close (--half-spread-bps N): a candle is not a quote' }],
        ctx.path,
      );
    }
    this.half = ctx.halfSpreadBps / 10_000;
    this.symbol = symbolOfLines(
      ctx,
      'A',
      'OHLCV candles carry no symbol: give a one-entry symbol map (e.g. --symbol-map KRW-BTC=BTC) or name the file after its market (upbit-KRW-BTC-15m.csv)',
    );
  }

  header(line: string): boolean {
    const names = headerNames(splitCsv(line));
    const ts = names.findIndex((n) => n === 'timestamp' || n === 'time' || n === 'date' || n === 'datetime');
    const close = names.indexOf('close');
    if (ts >= 0 && close >= 0) {
      this.col = { ts, close };
      return true;
    }
    if (Number.isFinite(numberCell(names[1]))) return false;
    throw new ValidationError(
      [{ path: '', message: `expected the header "timestamp,open,high,low,close,volume", found "${line.trim()}"` }],
      `${this.ctx.path}:1`,
    );
  }

  probe(lines: readonly string[]): void {
    let previous = NaN;
    let period = Infinity;
    for (const line of lines) {
      const cells = splitCsv(line);
      const ts = this.ctx.times.text(cells[this.col.ts] ?? '');
      if (ts !== ts) continue;
      if (ts > previous && ts - previous < period) period = ts - previous;
      previous = ts;
    }
    if (period === Infinity) {
      throw new ValidationError(
        [{ path: '', message: 'cannot infer the candle period: the first candles do not give two increasing open times' }],
        this.ctx.path,
      );
    }
    this.periodMs = period;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.trim() === '') return 'ignore';
    const cells = splitCsv(line);
    if (cells.length <= Math.max(this.col.ts, this.col.close)) {
      this.detail = `expected timestamp,open,high,low,close,volume, found ${cells.length} cells`;
      return 'unparseable';
    }
    const venue = this.ctx.venue ?? 'A';
    out.venue = venue;
    const open = this.ctx.times.text(cells[this.col.ts] as string);
    if (open !== open) return 'time';
    out.ts = open + this.periodMs;
    out.symbol = this.symbol;
    const mid = numberCell(cells[this.col.close]);
    setPrices(out, venue, mid * (1 - this.half), mid * (1 + this.half));
    return 'ok';
  }
}
