import type { QuoteRecord } from '../quote-record.js';
import { mapSymbol, setPrices, type DecodeContext, type Decoded, type FormatDecoder } from './decoder.js';

/**
 * Upbit `orderbook` messages as JSON lines (https://global-docs.upbit.com/reference/websocket-orderbook):
 * the WebSocket DEFAULT form `{type:"orderbook", code:"KRW-BTC", timestamp, orderbook_units:
 * [{ask_price, bid_price, ask_size, bid_size}, …]}`, its SIMPLE form (`cd`, `tms`, `obu` with
 * `ap`/`bp`), and the REST form (`market` instead of `code`; a one-element array is unwrapped).
 * `timestamp` is ms; the top of book is the first unit.
 */
export class UpbitOrderbookDecoder implements FormatDecoder {
  detail = '';
  constructor(private readonly ctx: DecodeContext) {}

  header(): boolean {
    return false;
  }

  decode(line: string, out: QuoteRecord): Decoded {
    if (line.trim() === '') return 'ignore';
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      this.detail = 'not valid JSON';
      return 'unparseable';
    }
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
    const ts = this.ctx.times.epoch(stamp);
    if (ts !== ts) return 'time';
    out.ts = ts;
    if (!mapSymbol(this.ctx, venue, code, out)) {
      this.detail = `symbol "${code}" is not mapped to a base asset`;
      return 'unmapped-symbol';
    }
    setPrices(out, venue, Number(top.bid_price ?? top.bp), Number(top.ask_price ?? top.ap));
    return 'ok';
  }
}
