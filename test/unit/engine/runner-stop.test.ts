/**
 * The engine records why it stops (`Progress.stop`, `RunOutcome.stop`): a signal, its replay
 * running out, or the campaign's end by its own clock. The fleet reads it from the final heartbeat
 * to tell an engine's own end from a stop from outside (`core/fleet/stop-author.ts`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { silentLogger } from '../../../core/log.js';
import { ShardRunner } from '../../../engine-task/src/runner.js';
import { T0, testCampaign } from '../../support/campaigns.js';
import { runFolder } from '../../support/cli-process.js';
import { KEY, runVirtual } from '../../support/run-shard.js';

/** A lively synthetic market: trades open within seconds of engine time. */
const lively = (duration: string) =>
  testCampaign({
    symbols: ['BTC', 'ETH'],
    feed: { kind: 'synthetic', seed: 7421, ticksPerSecond: 10, volatilityBps: 3, dislocationBps: 25, dislocationHalfLife: '2s' },
    strategy: { entryBps: 25, exitBps: 5, takeProfitBps: 30, stopLossBps: 60, maxHolding: '2m', orderNotional: 1000 },
    duration,
  });

describe('the engine says why it stopped', () => {
  it("reaching the campaign's end: the final heartbeat and the outcome say deadline, and no other heartbeat says anything", async () => {
    const { outcome, ledger } = await runVirtual(lively('2m'));
    expect(outcome).toMatchObject({ end: 'completed', reason: 'max runtime reached', stop: { by: 'deadline' } });
    const beats = ledger.heartbeats(KEY);
    expect(beats.at(-1)?.progress.stop).toEqual({ by: 'deadline' });
    expect(beats.slice(0, -1).filter((b) => b.progress.stop !== undefined)).toEqual([]);
  });

  it('a replay that runs out: feed-done', async () => {
    const path = join(runFolder(), 'short.csv');
    const rows = ['ts,symbol,venue,bid,ask', `${T0},FX,,1380`];
    for (let t = 0; t <= 5_000; t += 100) rows.push(`${T0 + t},BTC,A,131090000,131110000`, `${T0 + t},BTC,B,94995,95005`);
    writeFileSync(path, `${rows.join('\n')}\n`);
    const { outcome, ledger } = await runVirtual(testCampaign({ symbols: ['BTC'], feed: { kind: 'replay', path }, duration: '1h' }));
    expect(outcome).toMatchObject({ end: 'completed', reason: 'replay ended', stop: { by: 'feed-done' } });
    expect(ledger.heartbeats(KEY).at(-1)?.progress).toMatchObject({ feedDone: true, stop: { by: 'feed-done' } });
  });

  it('a signal: it stops at once, commits every fill with a checkpoint that keeps its open trades, and names the signal', async () => {
    const ledger = new MemoryShardLedger();
    let runner: ShardRunner | undefined;
    runner = new ShardRunner({
      campaign: lively('1h'),
      shardIndex: 0,
      symbols: ['BTC', 'ETH'],
      persistence: ledger.forTask(KEY, 0),
      mode: 'virtual',
      log: silentLogger,
      startAt: T0,
      // Stopped as soon as a heartbeat shows a trade open: the stop must not close it.
      onHeartbeat: (p) => {
        if (p.openTrades > 0) runner?.stop('SIGTERM');
      },
    });
    const outcome = await runner.run();
    expect(outcome).toMatchObject({ end: 'stopped', reason: 'SIGTERM', stop: { by: 'signal', signal: 'SIGTERM' }, fillsUncommitted: 0 });
    const final = ledger.heartbeats(KEY).at(-1)?.progress;
    expect(final?.stop).toEqual({ by: 'signal', signal: 'SIGTERM' });
    expect(final?.openTrades).toBeGreaterThan(0);
    expect(ledger.checkpoint(KEY)?.lastFillSeq).toBe(outcome.fills - 1);
    expect(outcome.engineMs).toBeLessThan(3600 * 1000);
  });
});
