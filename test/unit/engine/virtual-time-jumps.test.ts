/**
 * Backtests jump time (issue 19): in virtual time the runner turns at the next update or the next
 * deadline that matters, not at every heartbeat interval of recorded time. The fills must be the
 * very ones the loop that turned every interval made: `test/fixtures/engine/turn-loop-fills.json`
 * holds their digests, recorded by that loop (runner.ts before the jump, with the
 * simultaneous-update rule) with `RECORD_TURN_LOOP=1`; the same loop is still reachable as
 * `virtualTurns: 'every-interval'` and runs beside the jumping one here.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveFeedPaths } from '../../../core/config/feed-paths.js';
import { campaignFromObject, loadCampaignFile, parseConfigText } from '../../../core/config/load-config.js';
import type { Campaign } from '../../../core/config/resolve-campaign.js';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { silentLogger } from '../../../core/log.js';
import type { Fill } from '../../../core/model/fill.js';
import { ShardRunner, type RunnerOptions, type RunOutcome } from '../../../engine-task/src/runner.js';
import { T0, testCampaign } from '../../support/campaigns.js';

const FIXTURE = resolve('test/fixtures/engine/turn-loop-fills.json');
const CASES = resolve('test/fixtures/cases');
const KEY = { campaignId: 'c-jumps', shardId: 'shard-000' };

/** The shipped data and the cases whose exits fire on timers, each as the campaign it runs in. */
const BACKTESTS: Record<string, () => Campaign> = {
  'configs/real-btc-candles.yaml': () => loadCampaignFile(resolve('configs/real-btc-candles.yaml')),
  'configs/real-btc-premium.yaml': () => loadCampaignFile(resolve('configs/real-btc-premium.yaml')),
  'configs/real-btc-candles-5m.yaml': () => loadCampaignFile(resolve('configs/real-btc-candles-5m.yaml')),
  // configs/real-btc-orderbooks.yaml (the bench's dense backtest), on a 1 s heartbeat grid.
  'the real order books, max holding 20 s': () => {
    const path = resolve('configs/real-btc-orderbooks.yaml');
    const raw = resolveFeedPaths(parseConfigText(readFileSync(path, 'utf8'), path), dirname(path)) as object;
    return campaignFromObject({ ...raw, watchdog: { heartbeatInterval: '1s', staleAfter: '5s' } }, path);
  },
  'case 02: a quiet symbol with a trade open': () => loadCampaignFile(join(CASES, 'case02.yaml')),
  'case 05b: a gap in the replay': () => loadCampaignFile(join(CASES, 'case05b.yaml')),
  'dislocations, max holding 30 s': () =>
    testCampaign({
      symbols: ['BTC'],
      feed: { kind: 'replay', path: resolve('test/fixtures/replay/dislocations.csv') },
      strategy: { maxHolding: '30s' },
      duration: '1h',
      clock: 'virtual',
    }),
  'synthetic, 4 symbols, 10 min': () => testCampaign({ clock: 'virtual' }),
};

async function backtest(campaign: Campaign, extra: Partial<RunnerOptions> = {}): Promise<{ outcome: RunOutcome; fills: Fill[] }> {
  const ledger = new MemoryShardLedger();
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: campaign.symbols.map((s) => s.base),
    persistence: ledger.forTask(KEY, 0),
    mode: 'virtual',
    log: silentLogger,
    startAt: T0,
    ...extra,
  });
  const outcome = await runner.run();
  return { outcome, fills: ledger.fills(KEY) };
}

/** What a fill says about the trade: everything but the wall clock and the writer. */
function digestOf(fills: readonly Fill[]): string {
  const fields = fills.map((f) => [
    f.seq,
    f.tradeId,
    f.symbol,
    f.venue,
    f.side,
    f.kind,
    f.reason,
    f.qty,
    f.price,
    f.fee,
    f.fxRate,
    f.ts,
    f.quoteTsA,
    f.quoteTsB,
    f.staleQuote,
  ]);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

type Recorded = Record<string, { fills: number; digest: string }>;

if (process.env.RECORD_TURN_LOOP === '1') {
  it('records the fills of the loop that turns every interval', async () => {
    const recorded: Recorded = {};
    for (const [name, campaign] of Object.entries(BACKTESTS)) {
      const { fills } = await backtest(campaign());
      recorded[name] = { fills: fills.length, digest: digestOf(fills) };
    }
    writeFileSync(FIXTURE, `${JSON.stringify({ recordedBy: process.env.RECORD_TURN_LOOP_BY ?? 'unknown', backtests: recorded }, null, 2)}\n`);
  }, 600_000);
}

const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')).backtests as Recorded;

describe('a virtual run jumps to the next update or deadline that matters', () => {
  it.each(Object.keys(BACKTESTS))(
    '%s: the fills the loop that turned every interval made, in fewer turns',
    async (name) => {
      const campaign = (BACKTESTS[name] as () => Campaign)();
      const jumping = await backtest(campaign);
      const turning = await backtest(campaign, { virtualTurns: 'every-interval' });
      expect({ fills: jumping.fills.length, digest: digestOf(jumping.fills) }).toEqual(recorded[name]);
      expect(digestOf(turning.fills)).toBe(digestOf(jumping.fills));
      expect([jumping.outcome.end, jumping.outcome.reason, jumping.outcome.engineMs]).toEqual([
        turning.outcome.end,
        turning.outcome.reason,
        turning.outcome.engineMs,
      ]);
      expect(jumping.outcome.turns).toBeLessThanOrEqual(turning.outcome.turns);
    },
    120_000,
  );

  const withLatency = (campaign: Campaign, a: number, b: number): Campaign => ({
    ...campaign,
    config: { ...campaign.config, execution: { ...campaign.config.execution, latency: { a, b } } },
  });
  it.each([
    ['configs/real-btc-candles.yaml, latency 1 s on A and 3 s on B', () => withLatency(loadCampaignFile(resolve('configs/real-btc-candles.yaml')), 1, 3)],
    [
      'dislocations, max holding 30 s, latency 2.5 s on A and 0.2 s on B',
      () => withLatency((BACKTESTS['dislocations, max holding 30 s'] as () => Campaign)(), 2.5, 0.2),
    ],
  ])(
    '%s: legs in flight make every turn matter, and the fills are those of the loop that turned every interval',
    async (_name, campaignOf) => {
      const jumping = await backtest(campaignOf());
      const turning = await backtest(campaignOf(), { virtualTurns: 'every-interval' });
      expect(jumping.fills.length).toBeGreaterThan(0);
      expect(digestOf(jumping.fills)).toBe(digestOf(turning.fills));
      expect(jumping.outcome.turns).toBeLessThanOrEqual(turning.outcome.turns);
    },
    120_000,
  );

  /** A canonical replay of `updates` quote pairs of BTC, one pair every `gapMs`, with a ±60 bps dislocation every tenth pair. */
  function sparseReplay(updates: number, gapMs: number): Campaign {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-jumps-'));
    const lines = ['ts,symbol,venue,bid,ask'];
    for (let i = 0; i < updates; i++) {
      const ts = T0 + i * gapMs;
      const b = i % 10 === 5 ? 100_600 : 100_000;
      lines.push(`${ts},BTC,A,${137_990_000},${138_010_000}`, `${ts},BTC,B,${b - 5},${b + 5}`);
    }
    writeFileSync(join(dir, 'sparse.csv'), `${lines.join('\n')}\n`);
    return testCampaign({
      symbols: ['BTC'],
      feed: { kind: 'replay', path: join(dir, 'sparse.csv') },
      strategy: { maxHolding: '2m', maxQuoteAge: '1d' },
      watchdog: { heartbeatInterval: '1s', staleAfter: '10s' },
      duration: '400d',
      clock: 'virtual',
    });
  }

  it('turns as often for 500 update times over 100 days as over 500 s: with the updates, not with the recorded time', async () => {
    const dense = await backtest(sparseReplay(500, 1_000));
    const sparse = await backtest(sparseReplay(500, 86_400_000 / 5));
    // The same trades either way: one per dislocation, closed by reversion at the next pair.
    expect(sparse.outcome.trades).toBe(dense.outcome.trades);
    expect(sparse.outcome.trades).toBe(50);
    expect(sparse.outcome.engineMs).toBe(499 * 17_280_000);
    // At most one turn per update time, trade event (its commit due) and chart or monitor mark (200 each), not one per second of 100 days (8.6 million).
    const bound = 500 + 2 * 50 + 2 * 200 + 10;
    expect(dense.outcome.turns).toBeLessThanOrEqual(bound);
    expect(sparse.outcome.turns).toBeLessThanOrEqual(bound);
  }, 120_000);
});
