/**
 * The health file on virtual time (runner.ts `writeHealth`): heartbeats come as fast as the CPU
 * replays (199 for 3 months of 5-minute candles in a second or two), but the file is judged on
 * wall time (healthcheck.ts, stale after 60 s), so it is written at most once per heartbeat
 * interval of wall time, not once per heartbeat, and at the final heartbeat; on real time, at every
 * heartbeat as before.
 */
import { asEpochMs } from '../../../core/clock.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { silentLogger } from '../../../core/log.js';
import { ShardRunner } from '../../../engine-task/src/runner.js';
import { testCampaign } from '../../support/campaigns.js';
import { runFolder } from '../../support/cli-process.js';

const T0 = 1_700_000_000_000;
const HEARTBEAT_MS = 1_000;

/** A canonical replay of BTC quoted every second for `minutes`. */
function replayFile(minutes: number): string {
  const rows = ['ts,symbol,venue,bid,ask', `${T0},FX,,1380`];
  for (let t = 0; t <= minutes * 60_000; t += 1_000) rows.push(`${T0 + t},BTC,A,131090000,131110000`, `${T0 + t},BTC,B,94995,95005`);
  const path = join(runFolder(), 'quotes.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

describe('the health file on virtual time', () => {
  it('is written at most once per heartbeat interval of wall time, while heartbeats come per chart step of recorded time', async () => {
    const dir = runFolder();
    const healthFile = join(dir, 'health.json');
    let wall = Date.UTC(2026, 0, 1);
    const written: number[] = [];
    let beats = 0;
    const runner = new ShardRunner({
      campaign: testCampaign({
        symbols: ['BTC'],
        feed: { kind: 'replay', path: replayFile(120) },
        duration: '3h',
        watchdog: { heartbeatInterval: `${HEARTBEAT_MS / 1000}s`, staleAfter: '10s' },
      }),
      shardIndex: 0,
      symbols: ['BTC'],
      persistence: new MemoryShardLedger().forTask({ campaignId: 'c-health', shardId: 'shard-000' }, 0),
      mode: 'virtual',
      log: silentLogger,
      clock: { now: () => asEpochMs(wall) },
      healthFile,
      // Called before the beat's health write: what the file holds is the earlier beats' doing.
      onHeartbeat: () => {
        beats++;
        try {
          const at = (JSON.parse(readFileSync(healthFile, 'utf8')) as { at: number }).at;
          if (written.at(-1) !== at) written.push(at);
        } catch {
          // not written yet
        }
        wall += HEARTBEAT_MS / 4; // four heartbeats per interval of wall time
      },
    });
    const outcome = await runner.run();
    expect(beats).toBeGreaterThan(40);
    // The final heartbeat's progress is written whatever the interval: the last word is the end's.
    expect(JSON.parse(readFileSync(healthFile, 'utf8'))).toMatchObject({ ticks: outcome.ticks });
    expect(written.length).toBeGreaterThan(beats / 8);
    expect(written.length).toBeLessThan(beats / 2);
    for (let i = 1; i < written.length; i++) expect((written[i] as number) - (written[i - 1] as number)).toBeGreaterThanOrEqual(HEARTBEAT_MS);
  });
});
