import { readLevels, type QuoteRecord } from '../quote-record.js';
import { JsonLinesDecoder, setPrices, stampAndMap, type Decoded } from './decoder.js';

/**
 * ccxt `fetchOrderBook` snapshots as JSON lines: `{timestamp, datetime?, symbol: "BTC/KRW",
 * bids: [[price, amount], …], asks: […]}`; the top of book is `bids[0][0]` / `asks[0][0]`.
 * `timestamp` is ms (a number) or a time text (naive: in the source's `tz`); when it is null,
 * `datetime` (ISO-8601) is used. The levels (`[price, amount]`, best first) are kept as the
 * record's levels, at most `MAX_BOOK_LEVELS` a side.
 */
export class CcxtOrderbookDecoder extends JsonLinesDecoder {
  protected decodeValue(value: unknown, out: QuoteRecord): Decoded {
    const o = value as { timestamp?: unknown; datetime?: unknown; symbol?: unknown; bids?: unknown; asks?: unknown } | null;
    const venue = this.ctx.venue ?? 'A';
    out.venue = venue;
    const bid = topPrice(o?.bids);
    const ask = topPrice(o?.asks);
    if (o === null || typeof o !== 'object' || bid === undefined || ask === undefined) {
      this.detail = 'expected an order book with non-empty bids and asks';
      return 'unparseable';
    }
    const stamp = o.timestamp ?? o.datetime;
    if (stamp === undefined || stamp === null) this.ctx.times.refusal = 'no timestamp or datetime';
    const ts = typeof stamp === 'number' ? this.ctx.times.epoch(stamp) : typeof stamp === 'string' ? this.ctx.times.text(stamp) : NaN;
    const refused = stampAndMap(this, this.ctx, venue, ts, typeof o.symbol === 'string' ? o.symbol : '', out);
    if (refused) return refused;
    setPrices(out, venue, bid, ask);
    out.bidLevels = venue === 'FX' ? 0 : readLevels(o.bids, out.bidPx, out.bidSz);
    out.askLevels = venue === 'FX' ? 0 : readLevels(o.asks, out.askPx, out.askSz);
    return 'ok';
  }
}

function topPrice(levels: unknown): number | undefined {
  if (!Array.isArray(levels) || levels.length === 0) return undefined;
  const top = levels[0] as unknown;
  const price = Array.isArray(top) ? top[0] : undefined;
  return typeof price === 'number' ? price : typeof price === 'string' ? Number(price) : undefined;
}
