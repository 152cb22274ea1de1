import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ReplayFeed, type ReplayFeedOptions } from '../../../engine-task/src/feed/replay-feed.js';
import type { QuoteSink } from '../../../core/data/market-feed.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-replay-'));
const CASES = new URL('../../fixtures/cases/', import.meta.url).pathname;
const REAL = new URL('../../fixtures/real/', import.meta.url).pathname;
const QUOTES = { a: 'KRW', b: 'USDT' };

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function replay(path: string, symbols: string[], feed: Partial<ReplayFeedOptions['feed']> = {}): ReplayFeed {
  return new ReplayFeed({ feed: { path, ...feed }, shardSymbols: symbols, quotes: QUOTES });
}

function collect(feed: ReplayFeed, until = Infinity, max = 1000): string[] {
  const seen: string[] = [];
  const sink: QuoteSink = {
    onQuote: (i, bid, ask, ts) => seen.push(`${ts} q${i} ${bid}/${ask}`),
    onFx: (rate, ts) => seen.push(`${ts} fx ${rate}`),
  };
  feed.emitUntil(until, max, sink);
  return seen;
}

const T = 1_767_225_600_000; // 2026-01-01T00:00:00Z

describe('the replay feed', () => {
  it('replays CSV, maps symbols and venues to instruments, skips other shards', () => {
    const path = file(
      'ticks.csv',
      `ts,symbol,venue,bid,ask\n${T + 1000},BTC,A,138000000,138010000\n${T + 1500},FX,,1380,\n${T + 1800},XRP,A,3000,3001\n${T + 2000},ETH,B,3200,3201\n`,
    );
    const feed = replay(path, ['BTC', 'ETH']);
    expect(feed.firstTickAt()).toBe(T + 1000);
    expect(collect(feed)).toEqual([`${T + 1000} q0 138000000/138010000`, `${T + 1500} fx 1380`, `${T + 2000} q3 3200/3201`]);
    expect(feed.nextTickAt()).toBe(Infinity);
  });

  it('replays JSON lines with ISO times, and resumes from its state at the same recorded position', () => {
    const path = file(
      'ticks.jsonl',
      [
        '{"ts":"2026-01-01T00:00:01Z","symbol":"BTC","venue":"A","bid":1,"ask":2}',
        `{"ts":${T + 2000},"fx":1390}`,
        `{"ts":${T + 3000},"symbol":"BTC","venue":"B","bid":3,"ask":4}`,
      ].join('\n'),
    );
    const feed = replay(path, ['BTC']);
    expect(collect(feed, T + 2000)).toEqual([`${T + 1000} q0 1/2`, `${T + 2000} fx 1390`]);
    const resumed = replay(path, ['BTC']);
    resumed.restore(JSON.parse(JSON.stringify(feed.state())) as Record<string, unknown>);
    expect(collect(resumed)).toEqual([`${T + 3000} q1 3/4`]);
    expect(resumed.quality().a.updates).toBe(1);
    expect(resumed.quality().b.updates).toBe(1);
  });

  it('skips and counts bad lines per venue instead of dying; strict refuses them with file:line', () => {
    const text = `ts,symbol,venue,bid,ask\n${T},BTC,A,1,2\n${T + 1},BTC,C,1,2\n${T + 2},BTC,A,2,1\n${T + 3},BTC,B,0,1\n${T + 4},BTC,B,abc,2\n${T - 1},BTC,B,1,2\n${T + 5},BTC,B,1,2\n${T + 5},BTC,B,1,2\n`;
    const path = file('bad.csv', text);
    const feed = replay(path, ['BTC']);
    expect(collect(feed)).toEqual([`${T} q0 1/2`, `${T + 5} q1 1/2`]);
    expect(feed.quality()).toEqual({
      a: { updates: 1, lastUpdateAt: T, skipped: { unparseable: 1, crossed: 1 } },
      b: { updates: 1, lastUpdateAt: T + 5, skipped: { 'non-positive': 1, 'non-finite': 1, 'out-of-order': 1, duplicate: 1 } },
      fx: { updates: 0, skipped: {} },
    });
    expect(feed.problems().lines[0]).toEqual({ where: `${path}:3`, reason: 'unparseable', detail: 'venue must be A or B, found "C"' });
    const strict = replay(path, ['BTC'], { strict: true });
    expect(() => collect(strict)).toThrow(/bad\.csv:3: venue must be A or B, found "C" \(unparseable; strict: the file is refused\)/);
  });

  it('refuses what it cannot read at all, naming file and line', () => {
    expect(() => replay(file('hdr.csv', 'time,sym\n'), ['BTC'])).toThrow(/hdr\.csv:1: expected the header "ts,symbol,venue,bid,ask"/);
    expect(() => replay(join(dir, 'missing.csv'), ['BTC'])).toThrow(/missing\.csv: no such file/);
    expect(() => replay(`${CASES}case12-seconds-ts.csv`, ['BTC'], {})).not.toThrow();
  });

  it('case12: epoch seconds replay in 2023, not in 1970', () => {
    const feed = replay(`${CASES}case12-seconds-ts.csv`, ['BTC', 'ETH']);
    expect(feed.firstTickAt()).toBe(1_700_000_000_000);
    const seen = collect(feed, Infinity, 100_000);
    expect(seen.length).toBe(81);
    expect(Number(seen.at(-1)?.split(' ')[0])).toBe(1_700_000_570_000);
  });

  it('cfg-symbol_btcusdt: venue B rows named BTCUSDT reach the BTC instrument', () => {
    const seen = collect(replay(`${CASES}symbol_btcusdt.csv`, ['BTC']));
    expect(seen).toContain('1756015521192 q1 115279.25/115279.26');
  });

  it('plays only the recorded window [from, to)', () => {
    const path = file('window.csv', `ts,symbol,venue,bid,ask\n${T},BTC,A,1,2\n${T + 1000},BTC,A,1,2\n${T + 2000},BTC,A,1,2\n${T + 3000},BTC,A,1,2\n`);
    const feed = replay(path, ['BTC'], { from: new Date(T + 1000).toISOString(), to: new Date(T + 3000).toISOString() });
    expect(feed.firstTickAt()).toBe(T + 1000);
    expect(collect(feed).map((s) => Number(s.split(' ')[0]) - T)).toEqual([1000, 2000]);
  });

  it('merges per-venue sources in their own formats by event time (real snapshots, gzip)', () => {
    const feed = new ReplayFeed({
      feed: {
        sources: [
          { venue: 'a', format: 'ccxt-orderbook', path: `${REAL}upbit-KRW-BTC-orderbook.jsonl.gz`, tz: 'UTC', timeUnit: 'auto' },
          { venue: 'b', format: 'ccxt-orderbook', path: `${REAL}binance-BTC-USDT-orderbook.jsonl.gz`, tz: 'UTC', timeUnit: 'auto' },
          { venue: 'fx', format: 'fx-daily', path: `${REAL}USD-KRW-daily.csv`, timeUnit: 'auto' },
        ],
        from: '2025-08-24T06:00:00Z',
      },
      shardSymbols: ['BTC'],
      quotes: QUOTES,
    });
    const seen = collect(feed, Infinity, 100);
    // The rate in force when the window opens (the last close, 2025-08-01, from 08-02 00:00 UTC) comes first, with its own time.
    expect(seen[0]).toBe(`${Date.parse('2025-08-02T00:00:00Z')} fx 1389.03`);
    expect(seen).toHaveLength(12); // and 8 Upbit + 3 Binance snapshots
    const times = seen.map((s) => Number(s.split(' ')[0]));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(feed.quality().a.updates).toBe(8);
    expect(feed.quality().b.updates).toBe(3);
  });

  it('without a window, starts at the first quote, not at a daily FX series reaching back years; the rate in force comes first', () => {
    const feed = new ReplayFeed({
      feed: {
        sources: [
          { venue: 'fx', format: 'fx-daily', path: `${REAL}USD-KRW-daily.csv`, timeUnit: 'auto' },
          { venue: 'a', format: 'ccxt-orderbook', path: `${REAL}upbit-KRW-BTC-orderbook.jsonl.gz`, tz: 'UTC', timeUnit: 'auto' },
          { venue: 'b', format: 'ccxt-orderbook', path: `${REAL}binance-BTC-USDT-orderbook.jsonl.gz`, tz: 'UTC', timeUnit: 'auto' },
        ],
      },
      shardSymbols: ['BTC'],
      quotes: QUOTES,
    });
    const firstQuote = Date.parse('2025-08-24T06:03:18.382Z');
    expect(feed.firstTickAt()).toBe(firstQuote); // not 2011-01-04, the FX file's first day
    expect(collect(feed, firstQuote - 1)).toEqual([]); // nothing plays before the first quote, not even the carried rate
    const seen = collect(feed, Infinity, 100);
    expect(seen[0]).toBe(`${Date.parse('2025-08-02T00:00:00Z')} fx 1389.03`);
    expect(seen.slice(1).every((line) => !line.includes(' fx '))).toBe(true);
    expect(seen).toHaveLength(12);
  });

  it('resumes inside a gzip source at the same line', () => {
    const lines = ['ts,symbol,venue,bid,ask'];
    for (let i = 0; i < 50_000; i++) lines.push(`${T + i},BTC,${i % 2 === 0 ? 'A' : 'B'},${100 + (i % 7)},${101 + (i % 7)}`);
    const path = file('big.csv.gz', gzipSync(lines.join('\n')));
    const feed = replay(path, ['BTC']);
    const first = collect(feed, Infinity, 30_001);
    const resumed = replay(path, ['BTC']);
    resumed.restore(JSON.parse(JSON.stringify(feed.state())) as Record<string, unknown>);
    const rest = collect(resumed, Infinity, 100_000);
    expect(first.length + rest.length).toBe(50_000);
    expect(rest[0]).toBe(`${T + 30_001} q1 ${100 + (30_001 % 7)}/${101 + (30_001 % 7)}`);
  });

  it('resumes a plain file by byte offset, across chunk boundaries and multibyte text', () => {
    const lines = ['ts,symbol,venue,bid,ask', '# 한국어 주석: a comment line with multibyte text'];
    for (let i = 0; i < 120_000; i++) lines.push(`${T + i},BTC,A,${100 + (i % 5)},${200 + (i % 5)}`);
    const path = file('plain.csv', lines.join('\r\n'));
    const feed = replay(path, ['BTC']);
    collect(feed, Infinity, 77_777);
    const resumed = replay(path, ['BTC']);
    resumed.restore(feed.state());
    const rest = collect(resumed, Infinity, 1_000_000);
    expect(rest).toHaveLength(120_000 - 77_777);
    expect(rest[0]).toBe(`${T + 77_777} q0 ${100 + (77_777 % 5)}/${200 + (77_777 % 5)}`);
  });
});
