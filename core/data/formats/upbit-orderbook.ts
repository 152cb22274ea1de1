import { MAX_BOOK_LEVELS, type QuoteRecord } from '../quote-record.js';
import { JsonLinesDecoder, setPrices, stampAndMap, type Decoded } from './decoder.js';

/**
 * Upbit `orderbook` messages as JSON lines (https://global-docs.upbit.com/reference/websocket-orderbook):
 * the WebSocket DEFAULT form `{type:"orderbook", code:"KRW-BTC", timestamp, orderbook_units:
 * [{ask_price, bid_price, ask_size, bid_size}, …]}`, its SIMPLE form (`cd`, `tms`, `obu` with
 * `ap`/`bp`), and the REST form (`market` instead of `code`; a one-element array is unwrapped).
 * `timestamp` is ms; the top of book is the first unit. Every unit's prices and sizes
 * (`bid_size`/`ask_size`, `bs`/`as`) are kept as the record's levels (Upbit sends 15).
 */
export class UpbitOrderbookDecoder extends JsonLinesDecoder {
  protected decodeValue(value: unknown, out: QuoteRecord): Decoded {
    let v = value;
    if (Array.isArray(v) && v.length === 1) v = v[0];
    const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    const units = (o.orderbook_units ?? o.obu) as Array<Record<string, unknown>> | undefined;
    const top = Array.isArray(units) ? units[0] : undefined;
    const code = o.code ?? o.cd ?? o.market;
    const stamp = o.timestamp ?? o.tms;
    const venue = this.ctx.venue ?? 'A';
    out.venue = venue;
    if (top === undefined || typeof code !== 'string' || typeof stamp !== 'number') {
      this.detail = 'expected an Upbit orderbook: code, timestamp and orderbook_units';
      return 'unparseable';
    }
    const refused = stampAndMap(this, this.ctx, venue, this.ctx.times.epoch(stamp), code, out);
    if (refused) return refused;
    setPrices(out, venue, Number(top.bid_price ?? top.bp), Number(top.ask_price ?? top.ap));
    readUnits(units as Array<Record<string, unknown>>, out);
    return 'ok';
  }
}

/** Upbit's units (one bid and one ask level each) into the record's levels, stopping at the first unit without a positive price and a size ≥ 0 on a side. */
function readUnits(units: Array<Record<string, unknown>>, out: QuoteRecord): void {
  let bids = 0;
  let asks = 0;
  const n = Math.min(units.length, MAX_BOOK_LEVELS);
  for (let k = 0; k < n; k++) {
    const u = units[k] as Record<string, unknown>;
    const bp = Number(u.bid_price ?? u.bp);
    const bs = Number(u.bid_size ?? u.bs);
    const ap = Number(u.ask_price ?? u.ap);
    const as = Number(u.ask_size ?? u.as);
    if (bids === k && bp > 0 && bp < Infinity && bs >= 0 && bs < Infinity) {
      out.bidPx[k] = bp;
      out.bidSz[k] = bs;
      bids++;
    }
    if (asks === k && ap > 0 && ap < Infinity && as >= 0 && as < Infinity) {
      out.askPx[k] = ap;
      out.askSz[k] = as;
      asks++;
    }
  }
  out.bidLevels = bids;
  out.askLevels = asks;
}
