import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CANONICAL_HEADER, RECORDED_HEADER, ReplayRecorder, SIZED_HEADER } from '../../../core/data/live/replay-recorder.js';
import { decodedQuote } from '../../../core/data/live/venue-protocol.js';
import type { QuoteRecord } from '../../../core/data/quote-record.js';
import { ValidationError } from '../../../core/errors.js';
import { ReplayFeed } from '../../../engine-task/src/feed/replay-feed.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function file(content?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-recorder-'));
  dirs.push(dir);
  const path = join(dir, 'live.csv');
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

describe('the live recorder', () => {
  it('writes both times, arrival (ts) and the venue’s (exchange_ts, empty when none), and the replay hands both back', () => {
    const path = file();
    const r = new ReplayRecorder(path);
    r.quote(1_700_000_000_500, 'BTC', 'A', 100, 101, 1_700_000_000_000);
    r.quote(1_700_000_000_501, 'BTC', 'B', 99, 100);
    r.fx(1_700_000_000_502, 1380, 1_700_000_000_400);
    r.close();
    expect(readFileSync(path, 'utf8')).toBe(
      `${RECORDED_HEADER}\n1700000000500,BTC,A,100,101,1700000000000\n1700000000501,BTC,B,99,100,\n1700000000502,FX,,1380,,1700000000400\n`,
    );
    const got: number[][] = [];
    const sink = {
      onQuote: (i: number, _b: number, _a: number, ts: number, exchangeTs = Number.NaN) => got.push([i, ts, exchangeTs]),
      onFx: (_r: number, ts: number, exchangeTs = Number.NaN) => got.push([-1, ts, exchangeTs]),
    };
    new ReplayFeed({ feed: { path }, shardSymbols: ['BTC'], quotes: { a: 'KRW', b: 'USDT' } }).emitUntil(Infinity, 100, sink);
    expect(got).toEqual([
      [0, 1_700_000_000_500, 1_700_000_000_000],
      [1, 1_700_000_000_501, Number.NaN],
      [-1, 1_700_000_000_502, 1_700_000_000_400],
    ]);
    // Paced in real time (rebased to now), both times move together: the lag stays what it was live.
    got.length = 0;
    const paced = new ReplayFeed({ feed: { path }, shardSymbols: ['BTC'], quotes: { a: 'KRW', b: 'USDT' } });
    paced.rebase(1_800_000_000_000);
    paced.emitUntil(Infinity, 100, sink);
    expect(got[0]).toEqual([0, 1_800_000_000_000, 1_799_999_999_500]);
    expect(got[2]).toEqual([-1, 1_800_000_000_002, 1_799_999_999_900]);
  });

  it('keeps each quote’s levels when the feed keeps them (issue 19), and the replay hands the same levels back', () => {
    const path = file();
    const r = new ReplayRecorder(path, 1000, true);
    const book = decodedQuote(3);
    [
      [100, 0.5],
      [99.5, 1.25],
      [99, 3],
    ].forEach(([p, q], k) => {
      book.bidPx[k] = p as number;
      book.bidSz[k] = q as number;
      book.askPx[k] = 101 + k * 0.5;
      book.askSz[k] = 2 + k;
    });
    book.bidLevels = 3;
    book.askLevels = 2;
    r.quote(1_700_000_000_500, 'BTC', 'A', 100, 101, 1_700_000_000_000, book);
    r.quote(1_700_000_000_501, 'BTC', 'B', 99, 100); // no sizes: empty cells
    r.fx(1_700_000_000_502, 1380);
    r.close();
    expect(readFileSync(path, 'utf8')).toBe(
      `${SIZED_HEADER}\n1700000000500,BTC,A,100,101,1700000000000,0.5,2,99.5:1.25|99:3,101.5:3\n1700000000501,BTC,B,99,100,,,,,\n1700000000502,FX,,1380,,,,,,\n`,
    );
    const got: string[] = [];
    const sink = {
      onLevels: (i: number, rec: QuoteRecord) =>
        got.push(
          `${i}: ${Array.from({ length: rec.bidLevels }, (_, k) => `${rec.bidPx[k]}x${rec.bidSz[k]}`).join(' ')} / ${Array.from({ length: rec.askLevels }, (_, k) => `${rec.askPx[k]}x${rec.askSz[k]}`).join(' ')}`,
        ),
      onQuote: (i: number) => got.push(`quote ${i}`),
      onFx: () => got.push('fx'),
    };
    new ReplayFeed({ feed: { path }, shardSymbols: ['BTC'], quotes: { a: 'KRW', b: 'USDT' } }).emitUntil(Infinity, 100, sink);
    expect(got).toEqual(['0: 100x0.5 99.5x1.25 99x3 / 101x2 101.5x3', 'quote 0', 'quote 1', 'fx']);
  });

  it('appends to a recording made before exchange times were kept in its own five columns, and refuses any other file', () => {
    const old = file(`${CANONICAL_HEADER}\n1,BTC,A,100,101\n`);
    const r = new ReplayRecorder(old);
    r.quote(2, 'BTC', 'A', 100, 102, 1);
    r.close();
    expect(readFileSync(old, 'utf8')).toBe(`${CANONICAL_HEADER}\n1,BTC,A,100,101\n2,BTC,A,100,102\n`);
    const other = file('time,price\n1,2\n');
    expect(() => new ReplayRecorder(other)).toThrow(ValidationError);
    expect(() => new ReplayRecorder(other)).toThrow(`expected "${RECORDED_HEADER}", "${SIZED_HEADER}" or "${CANONICAL_HEADER}"`);
  });
});
