import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fleetGauges, fleetMetrics, publishFleetGauges } from '../../../core/aws/emf-metrics.js';
import { heartbeat, restart, SEC, shard, T0 } from '../fleet/fleet-fixtures.js';

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const NOW = T0 + 3_600 * SEC;

describe('fleetGauges', () => {
  it('counts active, stale and failed shards and the oldest live heartbeat', () => {
    const shards = [
      shard({ shardId: 'healthy', heartbeat: heartbeat(0, NOW - 4 * SEC) }),
      shard({ shardId: 'suspect', heartbeat: heartbeat(0, NOW - 50 * SEC), suspectSince: NOW - 5 * SEC }),
      shard({ shardId: 'launching', status: 'LAUNCHING', generation: 2, heartbeat: heartbeat(2, NOW - 12 * SEC) }),
      shard({ shardId: 'lost', status: 'LOST', heartbeat: heartbeat(0, NOW - 600 * SEC) }),
      shard({ shardId: 'restarting', status: 'RESTARTING', generation: 1, heartbeat: heartbeat(0, NOW - 900 * SEC) }),
      shard({ shardId: 'failed', status: 'FAILED' }),
      shard({ shardId: 'done', status: 'COMPLETED', heartbeat: heartbeat(0, NOW - 7_200 * SEC) }),
    ];
    const gauges = fleetGauges(shards, NOW);
    expect(gauges).toMatchObject({ activeShards: 5, staleShards: 2, failedShards: 1 });
    // Only LAUNCHING/RUNNING shards' current-generation heartbeats count: the suspect's 50 s.
    expect(gauges.heartbeatAgeMaxSec).toBe(50);
  });

  it('counts a RUNNING shard with an old heartbeat as stale when a threshold is given', () => {
    const shards = [shard({ heartbeat: heartbeat(0, NOW - 31 * SEC) })];
    expect(fleetGauges(shards, NOW).staleShards).toBe(0);
    expect(fleetGauges(shards, NOW, { staleAfterSec: 30 }).staleShards).toBe(1);
  });

  it('ignores a heartbeat of an older generation', () => {
    const shards = [shard({ generation: 3, status: 'LAUNCHING', heartbeat: heartbeat(2, NOW - 500 * SEC) })];
    expect(fleetGauges(shards, NOW).heartbeatAgeMaxSec).toBe(0);
  });

  it('counts restarts detected within the window, by cause, every cause present', () => {
    const shards = [
      shard({ restarts: [restart(NOW - 120 * SEC), restart(NOW - 30 * SEC), restart(NOW - 10 * SEC, { cause: 'OOM' })] }),
      shard({ shardId: 'shard-001', restarts: [restart(NOW - 59 * SEC, { cause: 'OOM' }), restart(NOW + SEC, { cause: 'LOST' })] }),
    ];
    expect(fleetGauges(shards, NOW).restarts).toEqual({ STALLED: 0, CRASHED: 1, OOM: 2, LOST: 0, LAUNCH_TIMEOUT: 0, RECYCLED: 0 });
    expect(fleetGauges(shards, NOW, { restartsSince: NOW - 200 * SEC }).restarts.CRASHED).toBe(2);
  });

  it('is all zeros for an empty fleet', () => {
    expect(fleetGauges([], NOW)).toMatchObject({ activeShards: 0, staleShards: 0, failedShards: 0, heartbeatAgeMaxSec: 0 });
  });
});

describe('fleetMetrics (Embedded Metric Format on stdout)', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const documents = (): EmfDocument[] => lines.map((line) => JSON.parse(line) as EmfDocument);
  const now = () => Math.floor(Date.now() / 1000) * 1000; // CloudWatch drops EMF stamped > 14 days ago

  it('publishes a failure seen by the task-events path as a FailedShards line of its own', () => {
    fleetMetrics('arbfleet-test', 'fleet').publishFailedShards(1, now());
    const [doc] = documents();
    expect(doc!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'FailedShards', Unit: 'Count' }]);
    expect(doc).toMatchObject({ service: 'fleet', FailedShards: 1 });
  });

  it('flushes the fleet gauges as one EMF document, then one Restarts document per cause', () => {
    const at = now();
    const shards = [shard({ heartbeat: heartbeat(0, at - 8 * SEC), restarts: [restart(at - 5 * SEC, { cause: 'STALLED' })] }), shard({ shardId: 's1', status: 'FAILED' })];
    publishFleetGauges(shards, at, {}, fleetMetrics('arbfleet-test', 'watchdog'));

    const [gauges, ...restarts] = documents();
    const directive = gauges!._aws.CloudWatchMetrics[0]!;
    expect(gauges!._aws.Timestamp).toBe(at);
    expect(directive.Namespace).toBe('arbfleet-test');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics).toEqual([
      { Name: 'ActiveShards', Unit: 'Count' },
      { Name: 'StaleShards', Unit: 'Count' },
      { Name: 'FailedShards', Unit: 'Count' },
      { Name: 'HeartbeatAgeMax', Unit: 'Seconds' },
    ]);
    expect(gauges).toMatchObject({ service: 'watchdog', ActiveShards: 1, StaleShards: 0, FailedShards: 1, HeartbeatAgeMax: 8 });

    expect(restarts).toHaveLength(6);
    for (const doc of restarts) {
      expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'arbfleet-test', Dimensions: [['service', 'Cause']], Metrics: [{ Name: 'Restarts', Unit: 'Count' }] });
    }
    expect(Object.fromEntries(restarts.map((d) => [d.Cause, d.Restarts]))).toEqual({ STALLED: 1, CRASHED: 0, OOM: 0, LOST: 0, LAUNCH_TIMEOUT: 0, RECYCLED: 0 });
  });

  it('flushes engine metrics twice: with service only (what alarms watch) and with Campaign and Shard, the generation only as a property', () => {
    const at = now();
    fleetMetrics('arbfleet-test', 'engine').publishEngine({ campaignId: 'c-1', shardId: 'shard-003' }, 4, { at, ticksPerSec: 1250.5, latencyP99Us: 87, rssBytes: 123_456_789 });

    expect(lines).toHaveLength(2);
    const [fleetWide, perShard] = documents();
    const metrics = [
      { Name: 'EngineTicksPerSec', Unit: 'Count/Second' },
      { Name: 'EngineLatencyP99Us', Unit: 'Microseconds' },
      { Name: 'EngineRssBytes', Unit: 'Bytes' },
    ];
    expect(fleetWide!._aws.CloudWatchMetrics[0]).toEqual({ Namespace: 'arbfleet-test', Dimensions: [['service']], Metrics: metrics });
    expect(fleetWide).not.toHaveProperty('Campaign');
    expect(perShard!._aws.Timestamp).toBe(at);
    expect(perShard!._aws.CloudWatchMetrics[0]).toEqual({ Namespace: 'arbfleet-test', Dimensions: [['service', 'Campaign', 'Shard']], Metrics: metrics });
    expect(perShard).toMatchObject({ Campaign: 'c-1', Shard: 'shard-003', generation: '4', EngineTicksPerSec: 1250.5, EngineLatencyP99Us: 87, EngineRssBytes: 123_456_789 });
  });

  it('does not carry one flush dimensions into the next', () => {
    const metrics = fleetMetrics('arbfleet-test', 'fleet');
    const at = now();
    metrics.publishRestarts('OOM', 2, at);
    metrics.publishFleet(fleetGauges([], at), at);
    const [oom, gauges] = documents();
    expect(oom).toMatchObject({ Cause: 'OOM', Restarts: 2 });
    expect(gauges!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(gauges).not.toHaveProperty('Cause');
  });
});

describe('failed shards', () => {
  it('counts the shards a pass failed, which have already left the active index', () => {
    expect(fleetGauges([], Date.UTC(2026, 0, 1), { failedNow: 2 }).failedShards).toBe(2);
    expect(fleetGauges([], Date.UTC(2026, 0, 1)).failedShards).toBe(0);
  });

});
