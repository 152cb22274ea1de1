/**
 * Every recorded-data format read from a real file or a faithfully shaped one
 * (`test/fixtures/real/` from `../shared/data/real/`, `test/fixtures/cases/` from `../shared/cases/`).
 */
import { describe, expect, it } from 'vitest';
import { SourceReader, type SourceSpec } from '../../../core/data/source-reader.js';
import { ValidationError } from '../../../core/errors.js';

const CASES = new URL('../../fixtures/cases/', import.meta.url).pathname;
const REAL = new URL('../../fixtures/real/', import.meta.url).pathname;

function readAll(spec: SourceSpec): { rows: string[]; reader: SourceReader } {
  const reader = new SourceReader(spec);
  const rows: string[] = [];
  while (reader.next()) {
    const r = reader.record;
    rows.push(`${new Date(r.ts).toISOString()} ${r.symbol} ${r.venue} ${r.bid}/${r.ask}`);
  }
  reader.close();
  return { rows, reader };
}

function refusal(spec: SourceSpec): string {
  try {
    readAll(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('canonical files as users export them', () => {
  it('a declared shape (feed.format) is checked against the first line, naming file:1', () => {
    expect(readAll({ path: `${CASES}quoted.csv`, format: 'canonical', shape: 'csv' }).rows).toHaveLength(1);
    expect(refusal({ path: `${CASES}quoted.csv`, format: 'canonical', shape: 'jsonl' })).toMatch(
      /quoted\.csv:1: format: declared jsonl: expected a JSON object per line first, found "ts,/,
    );
    expect(refusal({ path: `${CASES}upbit_ws.jsonl`, format: 'canonical', shape: 'csv' })).toMatch(
      /upbit_ws\.jsonl:1: format: declared csv: expected the header "ts,symbol,venue,bid,ask" first, found a JSON line/,
    );
  });

  it('quoted numbers with thousands separators', () => {
    expect(readAll({ path: `${CASES}quoted.csv`, format: 'canonical' }).rows).toEqual(['2025-08-24T06:03:18.381Z FX FX 1389.03/1389.03']);
  });

  it('extra columns, matched by header name', () => {
    expect(readAll({ path: `${CASES}extra_columns.csv`, format: 'canonical' }).rows).toEqual(['2025-08-24T06:03:18.382Z BTC A 159508000/159523000']);
  });

  it('a byte-order mark and CRLF line ends', () => {
    expect(readAll({ path: `${CASES}bom_crlf.csv`, format: 'canonical' }).rows).toEqual([
      '2025-08-24T06:03:18.381Z FX FX 1389.03/1389.03',
      '2025-08-24T06:03:18.382Z BTC A 159508000/159523000',
      '2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26',
    ]);
  });

  it('a crossed quote is skipped and counted with file:line, the rest read', () => {
    const { rows, reader } = readAll({ path: `${CASES}crossed.csv`, format: 'canonical' });
    expect(rows).toHaveLength(2);
    expect(reader.skipped.B).toEqual({ crossed: 1 });
    expect(reader.problems).toEqual([{ where: `${CASES}crossed.csv:4`, reason: 'crossed', detail: 'ask 115279.26 is below bid 115279.27' }]);
  });

  it('a zero bid is skipped and counted', () => {
    const { rows, reader } = readAll({ path: `${CASES}zero_bid.csv`, format: 'canonical' });
    expect(rows).toEqual([]);
    expect(reader.skipped.A).toEqual({ 'non-positive': 1 });
    expect(reader.problems[0]?.where).toBe(`${CASES}zero_bid.csv:2`);
  });

  it('strict refuses the first bad line, naming file and line', () => {
    expect(refusal({ path: `${CASES}crossed.csv`, format: 'canonical', strict: true })).toMatch(
      /crossed\.csv:4: ask 115279\.26 is below bid 115279\.27 \(crossed; strict/,
    );
  });

  it('BTCUSDT on the USDT venue is mapped to BTC, not dropped', () => {
    const { rows, reader } = readAll({ path: `${CASES}symbol_btcusdt.csv`, format: 'canonical', quotes: { a: 'KRW', b: 'USDT' } });
    expect(rows).toContain('2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26');
    expect(reader.unmapped().size).toBe(0);
  });

  it('a symbol no rule can name is counted and named', () => {
    const { rows } = readAll({ path: `${CASES}symbol_btcusdt.csv`, format: 'canonical', quotes: { a: 'KRW', b: 'BUSD' } });
    expect(rows).toHaveLength(3); // BTCUSDT is a bare upper-case word on a BUSD venue: itself
    const other = readAll({ path: `${CASES}upbit_ws.jsonl`, format: 'upbit-orderbook', venue: 'a', quotes: { a: 'USDT', b: 'USDT' } });
    expect(other.rows).toEqual([]);
    expect([...other.reader.unmapped()]).toEqual([['KRW-BTC', 1]]);
    expect(other.reader.skipped.A).toEqual({ 'unmapped-symbol': 1 });
  });
});

describe('timestamps: unit and zone detected or refused, never misread', () => {
  it('epoch seconds are read as seconds (case12), not as ms of 1970', () => {
    const { rows } = readAll({ path: `${CASES}case12-seconds-ts.csv`, format: 'canonical' });
    expect(rows[0]).toBe('2023-11-14T22:13:20.000Z FX FX 1380/1380');
    expect(rows.every((r) => r.startsWith('2023-11-14'))).toBe(true);
    expect(readAll({ path: `${CASES}seconds.csv`, format: 'canonical' }).rows[2]).toBe('2025-08-24T06:05:21.000Z BTC B 115279.25/115279.26');
  });

  it('an explicit unit that makes the times implausible is refused with file:line', () => {
    expect(refusal({ path: `${CASES}case12-seconds-ts.csv`, format: 'canonical', timeUnit: 'ms' })).toMatch(
      /case12-seconds-ts\.csv:2: ts: timestamp 1700000000 read as milliseconds is year 1970/,
    );
  });

  it('µs mixed with ms: each value judged by its magnitude', () => {
    expect(readAll({ path: `${CASES}mixed_us_ms.csv`, format: 'canonical' }).rows).toEqual([
      '2025-08-24T06:03:18.381Z FX FX 1389.03/1389.03',
      '2025-08-24T06:03:18.382Z BTC A 159508000/159523000',
      '2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26',
      '2025-08-24T06:05:50.382Z BTC A 159508000/159515000',
    ]);
  });

  it('a naive time needs a zone: refused with file:line without one, read in it with one', () => {
    expect(refusal({ path: `${CASES}naive_mixed_with_epoch.csv`, format: 'canonical' })).toMatch(
      /naive_mixed_with_epoch\.csv:4: ts: "2025-08-24T06:05:21\.192890" has no time zone/,
    );
    expect(readAll({ path: `${CASES}naive_mixed_with_epoch.csv`, format: 'canonical', tz: 'UTC' }).rows[2]).toBe(
      '2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26',
    );
    // Read as Seoul time it is 9 h earlier than the lines before it: skipped as out of order, counted.
    const seoul = readAll({ path: `${CASES}naive_mixed_with_epoch.csv`, format: 'canonical', tz: 'Asia/Seoul' });
    expect(seoul.rows).toHaveLength(2);
    expect(seoul.reader.problems[0]?.detail).toBe('2025-08-23T21:05:21.192Z is earlier than 2025-08-24T06:03:18.382Z, already read');
  });
});

describe('venue and vendor formats', () => {
  it('Binance bookTicker CSV: symbol from a one-entry map, transaction time', () => {
    expect(readAll({ path: `${CASES}binance_bookTicker.csv`, format: 'binance-bookticker', venue: 'b', symbolMap: { BTCUSDT: 'BTC' } }).rows).toEqual([
      '2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26',
    ]);
  });

  it('Binance bookTicker without a symbol anywhere is refused, saying how to give one', () => {
    expect(refusal({ path: `${CASES}binance_bookTicker.csv`, format: 'binance-bookticker', venue: 'b' })).toMatch(/carry no symbol/);
  });

  it('a zip archive is read as its first file, the symbol from the file name', () => {
    expect(readAll({ path: `${CASES}BTCUSDT-bookTicker-2025-08-24.zip`, format: 'binance-bookticker', venue: 'b' }).rows).toEqual([
      '2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26',
    ]);
  });

  it('Tardis quotes CSV: µs exchange time, KRW-BTC mapped', () => {
    expect(readAll({ path: `${CASES}tardis_quotes.csv`, format: 'tardis-quotes', venue: 'a' }).rows).toEqual([
      '2025-08-24T06:03:18.382Z BTC A 159508000/159523000',
    ]);
  });

  it('Upbit orderbook JSON: code, timestamp, first orderbook unit', () => {
    expect(readAll({ path: `${CASES}upbit_ws.jsonl`, format: 'upbit-orderbook', venue: 'a' }).rows).toEqual([
      '2025-08-24T06:03:18.382Z BTC A 159508000/159523000',
    ]);
  });

  it('real ccxt order-book snapshots, gzip, naive UTC times: top of book', () => {
    const upbit = readAll({ path: `${REAL}upbit-KRW-BTC-orderbook.jsonl.gz`, format: 'ccxt-orderbook', venue: 'a', tz: 'UTC' }).rows;
    expect(upbit).toHaveLength(8);
    expect(upbit[0]).toBe('2025-08-24T06:03:18.382Z BTC A 159508000/159523000');
    const binance = readAll({ path: `${REAL}binance-BTC-USDT-orderbook.jsonl.gz`, format: 'ccxt-orderbook', venue: 'b', tz: 'UTC' }).rows;
    expect(binance).toEqual([
      '2025-08-24T06:05:21.192Z BTC B 115279.25/115279.26',
      '2025-08-24T06:05:29.889Z BTC B 115279.25/115279.26',
      '2025-08-24T06:05:39.911Z BTC B 115279.25/115279.26',
    ]);
  });

  it('real ccxt 15-minute candles: one quote per candle at its close time, mid = close', () => {
    const { rows } = readAll({ path: `${REAL}upbit-KRW-BTC-15m.csv`, format: 'ccxt-ohlcv', venue: 'a', tz: 'UTC', halfSpreadBps: 1 });
    expect(rows).toHaveLength(200);
    // First candle opens 2025-08-21 21:15 with close 157,895,000: quoted at 21:30, ±1 bp.
    expect(rows[0]).toBe('2025-08-21T21:30:00.000Z BTC A 157879210.5/157910789.5');
    const binance = readAll({ path: `${REAL}binance-BTC-USDT-15m.csv`, format: 'ccxt-ohlcv', venue: 'b', tz: 'UTC', halfSpreadBps: 0 }).rows;
    expect(binance).toHaveLength(672);
    expect(binance[0]).toBe('2025-08-16T23:30:00.000Z BTC B 117287.32/117287.32');
  });

  it('candles without a half-spread are refused: a candle is not a quote', () => {
    expect(refusal({ path: `${REAL}upbit-KRW-BTC-15m.csv`, format: 'ccxt-ohlcv', venue: 'a', tz: 'UTC' })).toMatch(/half-spread .* a candle is not a quote/);
  });

  it('the real Investing.com USD/KRW export: BOM, Korean headers, newest first → oldest first', () => {
    const { rows } = readAll({ path: `${REAL}USD-KRW-daily.csv`, format: 'fx-daily', venue: 'fx' });
    expect(rows.length).toBeGreaterThan(3800);
    expect(rows.at(-1)).toBe('2025-08-02T00:00:00.000Z FX FX 1389.03/1389.03');
    expect(rows.map((r) => r.slice(0, 24))).toEqual([...rows.map((r) => r.slice(0, 24))].sort());
  });

  it('FX daily: the close of day D is used only from D+1 00:00 in the zone (no look-ahead)', () => {
    const utc = readAll({ path: `${REAL}USD-KRW-daily.csv`, format: 'fx-daily', venue: 'fx' }).rows;
    // "2025- 07- 31" closed at 1,392.47: not before 2025-08-01 00:00 UTC.
    expect(utc).toContain('2025-08-01T00:00:00.000Z FX FX 1392.47/1392.47');
    expect(utc.filter((r) => r.includes('1392.47/')).every((r) => r >= '2025-08-01')).toBe(true);
    const seoul = readAll({ path: `${REAL}USD-KRW-daily.csv`, format: 'fx-daily', venue: 'fx', tz: 'Asia/Seoul' }).rows;
    expect(seoul).toContain('2025-07-31T15:00:00.000Z FX FX 1392.47/1392.47');
  });

  it('FX from a quotes file of the KRW-USDT market: the mid is the rate', () => {
    const { rows } = readAll({ path: `${CASES}upbit_ws.jsonl`, format: 'upbit-orderbook', venue: 'fx' });
    expect(rows).toEqual(['2025-08-24T06:03:18.382Z FX FX 159515500/159515500']);
  });
});
