/**
 * The fleet's metrics as CloudWatch Embedded Metric Format: JSON lines on stdout that CloudWatch
 * Logs turns into metrics (Lambda and Fargate's awslogs driver both ship stdout), written through
 * Powertools' `Metrics`. The alarms and the dashboard of the CDK stack read these names.
 *
 * Dimensions, kept low-cardinality because every distinct set of dimension values is a metric of
 * its own (billed, and limited per dashboard). `service` is always the stack's own (the Lambdas'
 * `POWERTOOLS_SERVICE_NAME` is the stack name, the engine's is `<stack name>-engine`), so two stacks
 * in one account never share a series or an alarm:
 * - each watchdog pass: the gauges (`ActiveShards`, `StaleShards`, `HeartbeatAgeMax`),
 *   `WatchdogPasses` = 1 (what the "watchdog silent" alarm counts), and `FailedShards`,
 *   `StoreUnavailable` and `MassStaleness` = 0 (so their series exist before the first event),
 *   `service` only;
 * - events, at the moment they happen, from whichever path decided them (the periodic pass or
 *   the task-events path): `Restarts` with `service` and `Cause` (one of the six restart causes),
 *   `FailedShards` with `service` only; `StoreUnavailable` (`service` only) with every
 *   `STORE_UNAVAILABLE` restart and every failed store probe of the mass-staleness rule, and
 *   `MassStaleness` (`service` only) for every pass that found a campaign's shards stale en masse
 *   (`core/fleet/observer-policy.ts`; the line's `storeOk` property says whether the probe passed);
 * - engine metrics (`EngineTicksPerSec`, `EngineLatencyP99Us`, `EngineRssBytes`): twice, once with
 *   `service` only (what the alarms watch: an alarm sees a metric only with its exact dimension
 *   set) and once with `service`, `Campaign` and `Shard` (what the dashboard breaks down). Shard ids are the planner's `shard-NNN`, so a campaign adds one series
 *   per shard and metric, and a restart adds none: the generation and the task are properties of
 *   the log line (searchable with Logs Insights), never dimensions. Symbols are never dimensions.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ShardKey } from '../ports.js';
import type { Progress } from '../model/progress.js';
import type { RestartCause, ShardRecord } from '../model/records.js';
import { isActiveShard } from '../fleet/shard-lifecycle.js';

/** The namespace and service of the fleet's metrics when the environment names none. */
export const DEFAULT_METRICS_NAMESPACE = 'Arbfleet';
export const DEFAULT_METRICS_SERVICE = 'fleet';
/** The `service` dimension of the engine tasks' metrics when the environment names none. */
export const ENGINE_METRICS_SERVICE = 'engine';

/** The engine's `service` dimension in a stack: its own, so stacks in one account never mix. */
export function engineMetricsService(stackService: string): string {
  return `${stackService}-${ENGINE_METRICS_SERVICE}`;
}

/** The metric names, as alarms and dashboards refer to them. */
export const FLEET_METRIC = {
  activeShards: 'ActiveShards',
  staleShards: 'StaleShards',
  failedShards: 'FailedShards',
  heartbeatAgeMax: 'HeartbeatAgeMax',
  restarts: 'Restarts',
  storeUnavailable: 'StoreUnavailable',
  massStaleness: 'MassStaleness',
  watchdogPasses: 'WatchdogPasses',
  engineTicksPerSec: 'EngineTicksPerSec',
  engineLatencyP99Us: 'EngineLatencyP99Us',
  engineRssBytes: 'EngineRssBytes',
} as const;

/** The fleet's state at one moment, as gauges. */
export interface FleetGauges {
  /** Shards not COMPLETED or FAILED. */
  activeShards: number;
  /**
   * Active shards the watchdog holds stale: suspect (a stale reading awaiting confirmation), in
   * STALLED or LOST, or (when `staleAfterSec` is given) RUNNING with a heartbeat at least that old.
   */
  staleShards: number;
  /** The oldest current-generation heartbeat of a LAUNCHING or RUNNING shard, in seconds (0 when none). */
  heartbeatAgeMaxSec: number;
}

export interface FleetGaugeOptions {
  /** A RUNNING shard whose heartbeat is this old (seconds) counts as stale even before the watchdog says so. */
  staleAfterSec?: number;
}

/** The fleet's gauges from its shard records at `now` (ms): a pure function, unit-tested. */
export function fleetGauges(shards: readonly ShardRecord[], now: number, options: FleetGaugeOptions = {}): FleetGauges {
  let activeShards = 0;
  let staleShards = 0;
  let heartbeatAgeMaxMs = 0;
  for (const shard of shards) {
    if (!isActiveShard(shard.status)) continue;
    activeShards += 1;
    const heartbeat = shard.heartbeat?.generation === shard.generation ? shard.heartbeat : undefined;
    const ageMs = heartbeat === undefined ? undefined : Math.max(0, now - heartbeat.receivedAt);
    const live = shard.status === 'RUNNING' || shard.status === 'LAUNCHING';
    if (live && ageMs !== undefined) heartbeatAgeMaxMs = Math.max(heartbeatAgeMaxMs, ageMs);
    const tooOld = options.staleAfterSec !== undefined && shard.status === 'RUNNING' && ageMs !== undefined && ageMs >= options.staleAfterSec * 1000;
    if (shard.suspectSince !== undefined || shard.status === 'STALLED' || shard.status === 'LOST' || tooOld) staleShards += 1;
  }
  return { activeShards, staleShards, heartbeatAgeMaxSec: heartbeatAgeMaxMs / 1000 };
}

/** Publishes the fleet's metrics; every call writes (flushes) its EMF lines at once. */
export interface FleetMetrics {
  /** One line for a completed watchdog pass: the three fleet gauges, `WatchdogPasses` = 1, and `FailedShards`, `StoreUnavailable`, `MassStaleness` = 0. */
  publishFleet(gauges: FleetGauges, at: number): void;
  /** `count` restarts of one cause, as they happen (whichever path restarted them). */
  publishRestarts(cause: RestartCause, count: number, at: number): void;
  /**
   * A pass found a campaign's shards stale en masse: `MassStaleness` = 1, and `StoreUnavailable` = 1
   * when the store probe failed (`storeOk` false).
   */
  publishMassStaleness(storeOk: boolean, at: number): void;
  /** `count` shards failed just now (whichever path failed them). */
  publishFailedShards(count: number, at: number): void;
  /** One shard's engine metrics from a heartbeat's progress (timestamped with `progress.at`). */
  publishEngine(key: ShardKey, generation: number, progress: Pick<Progress, 'at' | 'ticksPerSec' | 'latencyP99Us' | 'rssBytes'>): void;
}

/**
 * The fleet's metrics in `namespace` with the dimension `service`. Powertools honours
 * `POWERTOOLS_METRICS_DISABLED` (and `POWERTOOLS_DEV`, which disables them too).
 */
export function fleetMetrics(namespace: string = DEFAULT_METRICS_NAMESPACE, service: string = DEFAULT_METRICS_SERVICE): FleetMetrics {
  const metrics = new Metrics({ namespace, serviceName: service });
  const flush = (at: number, write: () => void): void => {
    metrics.setTimestamp(Math.round(at));
    write();
    metrics.publishStoredMetrics();
  };
  const restartLine = (cause: RestartCause, count: number, at: number): void =>
    flush(at, () => {
      metrics.addDimension('Cause', cause);
      metrics.addMetric(FLEET_METRIC.restarts, MetricUnit.Count, count);
    });
  return {
    publishFleet(gauges, at) {
      flush(at, () => {
        metrics.addMetric(FLEET_METRIC.activeShards, MetricUnit.Count, gauges.activeShards);
        metrics.addMetric(FLEET_METRIC.staleShards, MetricUnit.Count, gauges.staleShards);
        metrics.addMetric(FLEET_METRIC.heartbeatAgeMax, MetricUnit.Seconds, gauges.heartbeatAgeMaxSec);
        metrics.addMetric(FLEET_METRIC.watchdogPasses, MetricUnit.Count, 1);
        // 0 with every pass, so the series the FailedShards alarm and graph read exists before the
        // first failure; each failure adds its own 1 the moment it is decided (publishFailedShards).
        metrics.addMetric(FLEET_METRIC.failedShards, MetricUnit.Count, 0);
        // Likewise for the two observer alarms: their series exist from the first pass, so an alarm
        // on them is never left reading no data (and the artifact run sees every alarm's metric).
        metrics.addMetric(FLEET_METRIC.storeUnavailable, MetricUnit.Count, 0);
        metrics.addMetric(FLEET_METRIC.massStaleness, MetricUnit.Count, 0);
      });
    },
    publishRestarts(cause, count, at) {
      restartLine(cause, count, at);
      if (cause === 'STORE_UNAVAILABLE') flush(at, () => metrics.addMetric(FLEET_METRIC.storeUnavailable, MetricUnit.Count, count));
    },
    publishMassStaleness(storeOk, at) {
      flush(at, () => {
        metrics.addMetadata('storeOk', String(storeOk));
        metrics.addMetric(FLEET_METRIC.massStaleness, MetricUnit.Count, 1);
        if (!storeOk) metrics.addMetric(FLEET_METRIC.storeUnavailable, MetricUnit.Count, 1);
      });
    },
    publishFailedShards(count, at) {
      flush(at, () => metrics.addMetric(FLEET_METRIC.failedShards, MetricUnit.Count, count));
    },
    publishEngine(key, generation, progress) {
      const engineMetrics = (): void => {
        metrics.addMetric(FLEET_METRIC.engineTicksPerSec, MetricUnit.CountPerSecond, progress.ticksPerSec);
        metrics.addMetric(FLEET_METRIC.engineLatencyP99Us, MetricUnit.Microseconds, progress.latencyP99Us);
        metrics.addMetric(FLEET_METRIC.engineRssBytes, MetricUnit.Bytes, progress.rssBytes);
      };
      flush(progress.at, engineMetrics);
      flush(progress.at, () => {
        metrics.addDimension('Campaign', key.campaignId);
        metrics.addDimension('Shard', key.shardId);
        metrics.addMetadata('generation', String(generation));
        engineMetrics();
      });
    },
  };
}

let shared: FleetMetrics | undefined;

/**
 * Computes the fleet's gauges from `shards` at `now` and publishes them through `metrics` (by
 * default one publisher per process, in `POWERTOOLS_METRICS_NAMESPACE` / `POWERTOOLS_SERVICE_NAME`
 * or arbfleet / fleet), as the watchdog does after each pass. Returns the gauges.
 */
export function publishFleetGauges(shards: readonly ShardRecord[], now: number, options: FleetGaugeOptions = {}, metrics?: FleetMetrics): FleetGauges {
  const gauges = fleetGauges(shards, now, options);
  (metrics ?? sharedFleetMetrics()).publishFleet(gauges, now);
  return gauges;
}

/**
 * What the fleet's services report as it happens (`FleetContext.events`), as EMF metrics: the
 * restarts and failures decided by either detection path, each counted once, at its moment.
 */
export function fleetEventMetrics(metrics: () => FleetMetrics = sharedFleetMetrics): {
  restarted(cause: RestartCause, at: number): void;
  shardFailed(at: number): void;
  massStaleness(storeOk: boolean, at: number): void;
} {
  return {
    restarted: (cause, at) => metrics().publishRestarts(cause, 1, at),
    shardFailed: (at) => metrics().publishFailedShards(1, at),
    massStaleness: (storeOk, at) => metrics().publishMassStaleness(storeOk, at),
  };
}

/** The fleet metrics of this process, named from the environment the stack sets. */
export function sharedFleetMetrics(): FleetMetrics {
  shared ??= fleetMetrics(
    process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
    process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_METRICS_SERVICE,
  );
  return shared;
}
