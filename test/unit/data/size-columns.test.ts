/**
 * Book sizes through the data path (issue 19): every real format that carries sizes keeps them
 * (Binance bookTicker and Tardis quotes: the top; Upbit's order book units and ccxt snapshots:
 * their levels), `arbfleet data import` writes them in the canonical size columns, the canonical
 * decoder reads them back (CSV and JSON lines), and the replay feed hands them to the engine
 * (`QuoteSink.onLevels`) just before their quote. Candles carry none.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importRecorded } from '../../../core/data/importer.js';
import type { QuoteRecord } from '../../../core/data/quote-record.js';
import { SourceReader, type SourceSpec } from '../../../core/data/source-reader.js';
import { ReplayFeed } from '../../../engine-task/src/feed/replay-feed.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-sizes-'));
const CASES = new URL('../../fixtures/cases/', import.meta.url).pathname;
const REAL = new URL('../../fixtures/real/', import.meta.url).pathname;

/** Each record's levels as `[[price, size], …]` per side. */
function levelsOf(spec: SourceSpec): { bids: number[][]; asks: number[][] }[] {
  const reader = new SourceReader(spec);
  const out: { bids: number[][]; asks: number[][] }[] = [];
  const side = (n: number, px: Float64Array, sz: Float64Array) => Array.from({ length: n }, (_, k) => [px[k] as number, sz[k] as number]);
  while (reader.next()) {
    const r = reader.record;
    out.push({ bids: side(r.bidLevels, r.bidPx, r.bidSz), asks: side(r.askLevels, r.askPx, r.askSz) });
  }
  reader.close();
  return out;
}

describe('formats keep the sizes they carry', () => {
  it('Binance bookTicker: best_bid_qty and best_ask_qty as the top level', async () => {
    const [first] = levelsOf({ path: `${CASES}binance_bookTicker.csv`, format: 'binance-bookticker', venue: 'b', symbolMap: { BTCUSDT: 'BTC' } });
    expect(first).toEqual({ bids: [[115279.25, 3.06]], asks: [[115279.26, 8.61]] });
  });

  it('Tardis quotes: bid_amount and ask_amount as the top level', async () => {
    const [first] = levelsOf({ path: `${CASES}tardis_quotes.csv`, format: 'tardis-quotes', venue: 'a', quotes: { a: 'KRW', b: 'USDT' } });
    expect(first).toEqual({ bids: [[159508000, 0.0206]], asks: [[159523000, 0.0046]] });
  });

  it("Upbit orderbook: every unit's bid and ask with their sizes", async () => {
    const [first] = levelsOf({ path: `${CASES}upbit_ws.jsonl`, format: 'upbit-orderbook', venue: 'a', quotes: { a: 'KRW', b: 'USDT' } });
    expect(first).toEqual({ bids: [[159508000, 0.0206]], asks: [[159523000, 0.0046]] });
  });

  it('ccxt order books: the 20 recorded levels a side of the real Upbit snapshots', async () => {
    const books = levelsOf({
      path: `${REAL}upbit-KRW-BTC-orderbook.jsonl.gz`,
      format: 'ccxt-orderbook',
      venue: 'a',
      tz: 'UTC',
      quotes: { a: 'KRW', b: 'USDT' },
    });
    expect(books).toHaveLength(8);
    expect(books[0]?.bids).toHaveLength(20);
    expect(books[0]?.bids.slice(0, 2)).toEqual([
      [159508000, 0.02069352],
      [159507000, 0.03527518],
    ]);
    expect(books[0]?.asks[0]).toEqual([159523000, 0.0046748]);
  });

  it('candles carry no size', async () => {
    const [first] = levelsOf({
      path: `${REAL}upbit-KRW-BTC-15m.csv`,
      format: 'ccxt-ohlcv',
      venue: 'a',
      tz: 'UTC',
      halfSpreadBps: 1,
      quotes: { a: 'KRW', b: 'USDT' },
    });
    expect(first).toEqual({ bids: [], asks: [] });
  });
});

describe('data import and the canonical size columns', () => {
  it('writes bid_size,ask_size,bids,asks from ccxt snapshots, and the canonical decoder reads the same levels back', async () => {
    const out = join(dir, 'upbit-book.csv');
    const summary = await importRecorded({
      spec: { format: 'ccxt-orderbook', venue: 'a', tz: 'UTC', quotes: { a: 'KRW', b: 'USDT' } },
      files: [`${REAL}upbit-KRW-BTC-orderbook.jsonl.gz`],
      out,
    });
    expect(summary.notes).toContain(
      'book sizes kept on 8 of 8 quote rows, up to 20 level(s) a side (bid_size,ask_size,bids,asks), for execution.model top-size and depth',
    );
    const [header, row] = readFileSync(out, 'utf8').split('\n');
    expect(header).toBe('ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks');
    expect(row?.split(',').slice(0, 7)).toEqual(['1756015398382', 'BTC', 'A', '159508000', '159523000', '0.02069352', '0.0046748']);
    expect(row?.split(',')[7]?.split('|').slice(0, 2)).toEqual(['159507000:0.03527518', '159496000:0.00262697']);
    const original = levelsOf({
      path: `${REAL}upbit-KRW-BTC-orderbook.jsonl.gz`,
      format: 'ccxt-orderbook',
      venue: 'a',
      tz: 'UTC',
      quotes: { a: 'KRW', b: 'USDT' },
    });
    expect(levelsOf({ path: out, format: 'canonical' })).toEqual(original);
  });

  it('keeps a canonical input without sizes as it was (no size columns), and reads JSON lines sizes', async () => {
    const plain = join(dir, 'plain.csv');
    writeFileSync(plain, 'ts,symbol,venue,bid,ask\n1767225600000,BTC,A,1,2\n');
    const out = join(dir, 'plain-out.csv');
    const summary = await importRecorded({ spec: { format: 'canonical' }, files: [plain], out });
    expect(summary.notes).toContain('no book sizes in these rows: under execution.model top-size or depth their fills will assume unlimited size');
    expect(readFileSync(out, 'utf8')).toBe('ts,symbol,venue,bid,ask\n1767225600000,BTC,A,1,2\n');
    const jsonl = join(dir, 'sized.jsonl');
    writeFileSync(
      jsonl,
      '{"ts":1767225600000,"symbol":"BTC","venue":"B","bid":10,"ask":11,"bidSize":2,"askSize":3,"bids":[[9,5]],"asks":[[12,7],[13,1]]}\n{"ts":1767225600001,"symbol":"BTC","venue":"B","bid":10,"ask":11}\n',
    );
    expect(levelsOf({ path: jsonl, format: 'canonical' })).toEqual([
      {
        bids: [
          [10, 2],
          [9, 5],
        ],
        asks: [
          [11, 3],
          [12, 7],
          [13, 1],
        ],
      },
      { bids: [], asks: [] },
    ]);
  });
});

describe('the replay feed', () => {
  it('hands each sized record to onLevels just before its quote, and an unsized one to onQuote alone', async () => {
    const path = join(dir, 'replay.csv');
    writeFileSync(path, 'ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks\n1767225600000,BTC,A,10,11,2,3,9:4,\n1767225600001,BTC,B,10,11,,,,\n');
    const feed = new ReplayFeed({ feed: { path }, shardSymbols: ['BTC'], quotes: { a: 'USDT', b: 'USDT' } });
    const calls: string[] = [];
    feed.emitUntil(Infinity, 10, {
      onLevels: (instrument: number, r: QuoteRecord) => calls.push(`levels ${instrument} ${r.bidLevels}/${r.askLevels} ${r.bidPx[1]}:${r.bidSz[1]}`),
      onQuote: (instrument: number, bid: number, ask: number) => calls.push(`quote ${instrument} ${bid}/${ask}`),
      onFx: () => undefined,
    });
    expect(calls).toEqual(['levels 0 2/1 9:4', 'quote 0 10/11', 'quote 1 10/11']);
  });
});
