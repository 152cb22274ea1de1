import { ValidationError } from '../../errors.js';
import { headerNames, numberCell, splitCsv } from '../csv-cells.js';
import type { QuoteRecord } from '../quote-record.js';
import type { DecodeContext, Decoded, FormatDecoder } from './decoder.js';

const DATE = /^(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})$/;

/**
 * A daily rates CSV such as Investing.com's export (`../shared/data/real/USD-KRW-daily.csv`):
 * a date column (`날짜` or `Date`) and a close column (`종가`, `Price` or `Close`), dates like
 * `"2025- 08- 01"`, numbers like `"1,389.03"`, any row order (the reader sorts: exports are
 * newest first). A day's close is only known once the day is over, so the close of day D applies
 * from D+1 00:00 in the source's `tz` (default UTC: a Seoul 15:30 or New York 17:00 close is then
 * always in the past; never look-ahead).
 */
export class FxDailyDecoder implements FormatDecoder {
  detail = '';
  private col = { date: 0, close: 1 };
  constructor(private readonly ctx: DecodeContext) {}

  header(line: string): boolean {
    const names = headerNames(splitCsv(line));
    const date = names.findIndex((n) => n === '날짜' || n === 'date');
    const close = names.findIndex((n) => n === '종가' || n === 'price' || n === 'close');
    if (date < 0 || close < 0) {
      throw new ValidationError(
        [{ path: '', message: `expected a daily rates header with a date (날짜, Date) and a close (종가, Price, Close) column, found "${line.trim()}"` }],
        `${this.ctx.path}:1`,
      );
    }
    this.col = { date, close };
    return true;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.trim() === '') return 'ignore';
    const cells = splitCsv(line);
    out.venue = 'FX';
    out.symbol = 'FX';
    const m = DATE.exec((cells[this.col.date] ?? '').trim());
    if (!m) {
      this.detail = `expected a date such as 2025-08-01, found "${cells[this.col.date] ?? ''}"`;
      return 'unparseable';
    }
    const next = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
    const ts = this.ctx.times.text(next.toISOString().slice(0, 10));
    if (ts !== ts) return 'time';
    out.ts = ts;
    const rate = numberCell(cells[this.col.close]);
    out.bid = rate;
    out.ask = rate;
    return 'ok';
  }
}
