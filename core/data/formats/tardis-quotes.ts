import { ValidationError } from '../../errors.js';
import { columnsOf, headerNames, numberCell, splitCsv } from '../csv-cells.js';
import { setTopSizes, type QuoteRecord } from '../quote-record.js';
import { setPrices, stampAndMap, type DecodeContext, type Decoded, type FormatDecoder } from './decoder.js';

const HEADER = 'exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount';

/**
 * Tardis.dev `quotes` CSV (https://docs.tardis.dev/downloadable-csv-files#quotes):
 * `exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount`, times in
 * µs since the epoch. `timestamp` (the exchange's own) is the event time; columns are matched by
 * name, so extra or reordered columns read the same. `bid_amount`/`ask_amount` are kept as the
 * top level's sizes.
 */
export class TardisQuotesDecoder implements FormatDecoder {
  detail = '';
  private col = { symbol: 1, ts: 2, askAmount: 4, ask: 5, bid: 6, bidAmount: 7 };
  constructor(private readonly ctx: DecodeContext) {}

  header(line: string): boolean {
    const names = headerNames(splitCsv(line));
    const col = columnsOf(names, { symbol: 'symbol', ts: 'timestamp', askAmount: 'ask_amount', ask: 'ask_price', bid: 'bid_price', bidAmount: 'bid_amount' });
    if (col.symbol < 0 || col.ts < 0 || col.ask < 0 || col.bid < 0)
      throw new ValidationError([{ path: '', message: `expected the Tardis quotes header "${HEADER}", found "${line.trim()}"` }], `${this.ctx.path}:1`);
    this.col = col;
    return true;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.trim() === '') return 'ignore';
    const cells = splitCsv(line);
    const c = this.col;
    if (cells.length <= Math.max(c.symbol, c.ts, c.ask, c.bid)) {
      this.detail = `expected ${HEADER}, found ${cells.length} cells`;
      return 'unparseable';
    }
    const venue = this.ctx.venue ?? 'A';
    out.venue = venue;
    const refused = stampAndMap(this, this.ctx, venue, this.ctx.times.text(cells[c.ts] as string), (cells[c.symbol] as string).trim(), out);
    if (refused) return refused;
    setPrices(out, venue, numberCell(cells[c.bid]), numberCell(cells[c.ask]));
    if (venue !== 'FX')
      setTopSizes(out, c.bidAmount < 0 ? Number.NaN : numberCell(cells[c.bidAmount]), c.askAmount < 0 ? Number.NaN : numberCell(cells[c.askAmount]));
    return 'ok';
  }
}
