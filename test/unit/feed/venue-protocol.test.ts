import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binanceProtocol, upbitProtocol, type DecodedQuote } from '../../../core/data/live/venue-protocol.js';

const frames = (name: string) =>
  readFileSync(new URL(`../../fixtures/live/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
const scratch = (): DecodedQuote => ({ code: '', bid: 0, ask: 0, exchangeTs: Number.NaN, venueClock: Number.NaN });

describe('Upbit orderbook frames', () => {
  it('decode to the top level of each recorded book, from the binary frames Upbit sends', () => {
    const out = scratch();
    const tops = frames('upbit-orderbook-frames.jsonl').map((line) => {
      expect(upbitProtocol.decode(Buffer.from(line), out)).toBe('quote');
      return { ...out };
    });
    expect(tops).toHaveLength(8);
    // Upbit's own `timestamp` (ms) of each book is its exchange time.
    expect(tops[0]).toMatchObject({ code: 'KRW-BTC', bid: 159_508_000, ask: 159_523_000, exchangeTs: 1756015398382 });
    expect(tops[1]?.exchangeTs).toBe(1756015407182);
    const shared = readFileSync(new URL('../../fixtures/cases/upbit_ws.jsonl', import.meta.url)); // ../shared/cases/upbit_ws.jsonl, copied
    expect(upbitProtocol.decode(shared, out)).toBe('quote');
    expect(out).toMatchObject({ code: 'KRW-BTC', bid: 159_508_000, ask: 159_523_000, exchangeTs: 1756015398382 });
  });

  it('give no exchange time for a book without a numeric timestamp, never the previous frame’s', () => {
    const out = scratch();
    const book = (timestamp: unknown) =>
      Buffer.from(JSON.stringify({ type: 'orderbook', code: 'KRW-BTC', timestamp, orderbook_units: [{ bid_price: 1, ask_price: 2 }] }));
    expect(upbitProtocol.decode(book(1_700_000_000_000), out)).toBe('quote');
    expect(out.exchangeTs).toBe(1_700_000_000_000);
    expect(upbitProtocol.decode(book('1700000000001'), out)).toBe('quote');
    expect(out.exchangeTs).toBeNaN();
  });

  it('subscribe to one level of each market with a ticket, and map base assets to KRW-<BASE>', () => {
    expect(upbitProtocol.marketCode('BTC', 'KRW')).toBe('KRW-BTC');
    const [message] = upbitProtocol.subscribe(['KRW-BTC', 'KRW-ETH']);
    const parsed = JSON.parse(message as string) as [{ ticket: string }, { type: string; codes: string[] }, { format: string }];
    expect(parsed[0].ticket).toMatch(/^arbfleet-/);
    expect(parsed[1]).toEqual({ type: 'orderbook', codes: ['KRW-BTC.1', 'KRW-ETH.1'] });
    expect(parsed[2]).toEqual({ format: 'DEFAULT' });
  });

  it('skip malformed, crossed and error frames by reason, and ignore the keep-alive answer', () => {
    const out = scratch();
    const book = (bid: unknown, ask: unknown) =>
      Buffer.from(JSON.stringify({ type: 'orderbook', code: 'KRW-BTC', orderbook_units: [{ bid_price: bid, ask_price: ask }] }));
    expect(upbitProtocol.decode(Buffer.from('{"type":"orderb'), out)).toBe('malformed');
    expect(upbitProtocol.decode(Buffer.from('[1,2]'), out)).toBe('malformed');
    expect(upbitProtocol.decode(Buffer.from('{"type":"orderbook","code":"KRW-BTC","orderbook_units":[]}'), out)).toBe('malformed');
    expect(upbitProtocol.decode(book(0, 10), out)).toBe('malformed');
    expect(upbitProtocol.decode(book('x', 10), out)).toBe('malformed');
    expect(upbitProtocol.decode(book(11, 10), out)).toBe('crossed');
    expect(upbitProtocol.decode(Buffer.from('{"error":{"name":"NO_TICKET","message":"x"}}'), out)).toBe('venue-error');
    expect(upbitProtocol.decode(Buffer.from('{"status":"UP"}'), out)).toBe('ignore');
    expect(upbitProtocol.decode(book(10, 10), out)).toBe('quote'); // a locked book is a book
  });
});

describe('Binance bookTicker frames', () => {
  it('decode decimal-string prices of the recorded books exactly', () => {
    const out = scratch();
    const tops = frames('binance-bookticker-frames.jsonl').map((line) => {
      expect(binanceProtocol.decode(Buffer.from(line), out)).toBe('quote');
      return { ...out };
    });
    // bookTicker carries no event time, and no clock frame has come: no exchange time (aged by arrival).
    expect(tops[0]).toEqual({ code: 'BTCUSDT', bid: 115_279.25, ask: 115_279.26, exchangeTs: Number.NaN, venueClock: Number.NaN });
  });

  it('stamp each book ticker with the venue clock of the connection: the E of the last depthUpdate, which never runs back', () => {
    const out = scratch();
    const ticker = Buffer.from(frames('binance-bookticker-frames.jsonl')[0] as string);
    const depth = (E: unknown) =>
      Buffer.from(JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E, s: 'BTCUSDT', U: 1, u: 2, b: [], a: [] } }));
    expect(binanceProtocol.decode(depth(1_700_000_000_000), out)).toBe('ignore');
    expect(binanceProtocol.decode(ticker, out)).toBe('quote');
    expect(out.exchangeTs).toBe(1_700_000_000_000);
    expect(binanceProtocol.decode(depth(1_699_999_999_000), out)).toBe('ignore'); // an older E does not move the clock back
    expect(binanceProtocol.decode(depth('soon'), out)).toBe('ignore');
    expect(binanceProtocol.decode(ticker, out)).toBe('quote');
    expect(out.exchangeTs).toBe(1_700_000_000_000);
    expect(binanceProtocol.decode(depth(1_700_000_000_100), out)).toBe('ignore');
    expect(binanceProtocol.decode(ticker, out)).toBe('quote');
    expect(out.exchangeTs).toBe(1_700_000_000_100);
  });

  it('subscribe in the URL as lower-case combined streams, and map base assets to <BASE><QUOTE>', () => {
    expect(binanceProtocol.marketCode('BTC', 'USDT')).toBe('BTCUSDT');
    expect(binanceProtocol.url('wss://stream.binance.com:9443/stream', ['BTCUSDT', 'ETHUSDT'])).toBe(
      'wss://stream.binance.com:9443/stream?streams=btcusdt@bookTicker/ethusdt@bookTicker/btcusdt@depth@100ms',
    );
    expect(binanceProtocol.subscribe(['BTCUSDT'])).toEqual([]);
  });

  it('skip a frame without data or symbol, a crossed book, and ignore method answers', () => {
    const out = scratch();
    expect(binanceProtocol.decode(Buffer.from('{"stream":"btcusdt@bookTicker"}'), out)).toBe('malformed');
    expect(binanceProtocol.decode(Buffer.from('{"stream":"x","data":{"s":"BTCUSDT","b":"2","a":"1"}}'), out)).toBe('crossed');
    expect(binanceProtocol.decode(Buffer.from('{"stream":"x","data":{"s":"BTCUSDT","b":"NaN","a":"1"}}'), out)).toBe('malformed');
    expect(binanceProtocol.decode(Buffer.from('{"result":null,"id":1}'), out)).toBe('ignore');
  });
});
