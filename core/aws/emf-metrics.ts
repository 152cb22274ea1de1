/**
 * The fleet's metrics as CloudWatch Embedded Metric Format: JSON lines on stdout that CloudWatch
 * Logs turns into metrics (Lambda and Fargate's awslogs driver both ship stdout), written through
 * Powertools' `Metrics`. The alarms and the dashboard of the CDK stack read these names.
 *
 * Dimensions, kept low-cardinality because every distinct set of dimension values is a metric of
 * its own (billed, and limited per dashboard):
 * - fleet gauges (`ActiveShards`, `StaleShards`, `FailedShards`, `HeartbeatAgeMax`): `service` only;
 * - `Restarts`: `service` and `Cause`, one of the six restart causes;
 * - engine metrics (`EngineTicksPerSec`, `EngineLatencyP99Us`, `EngineRssBytes`): twice, once with
 *   `service` only (what the alarms watch: an alarm sees a metric only with its exact dimension
 *   set) and once with `service`, `Campaign` and `Shard` (what the dashboard breaks down). Shard ids are the planner's `shard-NNN`, so a campaign adds one series
 *   per shard and metric, and a restart adds none: the generation and the task are properties of
 *   the log line (searchable with Logs Insights), never dimensions. Symbols are never dimensions.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ShardKey } from '../ports.js';
import type { Progress } from '../model/progress.js';
import { RestartCauseSchema, type RestartCause, type ShardRecord } from '../fleet/records.js';
import { isActiveShard } from '../fleet/shard-lifecycle.js';

/** The namespace and service of the fleet's metrics when the environment names none. */
export const DEFAULT_METRICS_NAMESPACE = 'Arbfleet';
export const DEFAULT_METRICS_SERVICE = 'fleet';
/** The `service` dimension of the engine tasks' metrics. */
export const ENGINE_METRICS_SERVICE = 'engine';
/** The window `publishFleetGauges` counts restarts over by default: the watchdog's schedule. */
export const DEFAULT_RESTART_WINDOW_MS = 60_000;

/** The metric names, as alarms and dashboards refer to them. */
export const FLEET_METRIC = {
  activeShards: 'ActiveShards',
  staleShards: 'StaleShards',
  failedShards: 'FailedShards',
  heartbeatAgeMax: 'HeartbeatAgeMax',
  restarts: 'Restarts',
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
  /** FAILED shards among those given (the index of active shards holds none: pass a campaign's shards to count them). */
  failedShards: number;
  /** The oldest current-generation heartbeat of a LAUNCHING or RUNNING shard, in seconds (0 when none). */
  heartbeatAgeMaxSec: number;
  /** Restarts detected in the window, by cause (every cause present, zero included). */
  restarts: Record<RestartCause, number>;
}

export interface FleetGaugeOptions {
  /** Restarts detected after this moment (ms) and up to `now` are counted (default: the last 60 s). */
  restartsSince?: number;
  /** A RUNNING shard whose heartbeat is this old (seconds) counts as stale even before the watchdog says so. */
  staleAfterSec?: number;
  /**
   * Shards failed by the pass being reported: a FAILED shard leaves the active index at once, so
   * the watchdog, which reads only that index, passes the count of its own `fail` verdicts here.
   */
  failedNow?: number;
}

/** The fleet's gauges from its shard records at `now` (ms): a pure function, unit-tested. */
export function fleetGauges(shards: readonly ShardRecord[], now: number, options: FleetGaugeOptions = {}): FleetGauges {
  const since = options.restartsSince ?? now - DEFAULT_RESTART_WINDOW_MS;
  const restarts = Object.fromEntries(RestartCauseSchema.options.map((cause) => [cause, 0])) as Record<RestartCause, number>;
  let activeShards = 0;
  let staleShards = 0;
  let failedShards = 0;
  let heartbeatAgeMaxMs = 0;
  for (const shard of shards) {
    for (const restart of shard.restarts) {
      if (restart.detectedAt > since && restart.detectedAt <= now) restarts[restart.cause] += 1;
    }
    if (shard.status === 'FAILED') failedShards += 1;
    if (!isActiveShard(shard.status)) continue;
    activeShards += 1;
    const heartbeat = shard.heartbeat?.generation === shard.generation ? shard.heartbeat : undefined;
    const ageMs = heartbeat === undefined ? undefined : Math.max(0, now - heartbeat.receivedAt);
    const live = shard.status === 'RUNNING' || shard.status === 'LAUNCHING';
    if (live && ageMs !== undefined) heartbeatAgeMaxMs = Math.max(heartbeatAgeMaxMs, ageMs);
    const tooOld = options.staleAfterSec !== undefined && shard.status === 'RUNNING' && ageMs !== undefined && ageMs >= options.staleAfterSec * 1000;
    if (shard.suspectSince !== undefined || shard.status === 'STALLED' || shard.status === 'LOST' || tooOld) staleShards += 1;
  }
  failedShards += options.failedNow ?? 0;
  return { activeShards, staleShards, failedShards, heartbeatAgeMaxSec: heartbeatAgeMaxMs / 1000, restarts };
}

/** Publishes the fleet's metrics; every call writes (flushes) its EMF lines at once. */
export interface FleetMetrics {
  /** One line with the four fleet gauges, then one per restart cause (zeros included, so alarms and graphs see data). */
  publishFleet(gauges: FleetGauges, at: number): void;
  /** `count` restarts of one cause, as they happen (do not also publish them through `publishFleet`'s window). */
  publishRestarts(cause: RestartCause, count: number, at: number): void;
  /** `count` shards failed just now (the task-events path: the watchdog's gauges miss them). */
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
        metrics.addMetric(FLEET_METRIC.failedShards, MetricUnit.Count, gauges.failedShards);
        metrics.addMetric(FLEET_METRIC.heartbeatAgeMax, MetricUnit.Seconds, gauges.heartbeatAgeMaxSec);
      });
      for (const cause of RestartCauseSchema.options) restartLine(cause, gauges.restarts[cause], at);
    },
    publishRestarts(cause, count, at) {
      restartLine(cause, count, at);
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
 * or arbfleet / fleet). Restarts are counted over the last 60 s unless `options` say otherwise, so
 * a watchdog that runs every minute publishes each restart once. Returns the gauges.
 */
export function publishFleetGauges(shards: readonly ShardRecord[], now: number, options: FleetGaugeOptions = {}, metrics?: FleetMetrics): FleetGauges {
  const gauges = fleetGauges(shards, now, options);
  (metrics ?? sharedFleetMetrics()).publishFleet(gauges, now);
  return gauges;
}

/** The fleet metrics of this process, named from the environment the stack sets. */
export function sharedFleetMetrics(): FleetMetrics {
  shared ??= fleetMetrics(process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE, process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_METRICS_SERVICE);
  return shared;
}
