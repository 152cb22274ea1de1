import { randomUUID } from 'node:crypto';
import { type BookLevels, emptyLevels, MAX_BOOK_LEVELS } from '../quote-record.js';

/** The venues whose public streams the live feed speaks. */
export const LIVE_VENUES = ['upbit', 'binance'] as const;
export type LiveVenue = (typeof LIVE_VENUES)[number];

/** How often a protocol's `keepAlive` message is sent on an open socket (ms). */
export const KEEP_ALIVE_MS = 60_000;

/** Why a received frame gave no quote. */
export type SkipReason = 'malformed' | 'crossed' | 'unknown-symbol' | 'venue-error';

/**
 * Where a decoded frame's quote lands: one preallocated object per connection, overwritten by
 * every decode, so decoding allocates nothing beyond what `JSON.parse` does. Its levels (`BookLevels`) are those the last decode read a side
 * (0: none wanted, or the frame carried no size): Upbit's `orderbook_units` give up to the units
 * subscribed (`.15` when more than one level is wanted); Binance's `bookTicker` gives the top's `B`/`A`.
 */
export interface DecodedQuote extends BookLevels {
  /** The venue's own market code, e.g. `KRW-BTC` (Upbit) or `BTCUSDT` (Binance). */
  code: string;
  bid: number;
  ask: number;
  /**
   * The venue's own event time of the quote, ms since the epoch: Upbit's `timestamp`; for Binance
   * the connection's venue clock (below); NaN when there is none yet.
   */
  exchangeTs: number;
  /**
   * The latest event time the venue has stamped on this connection, ms (Binance: the `E` of the
   * clock stream's `depthUpdate` frames); NaN until one came. Kept across decodes, reset on each
   * (re)connect by the connection.
   */
  venueClock: number;
  /**
   * Levels a side to read from a frame (issue 19's `top-size` and `depth` models; 0: prices
   * only), at most `MAX_BOOK_LEVELS`: set once by the connection from the feed's `levels`.
   */
  levelsWanted: number;
}

/** A connection's scratch quote, allocated once: `levelsWanted` levels a side are read from each frame. */
export function decodedQuote(levelsWanted = 0): DecodedQuote {
  return {
    code: '',
    bid: 0,
    ask: 0,
    exchangeTs: Number.NaN,
    venueClock: Number.NaN,
    levelsWanted: Math.min(levelsWanted, MAX_BOOK_LEVELS),
    ...emptyLevels(),
  };
}

/** Upbit's order-book units asked for when more than the top is wanted (it offers 1, 5, 15 or 30; `MAX_BOOK_LEVELS` is 20). */
export const UPBIT_DEPTH_UNITS = 15;

/** What a frame was: a quote (in the scratch object), a frame to ignore, or a skip with its reason. */
export type DecodeResult = 'quote' | 'ignore' | SkipReason;

/**
 * One venue's public top-of-book stream: its default endpoint, the subscription for a set of
 * markets, and the decoder of its frames. Sources (checked 2026-11-30):
 * - Upbit: `wss://api.upbit.com/websocket/v1`; a subscription is a JSON array
 *   `[{ticket}, {type: "orderbook", codes: ["KRW-BTC.1"]}, {format: "DEFAULT"}]` (`.1` asks for
 *   one level, `.15` for fifteen when the `depth` model walks them; supported units 1/5/15/30,
 *   docs.upbit.com changelog "websocket_orderbook_unit_options", v1.5.8); frames are BINARY JSON
 *   `{type: "orderbook", code, timestamp, orderbook_units: [{ask_price, bid_price, ask_size, bid_size}], stream_type}`,
 *   errors `{error: {name, message}}` (docs.upbit.com/reference/websocket-orderbook, /reference/connection;
 *   real frames in `../shared/cases/upbit_ws.jsonl`).
 * - Binance spot: combined streams at `wss://stream.binance.com:9443/stream?streams=btcusdt@bookTicker/…`
 *   (symbols lower-case in stream names), text frames `{stream, data: {u, s, b, B, a, A}}`, prices
 *   as decimal strings (binance-spot-api-docs web-socket-streams.md "Individual Symbol Book Ticker Streams").
 *
 * Exchange time (checked 2026-12-07). Upbit's order book frame carries `timestamp` (ms, the
 * venue's time of the book; docs.upbit.com/reference/websocket-orderbook): it becomes
 * `DecodedQuote.exchangeTs`. Binance spot's `bookTicker` carries none (`u` is an order-book
 * update id, not a time). The spot streams that carry one were weighed as the quote source and
 * not taken: `<symbol>@depth@100ms` (`depthUpdate`, event time `E`) is a diff stream batched per
 * 100 ms that needs a REST snapshot and a local book to give a top of book; `<symbol>@ticker` has
 * `E` and the best bid/ask but is pushed once a second; the spot partial-depth stream
 * (`@depth5@100ms`) has no `E`; USD-M futures' `bookTicker` has `E` and `T` but quotes the
 * perpetual, not the spot book this strategy trades; the SBE stream `<symbol>@bestBidAsk`
 * (stream-sbe.binance.com) has a real-time event time in µs but needs an Ed25519 API key and SBE
 * decoding. So Binance quotes stay on `bookTicker` (real-time, keyless), and the same combined
 * connection also carries one clock stream, `<first symbol>@depth@100ms`, read only for its `E`:
 * the venue's clock as last heard on that connection (`DecodedQuote.venueClock`). A `bookTicker`
 * is stamped with it: a lower bound of its own event time (the depth event is emitted at the end
 * of its 100 ms batch, before later book changes), so its age is overstated by up to about
 * 100 ms, never understated, and a stall delays the clock frames with the quotes on the shared
 * socket: a catch-up burst of book tickers is stamped as old as it is. Before the first clock
 * frame of a connection, a Binance quote has no exchange time and is aged by its arrival (the
 * fallback for any venue that gives no time).
 */
export interface VenueProtocol {
  readonly venue: LiveVenue;
  readonly defaultEndpoint: string;
  /** The venue's market code for a base asset quoted in `quoteCurrency`, as its frames name it. */
  marketCode(base: string, quoteCurrency: string): string;
  /** The URL to open for `codes` (Binance subscribes in the URL). */
  url(endpoint: string, codes: readonly string[]): string;
  /**
   * Messages to send once open (Upbit subscribes by message, asking for `UPBIT_DEPTH_UNITS` units
   * when `levels` > 1, else one); empty when the URL subscribes.
   */
  subscribe(codes: readonly string[], levels?: number): string[];
  /**
   * A text message that keeps an otherwise quiet connection open, sent every `KEEP_ALIVE_MS`
   * (Upbit closes a connection idle for 120 s; it answers `PING` with `{"status":"UP"}`).
   */
  readonly keepAlive?: string;
  /** Decodes one frame into `out`; never throws. */
  decode(frame: Buffer | string, out: DecodedQuote): DecodeResult;
}

export const upbitProtocol: VenueProtocol = {
  venue: 'upbit',
  defaultEndpoint: 'wss://api.upbit.com/websocket/v1',
  marketCode: (base, quoteCurrency) => `${quoteCurrency}-${base}`,
  url: (endpoint) => endpoint,
  subscribe: (codes, levels = 0) => {
    const units = levels > 1 ? UPBIT_DEPTH_UNITS : 1;
    return [JSON.stringify([{ ticket: `arbfleet-${randomUUID()}` }, { type: 'orderbook', codes: codes.map((c) => `${c}.${units}`) }, { format: 'DEFAULT' }])];
  },
  keepAlive: 'PING',
  decode(frame, out) {
    const o = parseObject(frame);
    if (o === undefined) return 'malformed';
    if (o.error !== undefined) return 'venue-error';
    if (o.status !== undefined) return 'ignore'; // {"status":"UP"}, the answer to a keep-alive PING
    if (o.type !== 'orderbook' || typeof o.code !== 'string' || !Array.isArray(o.orderbook_units)) return 'malformed';
    const top = o.orderbook_units[0] as Record<string, unknown> | undefined;
    if (typeof top !== 'object' || top === null) return 'malformed';
    const result = fill(out, o.code, top.bid_price, top.ask_price);
    out.exchangeTs = typeof o.timestamp === 'number' && Number.isFinite(o.timestamp) ? o.timestamp : Number.NaN;
    if (result === 'quote' && out.levelsWanted > 0) upbitLevels(o.orderbook_units, out);
    return result;
  },
};

export const binanceProtocol: VenueProtocol = {
  venue: 'binance',
  defaultEndpoint: 'wss://stream.binance.com:9443/stream',
  marketCode: (base, quoteCurrency) => `${base}${quoteCurrency}`,
  url: (endpoint, codes) => {
    const streams = codes.map((c) => `${c.toLowerCase()}@bookTicker`);
    // One clock stream per connection (see above): its depthUpdate frames carry the venue's event time E.
    if (codes.length > 0) streams.push(`${(codes[0] as string).toLowerCase()}@depth@100ms`);
    return `${endpoint}?streams=${streams.join('/')}`;
  },
  subscribe: () => [],
  decode(frame, out) {
    const o = parseObject(frame);
    if (o === undefined) return 'malformed';
    if (o.id !== undefined && o.result !== undefined) return 'ignore'; // an answer to a method call
    if (o.error !== undefined) return 'venue-error';
    const d = o.data as Record<string, unknown> | undefined;
    if (typeof d !== 'object' || d === null || typeof d.s !== 'string') return 'malformed';
    if (d.e === 'depthUpdate') {
      // The clock stream: only its event time is read; the venue's clock never runs back.
      if (typeof d.E === 'number' && Number.isFinite(d.E) && !(d.E <= out.venueClock)) out.venueClock = d.E;
      return 'ignore';
    }
    out.exchangeTs = out.venueClock; // bookTicker carries no event time: the connection's venue clock (see above)
    const result = fill(out, d.s, d.b, d.a);
    if (result === 'quote' && out.levelsWanted > 0) binanceTopSizes(d.B, d.A, out);
    return result;
  },
};

/** The protocol of a venue named in `venues.a/b.name`, or undefined when the live feed does not speak it. */
export function protocolOf(venueName: string): VenueProtocol | undefined {
  if (venueName === 'upbit') return upbitProtocol;
  if (venueName === 'binance') return binanceProtocol;
  return undefined;
}

function parseObject(frame: Buffer | string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof frame === 'string' ? frame : frame.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function fill(out: DecodedQuote, code: string, bidValue: unknown, askValue: unknown): DecodeResult {
  const bid = typeof bidValue === 'string' ? Number(bidValue) : bidValue;
  const ask = typeof askValue === 'string' ? Number(askValue) : askValue;
  if (typeof bid !== 'number' || typeof ask !== 'number' || !(bid > 0) || !(ask > 0) || !Number.isFinite(bid) || !Number.isFinite(ask)) return 'malformed';
  if (bid > ask) return 'crossed';
  out.code = code;
  out.bid = bid;
  out.ask = ask;
  return 'quote';
}

/** A size as the venues send it (a number, or Binance's decimal string); NaN when it is neither. */
function sizeOf(value: unknown): number {
  return typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
}

/**
 * Reads Upbit's `orderbook_units` (`{ask_price, bid_price, ask_size, bid_size}`, best first) into
 * the levels of `out`, at most `levelsWanted` a side; a side stops at its first unit that is not
 * a positive finite price with a finite size ≥ 0 (no size at all: the quote is unsized).
 */
function upbitLevels(units: unknown[], out: DecodedQuote): void {
  const n = Math.min(units.length, out.levelsWanted);
  let nb = 0;
  let na = 0;
  let bidsOk = true;
  let asksOk = true;
  for (let k = 0; k < n && (bidsOk || asksOk); k++) {
    const unit = units[k] as Record<string, unknown> | null;
    if (typeof unit !== 'object' || unit === null) break;
    if (bidsOk) {
      const p = sizeOf(unit.bid_price);
      const q = sizeOf(unit.bid_size);
      if (p > 0 && p < Infinity && q >= 0 && q < Infinity) {
        out.bidPx[nb] = p;
        out.bidSz[nb++] = q;
      } else bidsOk = false;
    }
    if (asksOk) {
      const p = sizeOf(unit.ask_price);
      const q = sizeOf(unit.ask_size);
      if (p > 0 && p < Infinity && q >= 0 && q < Infinity) {
        out.askPx[na] = p;
        out.askSz[na++] = q;
      } else asksOk = false;
    }
  }
  // Both sides or neither: a record with one side sized would fill the other in full (`execution-model.ts`).
  const sized = nb > 0 && na > 0;
  out.bidLevels = sized ? nb : 0;
  out.askLevels = sized ? na : 0;
}

/** Binance's `bookTicker` sizes (`B` at the bid, `A` at the ask, decimal strings) as one level a side; unsized when either is not a finite number ≥ 0. */
function binanceTopSizes(bidSize: unknown, askSize: unknown, out: DecodedQuote): void {
  const b = sizeOf(bidSize);
  const a = sizeOf(askSize);
  const sized = b >= 0 && b < Infinity && a >= 0 && a < Infinity;
  out.bidPx[0] = out.bid;
  out.bidSz[0] = b;
  out.askPx[0] = out.ask;
  out.askSz[0] = a;
  out.bidLevels = sized ? 1 : 0;
  out.askLevels = sized ? 1 : 0;
}
