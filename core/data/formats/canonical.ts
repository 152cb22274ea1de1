import { ValidationError } from '../../errors.js';
import { columnsOf, headerNames, numberCell, splitCsv } from '../csv-cells.js';
import { CsvLine } from '../csv-line.js';
import { MAX_BOOK_LEVELS, readLevels, setTopSizes, type QuoteRecord, type RecordVenue } from '../quote-record.js';
import { setPrices, stampAndMap, type DecodeContext, type Decoded, type FormatDecoder } from './decoder.js';

/** The canonical CSV header: the columns must be present (in any order; extra columns are ignored). */
export const CANONICAL_HEADER = 'ts,symbol,venue,bid,ask';
/** The optional column of a live recording's venue event time (ms; `ts` is then the arrival time): `QuoteRecord.exchangeTs`. */
export const EXCHANGE_TS_COLUMN = 'exchange_ts';
/** The optional size columns (issue 19): the top level's sizes, and the levels below the top as `price:size` pairs joined by `|`. */
export const SIZE_COLUMNS = ['bid_size', 'ask_size', 'bids', 'asks'] as const;

/**
 * The engine's canonical replay form, in one of two shapes told by the first line:
 * - CSV with a header naming `ts,symbol,venue,bid,ask`: `venue` is `A` or `B`; an FX row has
 *   symbol `FX`, an empty venue and the rate in `bid`;
 * - JSON lines: `{"ts":…,"symbol":"BTC","venue":"A","bid":…,"ask":…}` or `{"ts":…,"fx":1380}`.
 * `ts` is an epoch (unit per the source's time unit; ms when written by `arbfleet data import`)
 * or ISO-8601. Symbols go through the venue's symbol map (a bare base asset is itself).
 * An optional `exchange_ts` column (CSV; `exchangeTs` in JSON lines), epoch ms, empty when
 * unknown, is the venue's own event time of a live recording whose `ts` is the arrival time
 * (`core/data/live/replay-recorder.ts`); it becomes `QuoteRecord.exchangeTs` (NaN when absent).
 * Optional sizes (issue 19), base-asset units: `bid_size,ask_size` the top level's (both, or the
 * row is unsized), `bids,asks` the levels below the top, best first, as `price:size` pairs joined
 * by `|` (`159507000:0.035|159496000:0.0026`); JSON lines: `bidSize`, `askSize`, and `bids`/`asks`
 * as `[[price, size], …]` below the top. An empty cell or a missing field is no size.
 */
export class CanonicalDecoder implements FormatDecoder {
  detail = '';
  private json = false;
  private col = { ts: 0, symbol: 1, venue: 2, bid: 3, ask: 4 };
  /** Index of the `exchange_ts` column, or -1 without one. */
  private exchangeCol = -1;
  /** The header names the `exchange_ts` column (a live recording): `data import` keeps it. */
  get hasExchangeTs(): boolean {
    return this.exchangeCol >= 0;
  }
  /** Indexes of the size columns (`SIZE_COLUMNS`), -1 when absent. */
  private sizeCol = { bidSize: -1, askSize: -1, bids: -1, asks: -1 };
  private readonly csv = new CsvLine();
  /** The last symbol cell seen and its base (lines of one symbol follow each other: map once). */
  private lastSymbol = '\u0000';
  private lastBase: string | undefined;
  private lastVenue: RecordVenue = 'A';

  constructor(private readonly ctx: DecodeContext) {}

  header(line: string): boolean {
    const json = line.trimStart().startsWith('{');
    const declared = this.ctx.shape;
    if (declared !== undefined && json !== (declared === 'jsonl')) {
      const found = json ? 'a JSON line' : `"${line.trim().slice(0, 80)}"`;
      const expected = declared === 'jsonl' ? 'a JSON object per line' : `the header "${CANONICAL_HEADER}"`;
      throw new ValidationError([{ path: 'format', message: `declared ${declared}: expected ${expected} first, found ${found}` }], `${this.ctx.path}:1`);
    }
    if (json) {
      this.json = true;
      return false;
    }
    const names = headerNames(splitCsv(line));
    const col = columnsOf(names, { ts: 'ts', symbol: 'symbol', venue: 'venue', bid: 'bid', ask: 'ask' });
    if (Object.values(col).some((i) => i < 0)) {
      throw new ValidationError(
        [{ path: '', message: `expected the header "${CANONICAL_HEADER}" (or JSON lines), found "${line.trim()}"` }],
        `${this.ctx.path}:1`,
      );
    }
    this.col = col;
    this.exchangeCol = names.indexOf(EXCHANGE_TS_COLUMN);
    this.sizeCol = columnsOf(names, { bidSize: 'bid_size', askSize: 'ask_size', bids: 'bids', asks: 'asks' });
    return true;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) return 'ignore';
    return this.json ? this.decodeJson(line, out) : this.decodeCsv(line, out);
  }

  private decodeCsv(line: string, out: QuoteRecord): Decoded {
    const csv = this.csv;
    const c = this.col;
    if (csv.split(line) <= Math.max(c.ts, c.symbol, c.venue, c.bid)) {
      if (line.trim() === '') return 'ignore';
      this.detail = `expected the columns ${CANONICAL_HEADER}, found ${csv.count} cells`;
      return 'unparseable';
    }
    const isFx = csv.is(c.symbol, 'FX');
    out.bidLevels = 0;
    out.askLevels = 0;
    // An empty or missing cell is NaN (no exchange time), as `csv.num` reads it.
    out.exchangeTs = this.exchangeCol < 0 ? Number.NaN : csv.num(this.exchangeCol);
    const venue: RecordVenue | undefined = isFx ? 'FX' : csv.is(c.venue, 'A') ? 'A' : csv.is(c.venue, 'B') ? 'B' : undefined;
    if (venue === undefined) return this.fill(out, csv.text(c.ts), csv.text(c.symbol), csv.text(c.venue), csv.num(c.bid), csv.num(c.ask));
    out.venue = venue;
    const ts = this.ctx.times.cell(csv, c.ts);
    if (ts !== ts) return 'time';
    out.ts = ts;
    const bid = csv.num(c.bid);
    if (isFx) {
      out.symbol = 'FX';
      out.bid = bid;
      out.ask = bid;
      return 'ok';
    }
    const mapper = this.ctx.symbols[venue as 'A' | 'B'];
    if (!csv.is(c.symbol, this.lastSymbol)) {
      this.lastSymbol = csv.text(c.symbol);
      this.lastBase = mapper.map(this.lastSymbol);
      this.lastVenue = venue;
    } else if (this.lastVenue !== venue) {
      this.lastBase = mapper.map(this.lastSymbol);
      this.lastVenue = venue;
    } else if (this.lastBase === undefined) mapper.map(this.lastSymbol); // counted once per line
    if (this.lastBase === undefined) {
      this.detail = `symbol "${this.lastSymbol}" is not mapped to a base asset`;
      return 'unmapped-symbol';
    }
    out.symbol = this.lastBase;
    out.bid = bid;
    out.ask = csv.num(c.ask);
    if (this.sizeCol.bidSize >= 0 && this.sizeCol.askSize >= 0) this.readCsvSizes(out);
    return 'ok';
  }

  /** The size columns of the current CSV row into `out` (unsized when a top size is empty or not a number ≥ 0). */
  private readCsvSizes(out: QuoteRecord): void {
    const csv = this.csv;
    const z = this.sizeCol;
    setTopSizes(out, csv.num(z.bidSize), csv.num(z.askSize));
    if (out.bidLevels === 0) return;
    if (z.bids >= 0 && !csv.is(z.bids, '')) out.bidLevels = cellLevels(csv.text(z.bids), out.bidPx, out.bidSz);
    if (z.asks >= 0 && !csv.is(z.asks, '')) out.askLevels = cellLevels(csv.text(z.asks), out.askPx, out.askSz);
  }

  private decodeJson(line: string, out: QuoteRecord): Decoded {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (line.trim() === '') return 'ignore';
      this.detail = 'not valid JSON';
      return 'unparseable';
    }
    if (typeof o !== 'object' || o === null) {
      this.detail = 'expected a JSON object';
      return 'unparseable';
    }
    const ts = typeof o.ts === 'number' ? String(o.ts) : typeof o.ts === 'string' ? o.ts : '';
    out.exchangeTs = typeof o.exchangeTs === 'number' ? o.exchangeTs : Number.NaN;
    out.bidLevels = 0;
    out.askLevels = 0;
    if (o.fx !== undefined) return this.fill(out, ts, 'FX', '', toNumber(o.fx), NaN);
    const decoded = this.fill(out, ts, String(o.symbol ?? ''), String(o.venue ?? ''), toNumber(o.bid), toNumber(o.ask));
    if (decoded === 'ok' && o.bidSize !== undefined && o.askSize !== undefined) {
      setTopSizes(out, toNumber(o.bidSize), toNumber(o.askSize));
      if (out.bidLevels > 0) {
        out.bidLevels = readLevels(o.bids, out.bidPx, out.bidSz, 1);
        out.askLevels = readLevels(o.asks, out.askPx, out.askSz, 1);
      }
    }
    return decoded;
  }

  private fill(out: QuoteRecord, tsCell: string, symbol: string, venueCell: string, bid: number, ask: number): Decoded {
    const isFx = symbol === 'FX';
    const venue: RecordVenue | undefined = isFx
      ? 'FX'
      : venueCell === 'A' || venueCell === 'a'
        ? 'A'
        : venueCell === 'B' || venueCell === 'b'
          ? 'B'
          : undefined;
    if (venue === undefined) {
      this.detail = `venue must be A or B, found "${venueCell}"`;
      return 'unparseable';
    }
    out.venue = venue;
    const refused = stampAndMap(this, this.ctx, venue, this.ctx.times.text(tsCell), symbol, out);
    if (refused) return refused;
    setPrices(out, venue, bid, isFx ? bid : ask);
    return 'ok';
  }
}

/** `price:size|price:size…` (the levels below the top) into a side from level 1; returns the level count (1 + the pairs read, stopping at the first bad pair). */
function cellLevels(cell: string, px: Float64Array, sz: Float64Array): number {
  let n = 1;
  for (const pair of cell.split('|')) {
    if (n >= MAX_BOOK_LEVELS) break;
    const colon = pair.indexOf(':');
    const p = Number(pair.slice(0, colon));
    const q = Number(pair.slice(colon + 1));
    if (colon < 0 || !(p > 0 && p < Infinity && q >= 0 && q < Infinity)) break;
    px[n] = p;
    sz[n] = q;
    n++;
  }
  return n;
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? numberCell(v) : NaN;
}
