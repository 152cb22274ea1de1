import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBinanceBookTicker, decodeUpbitOrderbook, emptyFrameQuote } from '../../../core/data/frames.js';

const CASES = new URL('../../fixtures/cases/', import.meta.url).pathname;

describe('live frame decoders', () => {
  it('read an Upbit orderbook frame (the shape of ../shared/cases/upbit_ws.jsonl) as JSON.parse would', () => {
    const frame = readFileSync(`${CASES}upbit_ws.jsonl`, 'utf8').trim();
    const out = emptyFrameQuote();
    expect(decodeUpbitOrderbook(frame, out)).toBe(true);
    const parsed = JSON.parse(frame) as { code: string; timestamp: number; orderbook_units: { bid_price: number; ask_price: number }[] };
    expect(out).toEqual({ symbol: parsed.code, bid: parsed.orderbook_units[0]?.bid_price, ask: parsed.orderbook_units[0]?.ask_price, ts: parsed.timestamp });
  });

  it('read Binance book-ticker frames: spot (no event time), combined stream, futures (transaction time)', () => {
    const out = emptyFrameQuote();
    expect(decodeBinanceBookTicker('{"u":400900217,"s":"BTCUSDT","b":"115279.25000000","B":"3.06","a":"115279.26000000","A":"8.61"}', out)).toBe(true);
    expect(out).toEqual({ symbol: 'BTCUSDT', bid: 115279.25, ask: 115279.26, ts: NaN });
    expect(decodeBinanceBookTicker('{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1.5","B":"1","a":"1.6","A":"2"}}', out)).toBe(true);
    expect([out.bid, out.ask]).toEqual([1.5, 1.6]);
    expect(decodeBinanceBookTicker('{"e":"bookTicker","u":1,"s":"ETHUSDT","b":"2","B":"1","a":"3","A":"1","T":1756015521192,"E":1756015521195}', out)).toBe(
      true,
    );
    expect(out).toEqual({ symbol: 'ETHUSDT', bid: 2, ask: 3, ts: 1756015521192 });
  });

  it('refuse frames that are not quotes', () => {
    const out = emptyFrameQuote();
    expect(decodeBinanceBookTicker('{"result":null,"id":1}', out)).toBe(false);
    expect(decodeUpbitOrderbook('{"error":{"name":"INVALID_AUTH"}}', out)).toBe(false);
    expect(decodeUpbitOrderbook('{"type":"orderbook","code":"KRW-BTC","timestamp":1,"orderbook_units":[]}', out)).toBe(false);
  });
});
