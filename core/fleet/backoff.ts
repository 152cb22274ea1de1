/**
 * Restart pacing for a shard: exponential backoff between restarts, reset by a healthy stretch,
 * and a restart budget (`maxRestarts` within `restartWindow`) that, once spent, fails the shard.
 *
 * Deterministic on purpose: no jitter. Shard restarts are triggered by independent incidents and
 * go through the launch queue one message per shard, so they do not stampede; and exact delays
 * make the watchdog's decisions testable to the millisecond.
 */
import type { WatchdogConfig } from '../config/campaign-config.js';
import type { RestartRecord, ShardRecord } from './records.js';

/** The config's `watchdog.backoff`: `initial`, `max` and `resetAfter` in seconds. */
export type BackoffPolicy = WatchdogConfig['backoff'];

/** The config's restart budget: at most `maxRestarts` restarts within `restartWindow` seconds. */
export type RestartBudgetPolicy = Pick<WatchdogConfig, 'maxRestarts' | 'restartWindow'>;

/** How much of the restart budget the shard's past restarts have used, as of one moment. */
export interface RestartBudget {
  /** Restarts detected within the window ending now. */
  used: number;
  /** Restarts still allowed within the window (0 when exhausted). */
  remaining: number;
  /** True when no further restart is allowed: the next incident fails the shard. */
  exhausted: boolean;
  /** Start of the window (ms): restarts detected at or before this no longer count. */
  windowStart: number;
}

/**
 * True when the shard has been healthy for at least `resetAfter` seconds without interruption,
 * so its next restart starts the backoff over from `initial`.
 */
export function isBackoffReset(shard: Pick<ShardRecord, 'healthySince'>, now: number, policy: BackoffPolicy): boolean {
  return shard.healthySince !== undefined && now - shard.healthySince >= policy.resetAfter * 1000;
}

/**
 * The delay before the next launch of a shard that is about to be restarted, in seconds.
 *
 * `shard.backoffSec` is the delay used for the previous restart (0 when there was none or after
 * a reset). The first restart, and the first after a healthy stretch of `resetAfter`, waits
 * `initial`; each following one waits `multiplier` times the previous, capped at `max`.
 * An `initial` of 0 means no backoff at all.
 */
export function nextBackoffSec(shard: Pick<ShardRecord, 'backoffSec' | 'healthySince'>, now: number, policy: BackoffPolicy): number {
  const initial = Math.min(policy.initial, policy.max);
  if (shard.backoffSec <= 0 || isBackoffReset(shard, now, policy)) return initial;
  return Math.min(policy.max, shard.backoffSec * policy.multiplier);
}

/**
 * How much of the restart budget is used at `now`. A restart counts while it was detected less
 * than `restartWindow` seconds ago (`now - detectedAt < restartWindow`). The budget is exhausted
 * when `used >= maxRestarts`; with `maxRestarts` 0 the first incident fails the shard.
 */
export function restartBudget(restarts: readonly RestartRecord[], now: number, policy: RestartBudgetPolicy): RestartBudget {
  const windowStart = now - policy.restartWindow * 1000;
  const used = restarts.filter((r) => r.detectedAt > windowStart).length;
  const remaining = Math.max(0, policy.maxRestarts - used);
  return { used, remaining, exhausted: remaining === 0, windowStart };
}

/**
 * Milliseconds until a shard in backoff may be launched (0 when it may launch now). A launcher
 * that receives a launch message early (a queue delay is capped, e.g. 15 min on SQS) sends it
 * again with this delay instead of launching.
 */
export function remainingBackoffMs(shard: Pick<ShardRecord, 'launchNotBefore'>, now: number): number {
  return shard.launchNotBefore === undefined ? 0 : Math.max(0, shard.launchNotBefore - now);
}
