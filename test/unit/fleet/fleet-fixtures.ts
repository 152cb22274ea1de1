/**
 * Builders for the fleet's unit tests: a shard, a heartbeat, a task status and a watchdog policy,
 * each valid by default and overridable field by field.
 */
import type { CampaignRecord, Heartbeat, RestartRecord, ShardRecord } from '../../../core/model/records.js';
import type { WatchdogPolicy } from '../../../core/fleet/watchdog-policy.js';
import type { Progress } from '../../../core/model/progress.js';
import type { TaskStatus } from '../../../core/ports.js';
import { ms, ZERO_MICROS } from '../../../core/model/units.js';

/** The tests' epoch: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
export const SEC = 1000;
export const GIB = 1024 * 1024 * 1024;

export function progress(overrides: Partial<Progress> = {}): Progress {
  return {
    at: ms(T0),
    uptimeSec: 0,
    ticks: 0,
    ticksPerSec: 0,
    trades: 0,
    tradesClosed: 0,
    openTrades: 0,
    fillsA: 0,
    fillsB: 0,
    lastFillSeq: -1,
    rejectedEntries: 0,
    realizedPnlMicros: ZERO_MICROS,
    unrealizedPnlMicros: ZERO_MICROS,
    latencyP50Us: 10,
    latencyP99Us: 50,
    latencyMaxUs: 200,
    rssBytes: 200 * 1024 * 1024,
    heapUsedBytes: 50 * 1024 * 1024,
    symbols: [],
    ...overrides,
  };
}

export function heartbeat(generation: number, receivedAt: number, overrides: Partial<Progress> = {}): Heartbeat {
  return { generation, receivedAt: ms(receivedAt), progress: progress({ at: ms(receivedAt), ...overrides }) };
}

export function shard(overrides: Partial<ShardRecord> = {}): ShardRecord {
  return {
    campaignId: 'c-1',
    shardId: 'shard-000',
    index: 0,
    symbols: ['BTC', 'ETH'],
    status: 'RUNNING',
    generation: 0,
    taskId: 'task-0',
    launchedAt: ms(T0),
    restarts: [],
    backoffSec: 0,
    peakRssBytes: 0,
    updatedAt: ms(T0),
    version: 7,
    ...overrides,
  };
}

export function restart(detectedAt: number, overrides: Partial<RestartRecord> = {}): RestartRecord {
  return {
    fromGeneration: 0,
    cause: 'CRASHED',
    detail: { exitCode: 1 },
    failedAt: ms(detectedAt),
    detectedAt: ms(detectedAt),
    detectionDelaySec: 0,
    ...overrides,
  };
}

export function task(overrides: Partial<TaskStatus> = {}): TaskStatus {
  return { taskId: 'task-0', state: 'RUNNING', ...overrides };
}

export function policy(overrides: Partial<WatchdogPolicy> = {}): WatchdogPolicy {
  return {
    heartbeatIntervalSec: 10,
    staleAfterSec: 45,
    launchTimeoutSec: 180,
    memoryRecycleAt: 0.8,
    taskMemoryBytes: GIB,
    confirmAfterSec: 9,
    maxRestarts: 3,
    restartWindowSec: 3600,
    maxPreemptions: 4,
    backoff: { initial: 5, max: 300, multiplier: 2, resetAfter: 600 },
    ...overrides,
  };
}

export function campaign(overrides: Partial<CampaignRecord> = {}): CampaignRecord {
  return {
    campaignId: 'c-1',
    name: 'soak',
    status: 'SCHEDULED',
    config: { duration: 3600, onShardFailure: 'fail' },
    symbols: ['BTC', 'ETH'],
    shardCount: 1,
    createdAt: ms(T0),
    updatedAt: ms(T0),
    version: 3,
    ...overrides,
  };
}
