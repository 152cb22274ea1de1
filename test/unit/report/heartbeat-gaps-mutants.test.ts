/**
 * "Monitoring on" while a campaign still runs (the live report), found by a narrowed mutation run
 * (docs/mutation.md): only a RUNNING shard is judged on the age of its latest heartbeat; a shard
 * that has ended (COMPLETED, FAILED) is silent because it ended, and one not launched yet
 * (PENDING, LAUNCHING) has nothing to say. Judging them would fail every live campaign with a
 * shard done early or still being launched, while a RUNNING shard gone quiet still fails it.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../../core/report/build-report.js';
import type { ShardStatus } from '../../../core/model/records.js';
import { longestHeartbeatGap } from '../../../core/report/heartbeat-gaps.js';
import { campaignRun, SEC, T0 } from './report-fixtures.js';

/** A campaign 600 s into its 1200, every shard RUNNING, looked at 20 s after the last heartbeats (staleAfter 45 s). */
function liveRun(): ReportInput {
  const run = campaignRun({ durationSec: 1200, ranSec: 600, status: 'RUNNING' });
  delete run.campaign.endedAt;
  delete run.campaign.endReason;
  for (const s of run.shards) s.status = 'RUNNING';
  run.now = T0 + 620 * SEC;
  return run;
}

/** shard-001 heard from only until `untilSec` (its history and its record's latest heartbeat), then in `status`. */
function quietFrom(run: ReportInput, untilSec: number, status: ShardStatus): ReportInput {
  const shard = run.shards[1]!;
  const kept = (run.heartbeats[shard.shardId] ?? []).filter((h) => h.receivedAt <= T0 + untilSec * SEC);
  run.heartbeats[shard.shardId] = kept;
  const last = kept.at(-1);
  if (last) shard.heartbeat = last;
  else delete shard.heartbeat;
  shard.status = status;
  return run;
}

const monitoring = (run: ReportInput) => buildReport(run).acceptance.find((a) => a.id === 'monitoring');

describe('Monitoring on, while the campaign runs', () => {
  it('a RUNNING shard quiet for 320 s fails it (the wrong run)', () => {
    expect(monitoring(quietFrom(liveRun(), 300, 'RUNNING'))).toMatchObject({ pass: false, result: 'shard-001 gen 0: 320 s silent from +5m' });
  });

  it.each(['COMPLETED', 'FAILED'] as const)('a shard %s 320 s ago is not judged on its silence since', (status) => {
    expect(monitoring(quietFrom(liveRun(), 300, status))).toMatchObject({ pass: true });
  });

  // shard-000's longest gap is its open one: its last heartbeat at 600 s, looked at 620 s.
  it.each(['PENDING', 'LAUNCHING'] as const)('a shard %s that never heartbeated is not yet due to', (status) => {
    expect(monitoring(quietFrom(liveRun(), -1, status))).toMatchObject({ pass: true, result: 'longest gap 20 s (shard-000)' });
  });

  it('a shard RUNNING (or ended) that never heartbeated fails it', () => {
    expect(monitoring(quietFrom(liveRun(), -1, 'RUNNING'))).toMatchObject({ pass: false, result: 'shard-001 never heartbeated' });
    expect(monitoring(quietFrom(liveRun(), -1, 'COMPLETED'))).toMatchObject({ pass: false, result: 'shard-001 never heartbeated' });
  });

  it('one heartbeat is a gap of 0 s, named by its shard and generation', () => {
    const run = liveRun();
    const one = run.heartbeats['shard-000']!.slice(0, 1);
    expect(longestHeartbeatGap(run.shards[0]!, one, undefined)).toEqual({ shardId: 'shard-000', generation: 0, gapSec: 0, fromMs: null });
  });
});
