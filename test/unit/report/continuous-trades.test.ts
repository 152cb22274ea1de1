/**
 * "Continuous trades" for a clock: virtual campaign (a backtest), judged in recorded time by each
 * shard's tail (`core/report/trading-tail.ts`): the seed report's plateau (exits never fire, the
 * caps stay full, entries refused) and an engine that stops trading while the market keeps
 * offering both fail; a market that simply goes quiet passes, saying so.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../../core/report/build-report.js';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import { campaignRun, SEC, T0 } from './report-fixtures.js';
import { ZERO_MICROS, ms } from '../../../core/model/units.js';

const HOUR = 3600;

/** A 4-hour backtest (recorded time), 2 shards, a trade every 5 minutes per shard, heartbeats every minute. */
function backtest(strategy: Record<string, unknown> = {}): ReportInput {
  return campaignRun({ durationSec: 4 * HOUR, heartbeatEverySec: 60, tradeEverySec: 300, config: { clock: 'virtual', strategy } });
}

function continuous(run: ReportInput): CampaignReport['acceptance'][number] {
  const found = buildReport(run).acceptance.find((a) => a.id === 'continuous-trades');
  if (!found) throw new Error('no continuous-trades row');
  return found;
}

const at = (sec: number) => T0 + sec * SEC;
const secOf = (ms: number) => (ms - T0) / SEC;

/** Drops the shard's trades opened from `entriesUntilSec` on, and every exit from `exitsUntilSec` on. */
function cutLedger(run: ReportInput, shardId: string, entriesUntilSec: number, exitsUntilSec = entriesUntilSec): void {
  const ledger = run.ledgers[shardId]!;
  const kept = new Set(ledger.filter((f) => f.kind === 'OPEN' && f.ts < at(entriesUntilSec)).map((f) => f.tradeId));
  run.ledgers[shardId] = ledger.filter((f) => kept.has(f.tradeId) && (f.kind === 'OPEN' || f.ts < at(exitsUntilSec)));
}

/** Sets each heartbeat's cumulative refusals from its recorded time. */
function refusals(run: ReportInput, shardId: string, bySec: (sec: number) => Record<string, number>): void {
  for (const h of run.heartbeats[shardId]!) h.progress.refusals = bySec(secOf(h.progress.eventTime ?? h.progress.at));
}

/** Sets each heartbeat's premium deviation of the shard's first symbol from its recorded time. */
function deviation(run: ReportInput, shardId: string, bySec: (sec: number) => number): void {
  const symbol = run.shards.find((s) => s.shardId === shardId)!.symbols[0]!;
  for (const h of run.heartbeats[shardId]!) {
    const d = bySec(secOf(h.progress.eventTime ?? h.progress.at));
    h.progress.symbols = [
      {
        symbol,
        ticks: h.progress.ticks,
        trades: 0,
        openTrades: 0,
        realizedPnlMicros: ZERO_MICROS,
        latencyP99Us: 50,
        premiumBps: d,
        baselineBps: 0,
        deviationBps: d,
      },
    ];
  }
}

describe('continuous trades in recorded time (clock: virtual)', () => {
  it("passes a backtest that trades to its end, counting entries in each shard's tail", () => {
    const c = continuous(backtest());
    expect(c.pass).toBe(true);
    expect(c.target).toContain('recorded time (clock: virtual)');
    expect(c.result).toBe(
      'shard-000: 12 opened in the last 1h of 4h recorded (from 2026-01-01T03:00:00Z); ' +
        'shard-001: 12 opened in the last 1h of 4h recorded (from 2026-01-01T03:00:00Z) (96 trades opened in all)',
    );
  });

  it("fails the seed report's plateau: exits stop, the caps stay full, entries are refused for capacity to the end", () => {
    const run = backtest();
    // 8 trades opened in the first 40 minutes and never closed; from then on every signal meets full caps.
    cutLedger(run, 'shard-000', 40 * 60, 0);
    refusals(run, 'shard-000', (sec) => ({
      'max-open-trades': Math.max(0, Math.floor((sec - 2400) / 60)),
      'symbol-open-trades': sec > 2400 ? 7 : 0,
      'stale-quote-a': 0,
    }));
    const c = continuous(run);
    expect(c.pass).toBe(false);
    expect(c.result).toBe(
      'shard-000: trading plateaued: no entry and no exit in the last 1h of 4h recorded (from 2026-01-01T03:00:00Z) while 61 entries were ' +
        'refused for capacity (max-open-trades 61); 8 opened, last 2026-01-01T00:37:30Z (56 trades opened in all)',
    );
  });

  it('fails a backtest that stops trading while the market keeps offering twice the entry threshold, with nothing refused', () => {
    const run = backtest();
    cutLedger(run, 'shard-001', 2 * HOUR);
    // e = entryBps 25 + taker fees 5 + 4 = 34 bps; the deviation stands at 90 bps ≥ 68 bps from 2 h on.
    deviation(run, 'shard-001', (sec) => (sec < 2 * HOUR ? 10 : 90));
    const c = continuous(run);
    expect(c.pass).toBe(false);
    expect(c.result).toBe(
      'shard-001: stopped trading: no entry and no refusal in the last 1h of 4h recorded (from 2026-01-01T03:00:00Z) while the widest deviation ' +
        '90 bps (SYM2 at 2026-01-01T03:00:00Z) was ≥ 68 bps; 24 opened, last 2026-01-01T01:57:30Z (72 trades opened in all)',
    );
  });

  it('passes a market that goes quiet: no entry in the tail, nothing refused there, deviations under twice the threshold', () => {
    const run = backtest();
    cutLedger(run, 'shard-000', 2 * HOUR);
    // Capacity refusals early in the run do not count against the tail: only their growth there does.
    refusals(run, 'shard-000', (sec) => ({ 'max-open-trades': sec < HOUR ? Math.floor(sec / 600) : 6 }));
    deviation(run, 'shard-000', (sec) => (sec < 2 * HOUR ? 50 : -40));
    const c = continuous(run);
    expect(c.pass).toBe(true);
    expect(c.result).toContain(
      'shard-000: a quiet market: no entry in the last 1h of 4h recorded (from 2026-01-01T03:00:00Z), none refused, ' +
        'widest deviation -40 bps (SYM0 at 2026-01-01T03:00:00Z) < 68 bps or refused; 24 opened, last 2026-01-01T01:57:30Z',
    );
  });

  it('does not call full caps a plateau while trades still close in the tail', () => {
    const run = backtest();
    // No entry after 2 h 50 m; trades close until the end; entries refused for capacity in the tail.
    cutLedger(run, 'shard-000', 2 * HOUR + 50 * 60, 4 * HOUR);
    for (const f of run.ledgers['shard-000']!) if (f.kind === 'CLOSE' && f.ts > at(2 * HOUR)) f.ts = f.eventTs = at(3.5 * HOUR);
    refusals(run, 'shard-000', (sec) => ({ 'symbol-open-trades': sec < 3 * HOUR ? 0 : 5 }));
    const c = continuous(run);
    expect(c.pass, c.result).toBe(true);
    expect(c.result).toContain(
      'shard-000: a quiet market: no entry in the last 1h of 4h recorded (from 2026-01-01T03:00:00Z), refused symbol-open-trades 5, 10 closed',
    );
  });

  it('judges at least maxHolding + one heartbeat: a trade rightly holding its slot near the end is no plateau', () => {
    // maxHolding 2 h: trades opened 1 h 50 m before the end may hold the caps to the end.
    const run = backtest({ maxHolding: 2 * HOUR });
    cutLedger(run, 'shard-000', 2 * HOUR + 10 * 60, 2 * HOUR);
    refusals(run, 'shard-000', (sec) => ({ 'max-open-trades': Math.max(0, Math.floor((sec - 2 * HOUR - 600) / 60)) }));
    const c = continuous(run);
    expect(c.pass, c.result).toBe(true);
    expect(c.result).toContain('shard-000: 2 opened in the last 2h10s of 4h recorded (from 2026-01-01T01:59:50Z)');
  });

  it('fails a backtest that never traded, and a shard that never heartbeated', () => {
    const none = backtest();
    for (const id of Object.keys(none.ledgers)) none.ledgers[id] = [];
    const c = continuous(none);
    expect(c.pass).toBe(false);
    expect(c.result).toMatch(/^no trade opened in the recorded run; /);

    const unheard = backtest();
    unheard.heartbeats['shard-001'] = [];
    delete unheard.shards[1]!.heartbeat;
    expect(continuous(unheard)).toMatchObject({ pass: false, result: 'shard-001: no recorded time (never heartbeated) (96 trades opened in all)' });
  });

  it('is not judged on the wall clock: a backtest that ran in 5 s of wall time still fails its plateau', () => {
    const run = backtest();
    run.campaign.endedAt = ms(run.campaign.startedAt! + 5 * SEC);
    cutLedger(run, 'shard-000', 40 * 60, 0);
    refusals(run, 'shard-000', (sec) => ({ 'max-open-trades': Math.max(0, Math.floor((sec - 2400) / 60)) }));
    expect(continuous(run).pass).toBe(false);
  });
});

describe('continuous trades on the wall clock (clock: real) keep their 5-minute windows', () => {
  it('fails the same plateau by its empty windows', () => {
    const run = campaignRun({ durationSec: 4 * HOUR, heartbeatEverySec: 60, tradeEverySec: 300 });
    for (const id of Object.keys(run.ledgers)) cutLedger(run, id, 40 * 60, 0);
    const c = continuous(run);
    expect(c.pass).toBe(false);
    expect(c.target).toBe('a trade opened in every 5m window');
    expect(c.result).toMatch(/^8 of 48 windows; none in \+40m…\+45m/);
  });
});
