import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FX_DAILY_GAP_RULE, importRecorded, weekdaysBetween } from '../../../core/data/importer.js';
import { ValidationError } from '../../../core/errors.js';
import { replaySourceIssues } from '../../../core/data/source-check.js';
import { HEAD_COMPRESSED_BYTES } from '../../../core/data/line-reader.js';
import { resolveFeedPaths } from '../../../core/config/feed-paths.js';
import { parseCampaignConfig } from '../../../core/config/load-config.js';
import { loadCampaignFile } from '../../../core/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-import-'));
const CASES = new URL('../../fixtures/cases/', import.meta.url).pathname;
const REAL = new URL('../../fixtures/real/', import.meta.url).pathname;
const T = 1_767_225_600_000;
const DAY = 86_400_000;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('importRecorded', () => {
  it('puts late lines back in order within the window, counts the rest, and merges files by time', async () => {
    const a = file(
      'a.csv',
      `ts,symbol,venue,bid,ask\n${T},BTC,A,1,2\n${T + 20},BTC,A,1,2\n${T + 10},BTC,A,1,3\n${T + 30},BTC,A,1,2\n${T + 40},BTC,A,1,2\n${T + 5},BTC,A,1,4\n`,
    );
    const b = file('b.csv', `ts,symbol,venue,bid,ask\n${T + 15},ETH,B,5,6\n${T + 15},ETH,B,5,6\n`);
    const out = join(dir, 'merged.csv');
    const summary = await importRecorded({ spec: { format: 'canonical' }, files: [a, b], out, reorderWindow: 2 });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'ts,symbol,venue,bid,ask',
      `${T},BTC,A,1,2`,
      `${T + 10},BTC,A,1,3`,
      `${T + 15},ETH,B,5,6`,
      `${T + 20},BTC,A,1,2`,
      `${T + 30},BTC,A,1,2`,
      `${T + 40},BTC,A,1,2`,
    ]);
    expect(summary).toMatchObject({ rowsRead: 8, rowsWritten: 6, reordered: 1, skipped: { 'out-of-order': 1, duplicate: 1 } });
    expect(summary.problems.map((p) => [p.where, p.reason])).toEqual([
      [`${b}:3`, 'duplicate'],
      [`${a}:4`, 'out-of-order'],
      [`${a}:7`, 'out-of-order'],
    ]);
    expect(summary.venues.A).toMatchObject({ rows: 5, first: T, last: T + 40, gaps: 0 });
  });

  it('strict refuses the first late line with file:line and writes nothing', async () => {
    const a = file('late.csv', `ts,symbol,venue,bid,ask\n${T + 20},BTC,A,1,2\n${T + 10},BTC,A,1,2\n`);
    const out = join(dir, 'never.csv');
    await expect(importRecorded({ spec: { format: 'canonical', strict: true }, files: [a], out })).rejects.toThrow(
      /late\.csv:3: .* is earlier than .*already read \(out-of-order; strict/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('lists gaps longer than the bound per venue, and the span', async () => {
    const a = file('gappy.csv', `ts,symbol,venue,bid,ask\n${T},BTC,A,1,2\n${T + 30_000},BTC,A,1,2\n${T + 200_000},BTC,A,1,2\n${T + 1000},FX,,1380,\n`);
    const summary = await importRecorded({ spec: { format: 'canonical' }, files: [a], out: join(dir, 'gappy-out.csv'), gapMs: 60_000 });
    expect(summary.venues.A).toMatchObject({ gaps: 1, longestGapMs: 170_000, firstGaps: [{ from: T + 30_000, to: T + 200_000 }] });
    expect(summary.span).toEqual({ first: T, last: T + 200_000 });
  });

  it('real candles: the summary says a candle is not a quote', async () => {
    const summary = await importRecorded({
      spec: { format: 'ccxt-ohlcv', venue: 'b', tz: 'UTC', halfSpreadBps: 0.5 },
      files: [`${REAL}binance-BTC-USDT-15m.csv`],
      out: join(dir, 'b.csv'),
    });
    expect(summary.rowsWritten).toBe(672);
    expect(summary.notes[0]).toMatch(/a candle is not a quote/);
  });

  it('unmapped symbols are named in the summary, never dropped silently', async () => {
    const ws = file(
      'ws-two.jsonl',
      `${readFileSync(`${CASES}upbit_ws.jsonl`, 'utf8').trim()}\n${readFileSync(`${CASES}upbit_ws.jsonl`, 'utf8')
        .trim()
        .replace('KRW-BTC', 'USDT-BTC')
        .replace(/"timestamp":(\d+)/, (_m, t) => `"timestamp":${Number(t) + 1}`)}\n`,
    );
    const summary = await importRecorded({ spec: { format: 'upbit-orderbook', venue: 'b' }, files: [ws], out: join(dir, 'u.csv') });
    expect(summary.rowsWritten).toBe(1);
    expect(summary.unmapped).toEqual({ 'KRW-BTC': 1 });
    expect(summary.skipped).toEqual({ 'unmapped-symbol': 1 });
    expect(summary.notes.join('\n')).toMatch(/symbols not mapped \(skipped\): KRW-BTC/);
  });
});

describe('an import that imports nothing is refused (exit 2), naming the file and why, and writes nothing', () => {
  it('a file with no data lines', async () => {
    const empty = file('header-only.csv', 'ts,symbol,venue,bid,ask\n\n');
    const out = join(dir, 'kept.csv');
    writeFileSync(out, 'the previous import\n');
    await expect(importRecorded({ spec: { format: 'canonical' }, files: [empty], out })).rejects.toThrow(
      `${empty}: nothing imported, so ${out} was not written: no data lines (only a header, blank or comment lines) in the canonical format`,
    );
    expect(readFileSync(out, 'utf8')).toBe('the previous import\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('kept.csv.part'))).toEqual([]);
  });

  it('every line skipped: the reasons with counts, the symbols not mapped and the first problem line; the error is a ValidationError', async () => {
    const out = join(dir, 'never-unmapped.csv');
    let error: unknown;
    try {
      await importRecorded({ spec: { format: 'upbit-orderbook', venue: 'b' }, files: [`${CASES}upbit_ws.jsonl`], out });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).kind).toBe('invalid-input');
    expect((error as Error).message).toBe(
      `${CASES}upbit_ws.jsonl: nothing imported, so ${out} was not written: every one of its 1 data line(s) was skipped (unmapped-symbol 1); ` +
        `symbols not mapped to venue B: KRW-BTC (map them with --symbol-map VENUE_SYMBOL=BASE); ` +
        `first: ${CASES}upbit_ws.jsonl:1: unmapped-symbol: symbol "KRW-BTC" is not mapped to a base asset`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('several files: one line per file', async () => {
    const empty = file('empty-a.csv', 'ts,symbol,venue,bid,ask\n');
    const crossed = file('all-crossed.csv', `ts,symbol,venue,bid,ask\n${T},BTC,A,2,1\n${T + 1},BTC,A,3,1\n`);
    const out = join(dir, 'never-two.csv');
    await expect(importRecorded({ spec: { format: 'canonical' }, files: [empty, crossed], out })).rejects.toThrow(
      `nothing imported, so ${out} was not written: 2 problems\n` +
        `  - ${empty}: no data lines (only a header, blank or comment lines) in the canonical format\n` +
        `  - ${crossed}: every one of its 2 data line(s) was skipped (crossed 2); first: ${crossed}:2: crossed: ask 1 is below bid 2`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('fx-daily gaps are judged against business days', () => {
  // 2026-01-02 is a Friday: fixings on Fri 2, Mon 5, Wed 7 (Tue 6 missing), Mon 12 (Thu 8, Fri 9 missing).
  const fixings = ['2026-01-12', '2026-01-07', '2026-01-05', '2026-01-02'];
  const daily = file('usd-krw.csv', `"Date","Price"\n${fixings.map((d, i) => `"${d}","${1400 + i}.5"`).join('\n')}\n`);

  // January: Seoul is UTC+9, New York UTC−5 (EST).
  for (const [tz, offsetHours] of [
    ['UTC', 0],
    ['Asia/Seoul', 9],
    ['America/New_York', -5],
  ] as const) {
    it(`a weekend is no gap, a weekday without a fixing is (tz ${tz})`, async () => {
      const summary = await importRecorded({
        spec: { format: 'fx-daily', venue: 'fx', tz },
        files: [daily],
        out: join(dir, `fx-${tz.replace('/', '-')}.csv`),
        gapMs: 60_000,
      });
      /** The row of a fixing: the next day 00:00 in tz. */
      const row = (fixing: string) => Date.parse(`${fixing}T00:00:00Z`) + DAY - offsetHours * 3_600_000;
      expect(summary.venues.FX).toMatchObject({
        rows: 4,
        gapRule: 'weekdays',
        gaps: 2,
        first: row('2026-01-02'),
        firstGaps: [
          { from: row('2026-01-05'), to: row('2026-01-07'), missingWeekdays: 1 },
          { from: row('2026-01-07'), to: row('2026-01-12'), missingWeekdays: 2 },
        ],
      });
      expect(summary.notes).toContain(FX_DAILY_GAP_RULE);
    });
  }

  it('other formats keep elapsed-time gaps, FX rows included', async () => {
    const canonical = file('fx-canonical.csv', `ts,symbol,venue,bid,ask\n${T},FX,,1380,\n${T + 3 * DAY},FX,,1381,\n`);
    const summary = await importRecorded({ spec: { format: 'canonical' }, files: [canonical], out: join(dir, 'fx-canonical-out.csv'), gapMs: 60_000 });
    expect(summary.venues.FX).toMatchObject({ gapRule: 'elapsed', gaps: 1, firstGaps: [{ from: T, to: T + 3 * DAY }] });
  });

  it('weekdaysBetween counts Monday to Friday strictly between two day numbers', async () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
    expect(weekdaysBetween(day('2026-01-02'), day('2026-01-05'))).toBe(0); // Fri → Mon
    expect(weekdaysBetween(day('2026-01-05'), day('2026-01-07'))).toBe(1); // Mon → Wed
    expect(weekdaysBetween(day('2026-01-02'), day('2026-01-03'))).toBe(0);
    expect(weekdaysBetween(day('2026-01-01'), day('2026-01-31'))).toBe(21); // Fri 2, then four full weeks Mon 5 … Fri 30
    expect(weekdaysBetween(day('1969-12-26'), day('1970-01-05'))).toBe(5); // across day 0, negative day numbers
  });
});

describe('replay sources checked when a campaign is created', () => {
  const base = {
    name: 'check',
    symbols: ['BTC'],
    venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
    fx: { pair: 'USDT/KRW', rate: 1380 },
  };

  it('a file checked once is checked again once it changed (the same size, a new time)', async () => {
    const path = join(dir, 'checked-once.csv');
    const good = 'ts,symbol,venue,bid,ask\n1756015398000,BTC,A,159508000,159523000\n';
    const bad = 'ts,symbol,venue,bid,ask\n1756015398000,BTC,A,-159508000,15952300\n';
    expect(bad.length).toBe(good.length);
    writeFileSync(path, good);
    utimesSync(path, new Date(T), new Date(T));
    const config = parseCampaignConfig({ ...base, feed: { kind: 'replay', path } });
    expect(replaySourceIssues(config)).toEqual([]);
    writeFileSync(path, bad);
    utimesSync(path, new Date(T + 1000), new Date(T + 1000)); // the same size: only the time tells the change
    expect(replaySourceIssues(config)[0]?.message).toMatch(/checked-once\.csv:2: no update could be read/);
  });

  it('passes readable sources, refuses a missing file, a bad header and a refused time unit with file:line', async () => {
    const ok = parseCampaignConfig({ ...base, feed: { kind: 'replay', path: `${CASES}seconds.csv` } });
    expect(replaySourceIssues(ok)).toEqual([]);
    const issues = replaySourceIssues(
      parseCampaignConfig({
        ...base,
        feed: {
          kind: 'replay',
          sources: [
            { venue: 'a', format: 'canonical', path: join(dir, 'nope.csv') },
            { venue: 'b', format: 'tardis-quotes', path: `${CASES}binance_bookTicker.csv` },
            { venue: 'a', format: 'canonical', path: `${CASES}case12-seconds-ts.csv`, timeUnit: 'ms' },
            { venue: 'a', format: 'canonical', path: `${CASES}naive_mixed_with_epoch.csv` },
            { venue: 'a', format: 'canonical', path: `${CASES}zero_bid.csv` },
          ],
        },
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'feed.sources[0].path',
      'feed.sources[1].path',
      'feed.sources[2].path',
      'feed.sources[3].path',
      'feed.sources[4].path',
    ]);
    expect(issues[0]?.message).toMatch(/nope\.csv: no such file/);
    expect(issues[1]?.message).toMatch(/binance_bookTicker\.csv:1: expected the Tardis quotes header/);
    expect(issues[2]?.message).toMatch(/case12-seconds-ts\.csv:2: ts: timestamp 1700000000 read as milliseconds is year 1970/);
    expect(issues[3]?.message).toMatch(/naive_mixed_with_epoch\.csv:4: ts: .* has no time zone/);
    expect(issues[4]?.message).toMatch(/zero_bid\.csv:2: no update could be read/);
  });

  it('reads the head of a large gzip source, and the whole file only when its head held no update', async () => {
    // 3 months of real candles: their head holds updates (the check reads no further).
    const real = parseCampaignConfig({
      ...base,
      feed: { kind: 'replay', sources: [{ venue: 'b', format: 'ccxt-ohlcv', path: `${REAL}binance-BTC-USDT-5m.csv.gz`, tz: 'UTC', halfSpreadBps: 1 }] },
    });
    expect(replaySourceIssues(real)).toEqual([]);
    // A head of zero bids (unusable, varied enough that its compressed size passes the head's), the updates after it.
    let seed = 7;
    const noise = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    const bad = Array.from({ length: 40_000 }, (_, i) => `${1756015398000 + i * 1000 + (noise() % 997)},BTC,A,0,${159_000_000 + (noise() % 900_000)}`);
    const good = Array.from({ length: 10 }, (_, i) => `${1756100000000 + i * 1000},BTC,A,159508000,159523000`);
    const path = join(dir, 'late-updates.csv.gz');
    writeFileSync(path, gzipSync(['ts,symbol,venue,bid,ask', ...bad, ...good].join('\n')));
    expect(readFileSync(path).length).toBeGreaterThan(HEAD_COMPRESSED_BYTES);
    expect(replaySourceIssues(parseCampaignConfig({ ...base, feed: { kind: 'replay', path } }))).toEqual([]);
    // Without the good rows, the whole file is read and refused as before.
    const none = join(dir, 'no-updates.csv.gz');
    writeFileSync(none, gzipSync(['ts,symbol,venue,bid,ask', ...bad].join('\n')));
    expect(replaySourceIssues(parseCampaignConfig({ ...base, feed: { kind: 'replay', path: none } }))[0]?.message).toMatch(
      /no-updates\.csv\.gz:2: no update could be read/,
    );
  });

  it("a relative feed path (replay files, a live feed's recording) resolves against the config file's folder", async () => {
    expect(resolveFeedPaths({ feed: { kind: 'replay', path: 'x.csv' } }, '/data/cfg')).toEqual({ feed: { kind: 'replay', path: '/data/cfg/x.csv' } });
    expect(resolveFeedPaths({ feed: { kind: 'replay', sources: [{ path: '../y.csv.gz' }, { path: '/abs.csv' }] } }, '/data/cfg')).toEqual({
      feed: { kind: 'replay', sources: [{ path: '/data/y.csv.gz' }, { path: '/abs.csv' }] },
    });
    expect(resolveFeedPaths({ feed: { kind: 'live', record: 'rec/live.csv' } }, '/data/cfg')).toEqual({
      feed: { kind: 'live', record: '/data/cfg/rec/live.csv' },
    });
    const campaign = loadCampaignFile(`${CASES}case12.yaml`);
    expect(campaign.config.feed).toMatchObject({ kind: 'replay', path: `${CASES}case12-seconds-ts.csv` });
  });
});
