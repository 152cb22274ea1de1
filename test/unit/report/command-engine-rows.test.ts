/**
 * Two acceptance rows for a command engine arbfleet did not write (docs/task-protocol.md), each
 * with a crafted failing run: an engine whose `progress` carries no `latency` (the agent writes 0
 * placeholders, `latencyMeasured: false`) and one that never says `hello` (the agent's own
 * heartbeats: 0 ticks, 0 turns, while its restarts crash).
 */
import { describe, expect, it } from 'vitest';
import { ProgressSchema } from '../../../core/model/progress.js';
import { buildReport, type ReportInput } from '../../../core/report/build-report.js';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import { campaignRun } from './report-fixtures.js';

function criterion(report: CampaignReport, id: CampaignReport['acceptance'][number]['id']) {
  const found = report.acceptance.find((a) => a.id === id);
  if (!found) throw new Error(`no acceptance criterion ${id}`);
  return found;
}

/** Every heartbeat of `shardId` as the agent writes it for an engine that sent no latency. */
function latencyUnmeasured(run: ReportInput, shardId: string): void {
  for (const h of run.heartbeats[shardId] ?? []) {
    Object.assign(h.progress, { latencyP50Us: 0, latencyP99Us: 0, latencyMaxUs: 0, latencyMeasured: false });
  }
}

/** Every heartbeat of `shardId` as the agent beats alone: the engine never said hello, so no progress. */
function agentBeatsOnly(run: ReportInput, shardId: string): void {
  for (const h of run.heartbeats[shardId] ?? []) Object.assign(h.progress, { ticks: 0, ticksPerSec: 0, turns: 0, trades: 0 });
}

describe('loop latency of an engine that measures none', () => {
  it('says "not measured" and does not pass, rather than passing on 0 µs', () => {
    const run = campaignRun();
    latencyUnmeasured(run, 'shard-000');
    latencyUnmeasured(run, 'shard-001');
    const report = buildReport(run);
    const row = criterion(report, 'loop-latency');
    expect(row.pass).toBe(false);
    expect(row.result).toMatch(/^not measured for shard-000, shard-001 \(its engine's progress carried no latency/);
    expect(report.outcome.acceptance.failedRows.map((r) => r.id)).toContain('loop-latency');
  });

  it('judges the shards that measured and names the one that did not', () => {
    const run = campaignRun({ latencyP99Us: () => 90 });
    latencyUnmeasured(run, 'shard-001');
    const row = criterion(buildReport(run), 'loop-latency');
    expect(row).toMatchObject({ pass: false });
    expect(row.result).toMatch(/^90 µs \(worst: shard-000\); not measured for shard-001 /);
  });

  it('reads heartbeats stored before the flag as measured, and the flag round-trips the schema', () => {
    const row = criterion(buildReport(campaignRun({ latencyP99Us: () => 0 })), 'loop-latency');
    expect(row.pass).toBe(true);
    const progress = campaignRun().heartbeats['shard-000']![1]!.progress;
    expect(ProgressSchema.parse({ ...progress, latencyMeasured: false }).latencyMeasured).toBe(false);
    expect(ProgressSchema.parse(progress).latencyMeasured).toBeUndefined();
    expect(ProgressSchema.safeParse({ ...progress, latencyMeasured: true }).success).toBe(false);
  });
});

describe('an engine that never says hello: the agent heartbeats, the engine never runs', () => {
  const helloLess = () => {
    const run = campaignRun({ restarts: [1, 2, 3, 4].map((n) => ({ shard: 0, cause: 'CRASHED' as const, atSec: n * 200, downSec: 20 })) });
    agentBeatsOnly(run, 'shard-000');
    return buildReport(run);
  };

  it('fails "Ran the full duration" on 0 ticks over the campaign, though it is COMPLETED and heartbeated to the end', () => {
    const row = criterion(helloLess(), 'full-duration');
    expect(row.pass).toBe(false);
    expect(row.result).toMatch(/COMPLETED; shard-000: no engine progress in \d+ heartbeats \(0 ticks, 0 turns/);
  });

  it('fails "Monitoring on": liveness beats without engine progress are not monitoring', () => {
    const row = criterion(helloLess(), 'monitoring');
    expect(row.pass).toBe(false);
    expect(row.result).toMatch(/^shard-000: no engine progress in \d+ heartbeats/);
  });

  it('fails the engine-time row too (clock: virtual)', () => {
    const run = campaignRun({ config: { clock: 'virtual' } });
    agentBeatsOnly(run, 'shard-001');
    for (const h of run.heartbeats['shard-001'] ?? []) delete h.progress.eventTime;
    const row = criterion(buildReport(run), 'full-duration');
    expect(row.pass).toBe(false);
    expect(row.result).toContain('shard-001: no engine progress in');
  });

  it('does not fail monitoring on a shard just started, whose first beats within staleAfter show no progress yet', () => {
    const run = campaignRun({ ranSec: 30, durationSec: 600, status: 'RUNNING' });
    delete run.campaign.endedAt;
    for (const s of run.shards) s.status = 'RUNNING';
    agentBeatsOnly(run, 'shard-000');
    run.now = run.heartbeats['shard-000']!.at(-1)!.receivedAt + 1000;
    expect(criterion(buildReport(run), 'monitoring').pass).toBe(true);
  });
});
