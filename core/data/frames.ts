/**
 * Decoders of the two venues' live market-data frames, hand-written for speed: they read the few
 * fields a quote needs straight from the frame's text (`indexOf` and `Number` on slices) instead
 * of building the whole object with `JSON.parse` (an Upbit order-book frame carries 15 levels of
 * which only the first is used). Shared by the live feeds (`core/data/live/`) and
 * `npm run bench -- --ingest N`, which measures them against `JSON.parse` on the same frames.
 *
 * Each decoder fills a caller-owned `FrameQuote` and returns true, or returns false for a frame
 * that is not a quote of that shape (a subscription answer, an error, a malformed frame): the
 * caller may then `JSON.parse` it to see what it is. Prices are not validated here: a crossed or
 * zero quote is the engine's to skip and count.
 */

/** A decoded top of book. */
export interface FrameQuote {
  /** The venue's symbol as in the frame (`BTCUSDT`, `KRW-BTC`). */
  symbol: string;
  bid: number;
  ask: number;
  /** Event time stamped by the venue, ms since the epoch; NaN when the frame has none (Binance spot bookTicker). */
  ts: number;
}

export function emptyFrameQuote(): FrameQuote {
  return { symbol: '', bid: NaN, ask: NaN, ts: NaN };
}

/**
 * Binance book ticker (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#individual-symbol-book-ticker-streams):
 * `{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`,
 * bare or wrapped by a combined stream (`{"stream":"bnbusdt@bookTicker","data":{…}}`). Spot frames
 * carry no event time (`ts` NaN: stamp it on receipt); futures frames' `T` (transaction time, else `E`) is used.
 */
export function decodeBinanceBookTicker(frame: string, out: FrameQuote): boolean {
  const s = frame.indexOf('"s":"');
  if (s < 0) return false;
  const sEnd = frame.indexOf('"', s + 5);
  const b = frame.indexOf('"b":"', sEnd);
  if (b < 0) return false;
  const bEnd = frame.indexOf('"', b + 5);
  const a = frame.indexOf('"a":"', bEnd);
  if (a < 0) return false;
  const aEnd = frame.indexOf('"', a + 5);
  if (sEnd < 0 || bEnd < 0 || aEnd < 0) return false;
  out.symbol = frame.slice(s + 5, sEnd);
  out.bid = decimal(frame, b + 5, bEnd);
  out.ask = decimal(frame, a + 5, aEnd);
  // Futures frames put T and E after A; spot frames have neither (nothing left to search).
  out.ts = numberAfter(frame, '"T":', aEnd);
  if (out.ts !== out.ts) out.ts = numberAfter(frame, '"E":', aEnd);
  return true;
}

/**
 * Upbit order book, WebSocket DEFAULT format (https://global-docs.upbit.com/reference/websocket-orderbook):
 * `{"type":"orderbook","code":"KRW-BTC","timestamp":1756015398382,"total_ask_size":…,
 * "orderbook_units":[{"ask_price":…,"bid_price":…,"ask_size":…,"bid_size":…},…],…}`; the top of
 * book is the first unit. Upbit sends the frames as binary messages: decode them as UTF-8 first.
 */
export function decodeUpbitOrderbook(frame: string, out: FrameQuote): boolean {
  const c = frame.indexOf('"code":"');
  if (c < 0) return false;
  const cEnd = frame.indexOf('"', c + 8);
  const units = frame.indexOf('"orderbook_units":[', cEnd);
  if (cEnd < 0 || units < 0) return false;
  const ask = numberAfter(frame, '"ask_price":', units);
  const bid = numberAfter(frame, '"bid_price":', units);
  const ts = numberAfter(frame, '"timestamp":', 0);
  if (ask !== ask || bid !== bid || ts !== ts) return false;
  out.symbol = frame.slice(c + 8, cEnd);
  out.bid = bid;
  out.ask = ask;
  out.ts = ts;
  return true;
}

/** The JSON number after `key` (searched from `from`), NaN when absent. */
function numberAfter(frame: string, key: string, from: number): number {
  const k = frame.indexOf(key, from);
  if (k < 0) return NaN;
  const start = k + key.length;
  let end = start;
  for (; end < frame.length; end++) {
    const ch = frame.charCodeAt(end);
    if (ch === 44 /* , */ || ch === 125 /* } */ || ch === 93 /* ] */) break;
  }
  return end > start ? decimal(frame, start, end) : NaN;
}

/** The number in `frame[start, end)`, read without a slice when it is a plain decimal. */
function decimal(frame: string, start: number, end: number): number {
  return Number(frame.slice(start, end));
}
