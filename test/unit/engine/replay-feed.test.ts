import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplayFeed } from '../../../engine-task/src/feed/replay-feed.js';
import type { QuoteSink } from '../../../engine-task/src/feed/market-feed.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-replay-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function collect(feed: ReplayFeed, until = Infinity): string[] {
  const seen: string[] = [];
  const sink: QuoteSink = {
    onQuote: (i, bid, ask, ts) => seen.push(`${ts} q${i} ${bid}/${ask}`),
    onFx: (rate, ts) => seen.push(`${ts} fx ${rate}`),
  };
  feed.emitUntil(until, 1000, sink);
  return seen;
}

describe('the replay feed', () => {
  it('replays CSV in time order, maps symbols and venues to instruments, skips other shards', () => {
    const path = file('ticks.csv', 'ts,symbol,venue,bid,ask\n2000,ETH,B,3200,3201\n1000,BTC,A,138000000,138010000\n1500,FX,,1380,\n1800,XRP,A,3000,3001\n');
    const feed = new ReplayFeed(path, ['BTC', 'ETH']);
    expect(collect(feed)).toEqual(['1000 q0 138000000/138010000', '1500 fx 1380', '2000 q3 3200/3201']);
    expect(feed.nextTickAt()).toBe(Infinity);
  });

  it('replays JSON lines with ISO times, and resumes from its state', () => {
    const path = file('ticks.jsonl', ['{"ts":"2026-01-01T00:00:01Z","symbol":"BTC","venue":"A","bid":1,"ask":2}', '{"ts":1767225602000,"fx":1390}', '{"ts":1767225603000,"symbol":"BTC","venue":"B","bid":3,"ask":4}'].join('\n'));
    const feed = new ReplayFeed(path, ['BTC']);
    expect(collect(feed, 1767225602000)).toEqual(['1767225601000 q0 1/2', '1767225602000 fx 1390']);
    const resumed = new ReplayFeed(path, ['BTC']);
    resumed.restore(feed.state());
    expect(collect(resumed)).toEqual(['1767225603000 q1 3/4']);
  });

  it('names the file and line of a bad record', () => {
    expect(() => new ReplayFeed(file('bad.csv', 'ts,symbol,venue,bid,ask\n1000,BTC,A,1,2\n1001,BTC,C,1,2\n'), ['BTC'])).toThrow(/bad\.csv:3: venue must be A or B, found "C"/);
    expect(() => new ReplayFeed(file('bad2.csv', 'ts,symbol,venue,bid,ask\n1000,BTC,A,2,1\n'), ['BTC'])).toThrow(/bad2\.csv:2: ask 1 is below bid 2/);
    expect(() => new ReplayFeed(file('bad.jsonl', '{"ts":1,"symbol":"BTC","venue":"A","bid":1,"ask":2}\n{oops\n'), ['BTC'])).toThrow(/bad\.jsonl:2: not valid JSON/);
    expect(() => new ReplayFeed(file('hdr.csv', 'time,sym\n'), ['BTC'])).toThrow(/hdr\.csv:1: expected the header "ts,symbol,venue,bid,ask"/);
    expect(() => new ReplayFeed(join(dir, 'missing.csv'), ['BTC'])).toThrow(/feed\.path: cannot read replay file .*missing\.csv: ENOENT/);
  });
});
