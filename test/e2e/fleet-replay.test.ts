import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-store.js';
import type { Fill } from '../../core/model/fill.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { readReport, runFolder, startCli } from '../support/cli-process.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
/** 10 recorded minutes, a ±60 bps dislocation for 10 s in every minute; `clock: virtual`. */
const DISLOCATIONS = fixture('replay/dislocations.yaml');

/** Writes `config` into `runDir` with its replay path made absolute (and `edit` applied); returns its path. */
function configIn(runDir: string, config: string, edit: (yaml: string) => string = (y) => y): string {
  const yaml = readFileSync(config, 'utf8').replace(/path: (\S+?\.csv)/, (_, file: string) => `path: ${join(config, '..', file)}`);
  const path = join(runDir, 'campaign.yaml');
  writeFileSync(path, edit(yaml));
  return path;
}

/** Runs `arbfleet run CONFIG` as a real process to its end; returns the report and every shard's ledger. */
async function run(config: string, runDir: string, args: string[] = []): Promise<{ report: CampaignReport; fills: Fill[]; stderr: string }> {
  const out = join(runDir, 'out');
  const cli = startCli(['run', config, '--no-dashboard', '--out', out, ...args]);
  const exit = await cli.exited;
  expect(exit.code, cli.stderr().slice(-3000)).toBe(0);
  const report = readReport(out);
  const store = new SqliteCampaignStore(join(out, 'fleet.db'), systemClock);
  try {
    const fills = (await Promise.all(report.shards.map((s) => store.readLedger({ campaignId: report.campaign.id, shardId: s.shardId })))).flat();
    return { report, fills, stderr: cli.stderr() };
  } finally {
    store.close();
  }
}

/** The recorded time of the dislocations replay's first update. */
const FIRST_RECORDED = 1_700_000_000_000;

/** The engine's `shard started` log line of one generation. */
function startedLine(logFile: string): { wallOrigin?: number; restoredTicks?: number; skippedOnResume?: number } {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((l) => l.includes('"event":"shard started"'));
  expect(line, `${logFile} has no "shard started" line`).toBeDefined();
  return JSON.parse(line as string) as { wallOrigin?: number };
}

/** The wall time a real-time replay is paced from (its first generation's start). */
function originOf(logFile: string): number {
  const origin = startedLine(logFile).wallOrigin;
  expect(origin).toBeTypeOf('number');
  return origin as number;
}

/**
 * Every fill decided at the wall time the fixed mapping gives its recorded time: never before
 * origin + (eventTs − first) / speed, and at most 2 s after it (a loaded machine's scheduling;
 * a replay shifted by a restart's downtime would be several seconds late).
 */
function expectPaced(fills: readonly Fill[], origin: number, speed: number): void {
  expect(fills.length).toBeGreaterThan(0);
  for (const f of fills) {
    const due = origin + ((f.eventTs as number) - FIRST_RECORDED) / speed;
    expect(f.wallTs, `fill ${f.seq} at recorded ${f.eventTs}`).toBeGreaterThanOrEqual(Math.floor(due));
    expect(f.wallTs, `fill ${f.seq} at recorded ${f.eventTs}`).toBeLessThanOrEqual(due + 2_000);
  }
}

/** What a fill decided, without what differs between runs (wall time, generation, ids). */
const decision = (f: Fill) => ({ symbol: f.symbol, venue: f.venue, side: f.side, kind: f.kind, reason: f.reason, qty: f.qty, price: f.price, ts: f.ts, eventTs: f.eventTs });

describe('campaigns over recorded data', () => {
  it('runs a clock: virtual fleet campaign on the recorded time to the replay end, and the report judges its trading', async () => {
    const runDir = runFolder();
    const { report, fills } = await run(configIn(runDir, DISLOCATIONS), runDir);

    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.campaign.endReason).toBe('every shard completed');
    expect(report.shards.map((s) => [s.status, s.restarts.length])).toEqual([['COMPLETED', 0]]);
    // Engine time is the recorded time: 2023-11-14T22:13:20Z onwards, and fills carry it as event time.
    const first = FIRST_RECORDED;
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) {
      expect(f.ts).toBeGreaterThanOrEqual(first);
      expect(f.ts).toBeLessThan(first + 600_000);
      expect(f.eventTs).toBe(f.ts);
    }
    const trading = report.trading;
    expect(trading?.stats.trades).toBe(fills.length / 4);
    expect(trading?.stats.byExitReason.reduce((n, r) => n + r.trades, 0)).toBe(trading?.stats.trades);
    expect(trading?.openAtEnd).toEqual([]);
    expect(trading?.acceptance.map((a) => [a.id, a.pass])).toEqual([
      ['no-stale-entry', true],
      ['data-coverage', true],
      ['no-open-positions', true],
    ]);
    expect(report.acceptance.find((a) => a.id === 'full-duration')).toMatchObject({ pass: true });
    const markdown = readFileSync(join(runDir, 'out', 'report.md'), 'utf8');
    expect(markdown).toMatch(/## Trading/);
    expect(markdown).toMatch(/\| Win rate \| 100 % \|/);
    expect(markdown).toMatch(/### P&L by exit reason\n\n\| Exit reason \| Trades \| Wins \| P&L \| P&L per trade \|/);
    expect(readFileSync(join(runDir, 'out', 'report.html'), 'utf8')).toMatch(/data-trading-criterion="no-open-positions"/);
  });

  it('gives the same fills in a speed: 60 real-time campaign as in a clock: virtual one over the same recorded file', async () => {
    const [virtualDir, pacedDir] = [runFolder(), runFolder()];
    const paced = configIn(pacedDir, DISLOCATIONS, (y) => y.replace('clock: virtual', 'clock: real').replace('feed: { kind: replay,', 'feed: { kind: replay, speed: 60,'));
    const [v, p] = await Promise.all([run(configIn(virtualDir, DISLOCATIONS), virtualDir), run(paced, pacedDir)]);

    expect(p.report.campaign.status).toBe('COMPLETED');
    expect(p.report.shards[0]?.restarts).toEqual([]);
    expect(v.fills.length).toBeGreaterThan(20);
    expect(p.fills.map(decision)).toEqual(v.fills.map(decision));
    // Paced: each decision came when the mapping origin + (recorded − first) / 60 said, never early, never late.
    expectPaced(p.fills, originOf(join(pacedDir, 'out', 'tasks', 'shard-000.g0.log')), 60);
  });

  it('resumes a real-time replay after a SIGKILL at the recorded time the mapping gives, without shifting later quotes', async () => {
    const [virtualDir, pacedDir] = [runFolder(), runFolder()];
    const paced = configIn(pacedDir, DISLOCATIONS, (y) => y.replace('clock: virtual', 'clock: real').replace('feed: { kind: replay,', 'feed: { kind: replay, speed: 40,'));
    // 9 s after the campaign's start: some seconds into the first generation's replay (the launch takes a few).
    const [v, p] = await Promise.all([run(configIn(virtualDir, DISLOCATIONS), virtualDir), run(paced, pacedDir, ['--chaos', 'kill:shard-000@9s'])]);

    const shard = p.report.shards[0];
    expect(shard?.restarts.map((r) => [r.cause, r.detail.signal])).toEqual([['CRASHED', 'SIGKILL']]);
    expect(shard?.status).toBe('COMPLETED');
    const resumed = p.fills.filter((f) => f.generation === 1);
    expect(resumed.length, 'the new generation traded').toBeGreaterThan(0);
    // Every entry after the restart was priced at the quote recorded at its own recorded time: what was
    // recorded while no generation ran was skipped, not replayed late. (Which entries it makes may differ
    // from the uninterrupted run's: trades open across the downtime missed the exits recorded meanwhile.)
    const recorded = readFileSync(fixture('replay/dislocations.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    const quoteAt = (venue: string, ts: number) => recorded.filter((r) => r[2] === venue && Number(r[0]) <= ts).at(-1);
    const entries = resumed.filter((x) => x.kind === 'OPEN');
    expect(entries.length, 'the new generation entered trades').toBeGreaterThan(0);
    for (const f of entries) {
      const quote = quoteAt(f.venue, f.eventTs as number);
      expect(f.price, `entry ${f.seq} at recorded ${f.eventTs}`).toBe(Number(f.side === 'SELL' ? quote?.[3] : quote?.[4]));
    }
    // And the entries the uninterrupted run also made are the same decisions at the same recorded times.
    const virtualEntries = new Map(v.fills.filter((f) => f.kind === 'OPEN').map((f) => [`${f.venue}|${f.eventTs}`, f]));
    const shared = entries.filter((f) => virtualEntries.has(`${f.venue}|${f.eventTs}`));
    for (const f of shared) expect({ ...decision(f), qty: undefined }).toEqual({ ...decision(virtualEntries.get(`${f.venue}|${f.eventTs}`) as Fill), qty: undefined });
    const started = startedLine(join(pacedDir, 'out', 'tasks', 'shard-000.g1.log'));
    expect(started.restoredTicks, 'generation 1 resumed from a checkpoint').toBeGreaterThan(0);
    expect(started.skippedOnResume, 'what was recorded while down was skipped').toBeGreaterThan(0);
    // The same mapping as generation 0's: the restart shifted nothing that followed.
    const origin = originOf(join(pacedDir, 'out', 'tasks', 'shard-000.g0.log'));
    expect(started.wallOrigin).toBe(origin);
    expectPaced(resumed, origin, 40);
  });
});

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
    p.fills.forEach((f, i) => expect(Math.abs(f.ts - (v.fills[i] as Fill).ts), `fill ${f.seq}`).toBeLessThanOrEqual(4_000));
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
    expect(stderr).toMatch(/shard completed .*exited 0 when its replay ended premature=false/);
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
