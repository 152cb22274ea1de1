import { ValidationError } from '../../errors.js';
import { columnsOf, headerNames, numberCell, splitCsv } from '../csv-cells.js';
import { CsvLine } from '../csv-line.js';
import { setTopSizes, type QuoteRecord, type RecordVenue } from '../quote-record.js';
import { setPrices, symbolOfLines, type DecodeContext, type Decoded, type FormatDecoder } from './decoder.js';

const HEADER = 'update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time';

/**
 * Binance public data `bookTicker` CSV (data.binance.vision): `update_id,best_bid_price,
 * best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time`, with or without the
 * header; times in ms (µs in newer files: the time unit is judged per value). The event time is
 * `transaction_time` (when the book changed), `event_time` when that is empty. The lines carry no
 * symbol: it comes from a one-entry symbol map or the file name (`BTCUSDT-bookTicker-….csv`).
 * `best_bid_qty`/`best_ask_qty` are kept as the top level's sizes (`QuoteRecord.bidSz[0]`).
 */
export class BinanceBookTickerDecoder implements FormatDecoder {
  detail = '';
  private col = { bid: 1, bidQty: 2, ask: 3, askQty: 4, ts: 5, event: 6 };
  private readonly symbol: string;
  private readonly venue: RecordVenue;
  private readonly csv = new CsvLine();

  constructor(private readonly ctx: DecodeContext) {
    this.venue = ctx.venue ?? 'B';
    this.symbol = symbolOfLines(
      ctx,
      'B',
      'bookTicker lines carry no symbol: give a one-entry symbol map (e.g. --symbol-map BTCUSDT=BTC) or keep the file name Binance gives it (BTCUSDT-bookTicker-….csv)',
    );
  }

  header(line: string): boolean {
    const names = headerNames(splitCsv(line));
    if (Number.isFinite(numberCell(names[0]))) return false;
    const col = columnsOf(names, {
      bid: 'best_bid_price',
      bidQty: 'best_bid_qty',
      ask: 'best_ask_price',
      askQty: 'best_ask_qty',
      ts: 'transaction_time',
      event: 'event_time',
    });
    if (col.bid < 0 || col.ask < 0 || (col.ts < 0 && col.event < 0))
      throw new ValidationError([{ path: '', message: `expected the bookTicker header "${HEADER}", found "${line.trim()}"` }], `${this.ctx.path}:1`);
    if (col.ts < 0) col.ts = col.event;
    this.col = col;
    return true;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.length === 0) return 'ignore';
    const csv = this.csv;
    const c = this.col;
    if (csv.split(line) <= Math.max(c.bid, c.ask, c.ts)) {
      if (line.trim() === '') return 'ignore';
      this.detail = `expected ${HEADER}, found ${csv.count} cells`;
      return 'unparseable';
    }
    const venue = this.venue;
    out.venue = venue;
    const ts = this.ctx.times.cell(csv, csv.is(c.ts, '') ? c.event : c.ts);
    if (ts !== ts) return 'time';
    out.ts = ts;
    out.symbol = this.symbol;
    const bid = csv.num(c.bid);
    const ask = csv.num(c.ask);
    if (venue === 'FX') setPrices(out, venue, bid, ask);
    else {
      out.bid = bid;
      out.ask = ask;
      setTopSizes(out, c.bidQty < 0 ? Number.NaN : csv.num(c.bidQty), c.askQty < 0 ? Number.NaN : csv.num(c.askQty));
    }
    return 'ok';
  }
}
