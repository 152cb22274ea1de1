/**
 * Book levels out of order (issue 19, found by a tester: `data import --format ccxt-orderbook` kept
 * an unsorted book and said "skipped: none"): a level priced better than the one before it (an ask
 * below, a bid above) ends the side's levels when the data is read, the rule of the engine's depth
 * walk. The line is kept with the levels before it, and the import summary counts it as
 * `unsorted-levels` with its file:line; `strict` refuses the file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../cli/data-command.js';
import { importRecorded } from '../../../core/data/importer.js';
import { cutUnsortedLevels, emptyLevels } from '../../../core/data/quote-record.js';
import { SourceReader } from '../../../core/data/source-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-unsorted-'));

/** Two ccxt snapshots of BTC/USDT: the first unsorted on both sides (bid 99995 above the top 99990; asks 100010 then 100000 below the top 100020), the second in order. */
const SNAPSHOTS = [
  '{"timestamp":1700000000000,"symbol":"BTC/USDT","bids":[[99990,1],[99995,1]],"asks":[[100020,1],[100010,1],[100000,0.002]]}',
  '{"timestamp":1700000001000,"symbol":"BTC/USDT","bids":[[99990,1],[99980,1]],"asks":[[100000,1],[100000,2],[100010,1]]}',
].join('\n');

async function importSnapshots(name: string, text: string, strict = false) {
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(path, `${text}\n`);
  const out = join(dir, `${name}.csv`);
  const summary = await importRecorded({ spec: { format: 'ccxt-orderbook', venue: 'b', quotes: { a: 'KRW', b: 'USDT' }, strict }, files: [path], out });
  return { path, summary, rows: readFileSync(out, 'utf8').trimEnd().split('\n') };
}

describe('book levels out of order', () => {
  it('import: an unsorted ccxt snapshot is counted with its line and written with the levels before the first out of order', async () => {
    const { path, summary, rows } = await importSnapshots('ob', SNAPSHOTS);
    expect(summary.skipped).toEqual({ 'unsorted-levels': 1 });
    expect([summary.rowsRead, summary.rowsWritten]).toEqual([2, 2]);
    expect(summary.problems).toEqual([
      {
        where: `${path}:1`,
        reason: 'unsorted-levels',
        detail:
          'bid level 2 of 2 at 99995 is above level 1 at 99990: level 2 dropped; ask level 2 of 3 at 100010 is below level 1 at 100020: levels 2–3 dropped ' +
          '(levels are best first: a depth walk stops there; the line is kept with the levels before)',
      },
    ]);
    expect(rows).toEqual([
      'ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks',
      // Both sides cut to their top: the ask stays asks[0], 100020, with no level below it.
      '1700000000000,BTC,B,99990,100020,1,1,,',
      // Equal prices are in order: the second snapshot keeps all its levels.
      '1700000001000,BTC,B,99990,100000,1,1,99980:1,100000:2|100010:1',
    ]);
    expect(renderSummary(summary)).toContain('skipped: unsorted-levels 1\n');
  });

  it('cuts one side at the first level out of order, deeper than the top: asks 100000, 100010, then 100005', async () => {
    const { summary, rows } = await importSnapshots(
      'deep',
      '{"timestamp":1700000000000,"symbol":"BTC/USDT","bids":[[99990,1],[99980,2]],"asks":[[100000,1],[100010,2],[100005,3],[100020,4]]}',
    );
    expect(summary.skipped).toEqual({ 'unsorted-levels': 1 });
    expect(summary.problems[0]?.detail).toMatch(/^ask level 3 of 4 at 100005 is below level 2 at 100010: levels 3–4 dropped/);
    expect(rows[1]).toBe('1700000000000,BTC,B,99990,100000,1,1,99980:2,100010:2');
  });

  it('refuses the file under strict, naming its line', async () => {
    await expect(importSnapshots('strict', SNAPSHOTS, true)).rejects.toThrow(
      /strict\.jsonl:1.*bid level 2 of 2 at 99995 is above level 1.*unsorted-levels; strict: the file is refused/s,
    );
  });

  it('re-imports a canonical file holding the unsorted levels the old import wrote, and a replay reader keeps the line (not a skipped update)', async () => {
    const canonical = join(dir, 'old-import.csv');
    writeFileSync(
      canonical,
      'ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks\n1700000000000,BTC,B,99990,100020,1,1,99995:1,100010:1|100000:0.002\n1700000001000,BTC,B,99990,100000,1,1,99980:1,100010:1\n',
    );
    const out = join(dir, 'old-import-again.csv');
    const summary = await importRecorded({ spec: { format: 'canonical' }, files: [canonical], out });
    expect(summary.skipped).toEqual({ 'unsorted-levels': 1 });
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe('1700000000000,BTC,B,99990,100020,1,1,,');
    const reader = new SourceReader({ path: canonical, format: 'canonical' });
    const kept: number[][] = [];
    while (reader.next()) kept.push([reader.record.bidLevels, reader.record.askLevels]);
    reader.close();
    expect(kept).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(reader.skipped).toEqual({ A: {}, B: {}, FX: {} });
    expect(reader.levelsCut.B).toEqual({ 'unsorted-levels': 1 });
  });

  it('leaves levels in order alone, equal prices included, and says nothing', async () => {
    const levels = emptyLevels();
    levels.bidPx.set([10, 9, 9, 8]);
    levels.askPx.set([11, 11, 12]);
    levels.bidLevels = 4;
    levels.askLevels = 3;
    expect(cutUnsortedLevels(levels)).toBeUndefined();
    expect([levels.bidLevels, levels.askLevels]).toEqual([4, 3]);
  });
});
