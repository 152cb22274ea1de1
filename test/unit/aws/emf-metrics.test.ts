import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { engineMetricsService, fleetEventMetrics, fleetGauges, fleetMetrics, publishFleetGauges } from '../../../core/aws/emf-metrics.js';
import { heartbeat, restart, SEC, shard, T0 } from '../fleet/fleet-fixtures.js';
import { ms } from '../../../core/model/units.js';

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const NOW = T0 + 3_600 * SEC;

describe('fleetGauges', () => {
  it('counts active and stale shards and the oldest live heartbeat', () => {
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
    expect(gauges).toMatchObject({ activeShards: 5, staleShards: 2 });
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

  it('is all zeros for an empty fleet', () => {
    expect(fleetGauges([], NOW)).toEqual({ activeShards: 0, staleShards: 0, heartbeatAgeMaxSec: 0 });
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
    expect(doc?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'FailedShards', Unit: 'Count' }]);
    expect(doc).toMatchObject({ service: 'fleet', FailedShards: 1 });
  });

  it('flushes one EMF document per watchdog pass: the gauges, WatchdogPasses = 1, FailedShards, StoreUnavailable and MassStaleness = 0, and no restart (those are published as they happen)', () => {
    const at = now();
    const shards = [
      shard({ heartbeat: heartbeat(0, at - 8 * SEC), restarts: [restart(at - 5 * SEC, { cause: 'STALLED' })] }),
      shard({ shardId: 's1', status: 'FAILED' }),
    ];
    publishFleetGauges(shards, at, {}, fleetMetrics('arbfleet-test', 'watchdog'));

    const [gauges, ...more] = documents();
    expect(more).toEqual([]);
    const directive = gauges!._aws.CloudWatchMetrics[0]!;
    expect(gauges!._aws.Timestamp).toBe(at);
    expect(directive.Namespace).toBe('arbfleet-test');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics).toEqual([
      { Name: 'ActiveShards', Unit: 'Count' },
      { Name: 'StaleShards', Unit: 'Count' },
      { Name: 'HeartbeatAgeMax', Unit: 'Seconds' },
      { Name: 'WatchdogPasses', Unit: 'Count' },
      { Name: 'FailedShards', Unit: 'Count' },
      { Name: 'StoreUnavailable', Unit: 'Count' },
      { Name: 'MassStaleness', Unit: 'Count' },
    ]);
    expect(gauges).toMatchObject({
      service: 'watchdog',
      ActiveShards: 1,
      StaleShards: 0,
      HeartbeatAgeMax: 8,
      WatchdogPasses: 1,
      FailedShards: 0,
      StoreUnavailable: 0,
      MassStaleness: 0,
    });
  });

  it('counts a STORE_UNAVAILABLE restart as a restart of its cause and as StoreUnavailable; a mass-staleness pass as MassStaleness, and StoreUnavailable only when its probe failed', () => {
    const events = fleetEventMetrics(() => fleetMetrics('arbfleet-test', 'stack-a'));
    const at = now();
    events.restarted('STORE_UNAVAILABLE', at);
    events.restarted('CRASHED', at);
    events.massStaleness(true, at);
    events.massStaleness(false, at);
    const docs = documents();
    expect(docs).toHaveLength(5);
    expect(docs[0]).toMatchObject({ Cause: 'STORE_UNAVAILABLE', Restarts: 1 });
    expect(docs[1]).toMatchObject({ service: 'stack-a', StoreUnavailable: 1 });
    expect(docs[1]).not.toHaveProperty('Cause');
    expect(docs[2]).toMatchObject({ Cause: 'CRASHED', Restarts: 1 });
    expect(docs[3]).toMatchObject({ service: 'stack-a', MassStaleness: 1, storeOk: 'true' });
    expect(docs[3]).not.toHaveProperty('StoreUnavailable');
    expect(docs[4]).toMatchObject({ service: 'stack-a', MassStaleness: 1, StoreUnavailable: 1, storeOk: 'false' });
  });

  it('publishes each restart and failure the moment it is decided, one per event, with its cause', () => {
    const events = fleetEventMetrics(() => fleetMetrics('arbfleet-test', 'stack-a'));
    const at = now();
    events.restarted('OOM', at);
    events.shardFailed(at);
    const [restartDoc, failedDoc] = documents();
    expect(restartDoc!._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'arbfleet-test',
      Dimensions: [['service', 'Cause']],
      Metrics: [{ Name: 'Restarts', Unit: 'Count' }],
    });
    expect(restartDoc).toMatchObject({ service: 'stack-a', Cause: 'OOM', Restarts: 1 });
    expect(failedDoc).toMatchObject({ service: 'stack-a', FailedShards: 1 });
  });

  it('flushes engine metrics twice: with service only (what alarms watch) and with Campaign and Shard, the generation only as a property', () => {
    const at = now();
    fleetMetrics('arbfleet-test', 'engine').publishEngine({ campaignId: 'c-1', shardId: 'shard-003' }, 4, {
      at: ms(at),
      ticksPerSec: 1250.5,
      latencyP99Us: 87,
      rssBytes: 123_456_789,
    });

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
    expect(perShard).toMatchObject({
      Campaign: 'c-1',
      Shard: 'shard-003',
      generation: '4',
      EngineTicksPerSec: 1250.5,
      EngineLatencyP99Us: 87,
      EngineRssBytes: 123_456_789,
    });
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

describe('engine metrics service', () => {
  it("is the stack's own, so two stacks in one account never share an engine alarm", () => {
    expect(engineMetricsService('Arbfleet')).toBe('Arbfleet-engine');
    expect(engineMetricsService('ArbfleetStaging')).not.toBe(engineMetricsService('Arbfleet'));
  });
});
