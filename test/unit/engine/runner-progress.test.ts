import { writeFileSync } from 'node:fs';
import { asEpochMs } from '../../../core/clock.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { silentLogger } from '../../../core/log.js';
import type { Progress } from '../../../core/model/progress.js';
import { ShardRunner, type RunnerOptions } from '../../../engine-task/src/runner.js';
import { testCampaign } from '../../support/campaigns.js';
import { runFolder } from '../../support/cli-process.js';

const KEY = { campaignId: 'c-progress', shardId: 'shard-000' };
const T0 = 1_700_000_000_000;

/** A canonical replay of BTC quoted every 100 ms, with a quiet stretch from `quietFrom` to `quietTo` (ms after T0). */
function replayFile(lengthMs: number, quietFrom: number, quietTo: number): string {
  const rows = ['ts,symbol,venue,bid,ask', `${T0},FX,,1380`];
  for (let t = 0; t <= lengthMs; t += 100) {
    if (t > quietFrom && t < quietTo) continue;
    rows.push(`${T0 + t},BTC,A,131090000,131110000`, `${T0 + t},BTC,B,94995,95005`);
  }
  const path = join(runFolder(), 'quiet.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

async function runReal(path: string, speed: number): Promise<{ beats: Progress[]; end: string; reason: string }> {
  const campaign = testCampaign({
    symbols: ['BTC'],
    feed: { kind: 'replay', path, speed },
    duration: '1m',
    watchdog: { heartbeatInterval: '0.1s', staleAfter: '1s' },
    monitor: { interval: '10s', flushInterval: '0.1s' },
  });
  const beats: Progress[] = [];
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: ['BTC'],
    persistence: new MemoryShardLedger().forTask(KEY, 0),
    mode: 'real',
    log: silentLogger,
    onHeartbeat: (p) => beats.push(p),
  });
  const outcome = await runner.run();
  return { beats, end: outcome.end, reason: outcome.reason };
}

/** A real-time runner of one BTC shard on an in-memory ledger, with `extra` options. */
function btcRunner(campaign: RunnerOptions['campaign'], extra: Partial<RunnerOptions> = {}): ShardRunner {
  return new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: ['BTC'],
    persistence: new MemoryShardLedger().forTask(KEY, 0),
    mode: 'real',
    log: silentLogger,
    ...extra,
  });
}

/** A 2-second BTC campaign heartbeating every 100 ms. */
const shortCampaign = (staleAfter: string) =>
  testCampaign({ symbols: ['BTC'], duration: '2s', watchdog: { heartbeatInterval: '0.1s', staleAfter }, monitor: { interval: '10s', flushInterval: '0.1s' } });

describe("the runner's progress in heartbeats", () => {
  it('keeps turning through a quiet stretch of a real-time replay, says since when the feed is idle, and completes when it runs out', async () => {
    // 2 s recorded at speed 1: quotes, 1 s without any, quotes again.
    const { beats, end, reason } = await runReal(replayFile(2_000, 500, 1_500), 1);
    expect([end, reason]).toEqual(['completed', 'replay ended']);
    const quiet = beats.filter(
      (b) => b.feedIdleSince !== undefined && !b.feedDone && b.eventTime !== undefined && b.eventTime > T0 + 800 && b.eventTime < T0 + 1_400,
    );
    expect(quiet.length, 'heartbeats during the quiet stretch').toBeGreaterThanOrEqual(2);
    for (const b of quiet) expect(b.feedIdleSince).toBeLessThanOrEqual(T0 + 600);
    // Ticks stand still while nothing comes; the loop's turns do not.
    const [first, last] = [quiet[0] as Progress, quiet.at(-1) as Progress];
    expect(last.ticks).toBe(first.ticks);
    expect(last.turns as number).toBeGreaterThan(first.turns as number);
    // Engine time is the recorded time; the final heartbeat says the replay is done.
    expect(beats.at(-1)).toMatchObject({ feedDone: true });
    expect(beats.at(-1)?.eventTime).toBeGreaterThanOrEqual(T0 + 2_000);
    expect(beats.at(-1)?.eventTime).toBeLessThan(T0 + 3_000);
  });

  it('stops turning when the engine stalls (chaos stall): heartbeats keep coming with turns standing still', async () => {
    const beats: { at: number; turns: number }[] = [];
    const stallAt = Date.now() + 700;
    const runner = btcRunner(shortCampaign('5s'), {
      chaos: [{ fault: 'stall', at: stallAt }],
      onHeartbeat: (p) => beats.push({ at: Date.now(), turns: p.turns as number }),
    });
    await runner.run();
    const before = beats.filter((b) => b.at < stallAt);
    const after = beats.filter((b) => b.at > stallAt + 200);
    expect((before.at(-1)?.turns ?? 0) > (before[0]?.turns ?? 0), 'turns advance before the stall').toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(new Set(after.map((b) => b.turns)).size, 'turns stand still after it').toBe(1);
  });

  it('fires a fault that fell due while the task was still booting, at once (the fleet hands a launch only the faults due after it)', async () => {
    const turns: number[] = [];
    const runner = btcRunner(shortCampaign('5s'), {
      chaos: [{ fault: 'stall', at: Date.now() - 1_000 }],
      onHeartbeat: (p) => turns.push(p.turns as number),
    });
    const outcome = await runner.run();
    expect(turns.length).toBeGreaterThanOrEqual(5);
    expect(outcome.ticks, 'stalled from its first turn: no quote ever reached the engine').toBe(0);
  });

  it('keeps heartbeating and committing when the wall clock steps 3 s backwards: timers run on the monotonic clock', async () => {
    const started = performance.now();
    // The wall clock runs true for 0.5 s, then steps back 3 s (NTP, a resumed VM) and runs on from there.
    const wall = { now: () => asEpochMs(Date.now() - (performance.now() - started > 500 ? 3_000 : 0)) };
    const beats: number[] = [];
    const runner = btcRunner(shortCampaign('1s'), { clock: wall, monotonic: () => performance.now(), onHeartbeat: () => beats.push(performance.now()) });
    const outcome = await runner.run();
    expect(outcome.end).toBe('completed');
    const gaps = beats.slice(1).map((t, i) => t - (beats[i] as number));
    expect(Math.max(...gaps), 'no heartbeat gap across the step').toBeLessThan(1_000);
    expect(beats.at(-1)! - started, 'the run went on through the step (it ends 3 s later by the stepped wall clock)').toBeGreaterThan(4_000);
  });
});
