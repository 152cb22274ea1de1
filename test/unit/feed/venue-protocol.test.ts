import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binanceProtocol, decodedQuote, upbitProtocol } from '../../../core/data/live/venue-protocol.js';

const frames = (name: string) =>
  readFileSync(new URL(`../../fixtures/live/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
const scratch = () => decodedQuote();

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

  it('keep the 15 levels of each recorded book when depth is wanted (issue 19), best first, with their sizes, and none when it is not', () => {
    const line = frames('upbit-orderbook-frames.jsonl')[0] as string;
    const units = (JSON.parse(line) as { orderbook_units: { bid_price: number; bid_size: number; ask_price: number; ask_size: number }[] }).orderbook_units;
    expect(units).toHaveLength(15);
    const deep = decodedQuote(20);
    expect(upbitProtocol.decode(Buffer.from(line), deep)).toBe('quote');
    expect([deep.bidLevels, deep.askLevels]).toEqual([15, 15]);
    expect(Array.from(deep.bidPx.subarray(0, 15))).toEqual(units.map((u) => u.bid_price));
    expect(Array.from(deep.bidSz.subarray(0, 15))).toEqual(units.map((u) => u.bid_size));
    expect(Array.from(deep.askPx.subarray(0, 15))).toEqual(units.map((u) => u.ask_price));
    expect(Array.from(deep.askSz.subarray(0, 15))).toEqual(units.map((u) => u.ask_size));
    const top = decodedQuote(1);
    expect(upbitProtocol.decode(Buffer.from(line), top)).toBe('quote');
    expect([top.bidLevels, top.bidPx[0], top.bidSz[0], top.askSz[0]]).toEqual([1, 159_508_000, 0.02069352, 0.0046748]);
    const none = scratch();
    expect(upbitProtocol.decode(Buffer.from(line), none)).toBe('quote');
    expect([none.bidLevels, none.askLevels]).toEqual([0, 0]);
    // A unit without a size ends its side there; a side with none leaves the book unsized.
    const partial = decodedQuote(20);
    const book = {
      type: 'orderbook',
      code: 'KRW-BTC',
      orderbook_units: [
        { bid_price: 10, bid_size: 1, ask_price: 11, ask_size: 2 },
        { bid_price: 9, ask_price: 12, ask_size: 3 },
      ],
    };
    expect(upbitProtocol.decode(Buffer.from(JSON.stringify(book)), partial)).toBe('quote');
    expect([partial.bidLevels, partial.askLevels]).toEqual([1, 2]);
    const unsized = { ...book, orderbook_units: [{ bid_price: 10, ask_price: 11 }] };
    expect(upbitProtocol.decode(Buffer.from(JSON.stringify(unsized)), partial)).toBe('quote');
    expect([partial.bidLevels, partial.askLevels]).toEqual([0, 0]);
  });

  it('subscribe to 15 units of each market when more than the top is wanted (Upbit offers 1, 5, 15, 30)', () => {
    const units = (levels: number) => (JSON.parse(upbitProtocol.subscribe(['KRW-BTC'], levels)[0] as string) as [unknown, { codes: string[] }])[1].codes;
    expect(units(0)).toEqual(['KRW-BTC.1']);
    expect(units(1)).toEqual(['KRW-BTC.1']);
    expect(units(20)).toEqual(['KRW-BTC.15']);
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
    expect(tops[0]).toMatchObject({ code: 'BTCUSDT', bid: 115_279.25, ask: 115_279.26, exchangeTs: Number.NaN, venueClock: Number.NaN, bidLevels: 0 });
  });

  it('keep the top sizes B and A when sizes are wanted (issue 19): one level a side, the stream has no depth', () => {
    const out = decodedQuote(20);
    expect(binanceProtocol.decode(Buffer.from(frames('binance-bookticker-frames.jsonl')[0] as string), out)).toBe('quote');
    expect([out.bidLevels, out.askLevels, out.bidPx[0], out.bidSz[0], out.askPx[0], out.askSz[0]]).toEqual([1, 1, 115_279.25, 3.06231, 115_279.26, 8.61031]);
    const noSize = Buffer.from(JSON.stringify({ stream: 'btcusdt@bookTicker', data: { u: 1, s: 'BTCUSDT', b: '1.5', a: '1.6', A: '2' } }));
    expect(binanceProtocol.decode(noSize, out)).toBe('quote');
    expect([out.bidLevels, out.askLevels]).toEqual([0, 0]);
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
