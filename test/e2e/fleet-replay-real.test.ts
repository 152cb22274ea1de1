import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../core/model/fill.js';
import { runFolder } from '../support/cli-process.js';
import { configIn, decision, fixture, run } from '../support/replay-campaigns.js';

/**
 * A campaign over the shared real order-book snapshots (`../shared/data/real/`: 8 Upbit KRW-BTC
 * and 3 Binance BTC/USDT books over 152 s, read as recorded, with the daily USD/KRW close), with a
 * fixed baseline below the premium of the day (about −38 bps) so that it trades.
 */
function realOrderBooks(runDir: string, clock: 'virtual' | 'real', speed?: number): string {
  const real = fixture('real');
  const path = join(runDir, `real-${clock}.yaml`);
  writeFileSync(
    path,
    [
      'name: real-orderbooks',
      'symbols: [BTC]',
      'venues:',
      '  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }',
      '  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }',
      'fx: { pair: USDT/KRW, rate: 1380 }',
      'strategy: { entryBps: 20, exitBps: 4, maxHolding: 20s, maxQuoteAge: 5m, premiumBaseline: { kind: fixed, bps: -80 } }',
      'duration: 10m',
      `clock: ${clock}`,
      'watchdog: { heartbeatInterval: 1s, staleAfter: 5s }',
      'feed:',
      '  kind: replay',
      ...(speed !== undefined ? [`  speed: ${speed}`] : []),
      '  sources:',
      `    - { venue: a, format: ccxt-orderbook, path: ${join(real, 'upbit-KRW-BTC-orderbook.jsonl.gz')}, tz: UTC }`,
      `    - { venue: b, format: ccxt-orderbook, path: ${join(real, 'binance-BTC-USDT-orderbook.jsonl.gz')}, tz: UTC }`,
      `    - { venue: fx, format: fx-daily, path: ${join(real, 'USD-KRW-daily.csv')} }`,
      '',
    ].join('\n'),
  );
  return path;
}

describe('campaigns over the shared real data', () => {
  it('a speed: 60 real-time campaign and a clock: virtual one over the real order books give the same fills, from the first quote on', async () => {
    const [virtualDir, pacedDir] = [runFolder(), runFolder()];
    const [v, p] = await Promise.all([run(realOrderBooks(virtualDir, 'virtual'), virtualDir), run(realOrderBooks(pacedDir, 'real', 60), pacedDir)]);
    for (const r of [v, p]) {
      expect(r.report.campaign.status).toBe('COMPLETED');
      expect(r.report.shards[0]?.restarts).toEqual([]);
    }
    expect(v.fills.length).toBeGreaterThanOrEqual(8);
    // Every decision the same; a close the timer makes (max holding on a quiet book) comes at the
    // next timer turn, whose recorded time differs between the clocks by less than a turn: 1 s of
    // recorded time in virtual time, the loop's 50 ms × speed 60 = 3 s in real time.
    const timed = (f: Fill) => f.reason === 'MAX_HOLDING' || f.reason === 'CAMPAIGN_END';
    const same = (f: Fill) => (timed(f) ? { ...decision(f), ts: undefined, eventTs: undefined } : decision(f));
    expect(p.fills.map(same)).toEqual(v.fills.map(same));
    for (const [i, f] of p.fills.entries()) expect(Math.abs(f.ts - (v.fills[i] as Fill).ts), `fill ${f.seq}`).toBeLessThanOrEqual(4_000);
    expect(v.fills.some((f) => f.kind === 'OPEN')).toBe(true);
    // Recorded time starts at the first book (2025-08-24T06:03:18.382Z), not at the FX file's first day (2011).
    const firstBook = Date.parse('2025-08-24T06:03:18.382Z');
    for (const f of v.fills) {
      expect(f.ts).toBeGreaterThanOrEqual(firstBook);
      expect(f.ts).toBeLessThan(firstBook + 600_000);
    }
    expect(v.report.trading?.acceptance.find((a) => a.id === 'no-stale-entry')?.pass).toBe(true);
  });
});

describe('../shared/cases/case05*: a replay shorter than the campaign, a gap in the recorded quotes', () => {
  it('case05: the shard completes when its 10 s replay ends, without a restart, and the campaign with it', async () => {
    const runDir = runFolder();
    const { report, stderr } = await run(configIn(runDir, fixture('cases/case05.yaml')), runDir);
    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.campaign.ranSec).toBeLessThan(40); // not the 60 s configured: the replay ran out
    expect(report.shards.map((s) => [s.status, s.generation, s.restarts])).toEqual([['COMPLETED', 0, []]]);
    expect(stderr).toMatch(/shard completed .*exited 0 when its replay ended by=engine/);
  });

  it('case05b (at speed 4): a 25 s recorded gap, 6 s of wall time above staleAfter 5 s, is a quiet market, not a stall', async () => {
    const runDir = runFolder();
    const config = configIn(runDir, fixture('cases/case05b.yaml'), (y) => y.replace('feed: { kind: replay,', 'feed: { kind: replay, speed: 4,'));
    const { report } = await run(config, runDir);
    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.shards.map((s) => [s.status, s.generation, s.restarts])).toEqual([['COMPLETED', 0, []]]);
    expect(report.acceptance.find((a) => a.id === 'no-unrecovered-stall')).toMatchObject({ pass: true, result: 'no stall or loss; no shard FAILED' });
    // The gap shows in the data quality, where it belongs.
    expect(report.trading?.venues.find((v) => v.venue === 'a')?.gaps).toBe(1);
  });
});
