/**
 * The report's Crash-free row does not blame the engines for a busy or unreachable store: a
 * `STORE_UNAVAILABLE` restart is said in the row's result and never counted as a crash; nor is
 * an engine that refused its input (exit 2, bad input: its shard FAILED, never restarted).
 */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../core/report/build-report.js';
import { campaignRun } from './report-fixtures.js';

function crashFree(run: ReturnType<typeof campaignRun>) {
  return buildReport(run).acceptance.find((a) => a.id === 'no-unhandled-exception');
}

describe('Crash-free and a store that was unavailable', () => {
  it('passes with store outages only, naming them', () => {
    const run = campaignRun({
      restarts: [
        { shard: 0, cause: 'STORE_UNAVAILABLE', atSec: 200, downSec: 10 },
        { shard: 1, cause: 'STORE_UNAVAILABLE', atSec: 201, downSec: 10 },
      ],
    });
    expect(crashFree(run)).toMatchObject({
      pass: true,
      result: '0 crashes; 2 restart(s) for the store being unavailable (STORE_UNAVAILABLE), not counted as crashes',
    });
  });

  it('still fails on a crash beside them, counting only the crash', () => {
    const run = campaignRun({
      restarts: [
        { shard: 0, cause: 'STORE_UNAVAILABLE', atSec: 200, downSec: 10 },
        { shard: 1, cause: 'CRASHED', atSec: 300, downSec: 10 },
      ],
    });
    expect(crashFree(run)).toMatchObject({
      pass: false,
      result: '1 crash (CRASHED ×1); restart causes are listed below; 1 restart(s) for the store being unavailable (STORE_UNAVAILABLE), not counted as crashes',
    });
  });

  it('bad input (engine exit 2): the shard failed, said once, neither a crash nor a restart; a crash restart beside it still counts', () => {
    const run = campaignRun({ restarts: [{ shard: 1, cause: 'CRASHED', atSec: 300, downSec: 10 }] });
    const shard = run.shards[0]!;
    const at = shard.updatedAt;
    shard.status = 'FAILED';
    shard.restarts.push({
      fromGeneration: shard.generation,
      cause: 'CRASHED',
      detail: { exitCode: 2, signal: null, note: 'the engine refused its input (exit 2: bad config or data)' },
      failedAt: at,
      detectedAt: at,
      detectionDelaySec: 0,
    });
    const report = buildReport(run);
    expect(crashFree(run)).toMatchObject({
      pass: false,
      result: '1 crash (CRASHED ×1); restart causes are listed below; 1 shard(s) failed for bad input (engine exit 2, not retried), not counted as crashes',
    });
    expect(report.shards[0]!.totals.restarts).toBe(0);
    expect(report.totals.restarts).toBe(1);
    run.shards[1]!.restarts = [];
    run.shards[1]!.generation = 0;
    expect(crashFree(run)).toMatchObject({
      pass: true,
      result: '0 crashes; 1 shard(s) failed for bad input (engine exit 2, not retried), not counted as crashes',
    });
  });
});
