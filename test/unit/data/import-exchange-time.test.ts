/**
 * `data import` of a live recording keeps both times (issue 19): the arrival `ts` and the venue's
 * `exchange_ts`, through the reorder window, so the imported file replays with the same quote ages.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importRecorded } from '../../../core/data/importer.js';
import { RECORDED_HEADER } from '../../../core/data/live/replay-recorder.js';
import { ReplayFeed } from '../../../engine-task/src/feed/replay-feed.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-import-exchange-'));
const T = 1_767_225_600_000;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('importing a live recording', () => {
  it('keeps the exchange_ts column, moved with its row when a late line is put back in order, empty where there was none', () => {
    const recording = file(
      'live.csv',
      `${RECORDED_HEADER}\n${T},BTC,A,100,101,${T - 40}\n${T + 20},BTC,B,99,100,\n${T + 10},BTC,A,100,102,${T - 3000}\n${T + 30},FX,,1380,,${T + 25}\n`,
    );
    const out = join(dir, 'imported.csv');
    importRecorded({ spec: { format: 'canonical' }, files: [recording], out, reorderWindow: 4 });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'ts,symbol,venue,bid,ask,exchange_ts',
      `${T},BTC,A,100,101,${T - 40}`,
      `${T + 10},BTC,A,100,102,${T - 3000}`,
      `${T + 20},BTC,B,99,100,`,
      `${T + 30},FX,,1380,,${T + 25}`,
    ]);
    const got: number[][] = [];
    const sink = {
      onQuote: (i: number, _b: number, _a: number, ts: number, exchangeTs = Number.NaN) => got.push([i, ts, exchangeTs]),
      onFx: (_r: number, ts: number, exchangeTs = Number.NaN) => got.push([-1, ts, exchangeTs]),
    };
    new ReplayFeed({ feed: { path: out }, shardSymbols: ['BTC'], quotes: { a: 'KRW', b: 'USDT' } }).emitUntil(Infinity, 100, sink);
    expect(got).toEqual([
      [0, T, T - 40],
      [0, T + 10, T - 3000],
      [1, T + 20, Number.NaN],
      [-1, T + 30, T + 25],
    ]);
  });

  it('keeps it after the size columns of a sized recording', () => {
    const sized = file('sized.csv', `ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks,exchange_ts\n${T},BTC,A,100,101,0.5,0.7,,,${T - 40}\n`);
    const out = join(dir, 'sized-out.csv');
    importRecorded({ spec: { format: 'canonical' }, files: [sized], out });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks,exchange_ts',
      `${T},BTC,A,100,101,0.5,0.7,,,${T - 40}`,
    ]);
  });

  it('writes no exchange_ts column for data that has none', () => {
    const plain = file('plain.csv', `ts,symbol,venue,bid,ask\n${T},BTC,A,100,101\n`);
    const out = join(dir, 'plain-out.csv');
    importRecorded({ spec: { format: 'canonical' }, files: [plain], out });
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('ts,symbol,venue,bid,ask');
  });
});
