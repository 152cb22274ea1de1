/**
 * Restart pacing for a shard: exponential backoff between restarts, reset by a healthy stretch,
 * and a restart budget (`maxRestarts` within `restartWindow`) that, once spent, fails the shard.
 * Preemptions (stops from outside, `PREEMPTED`) are paced apart: the minimum backoff, and a budget
 * of their own (`maxPreemptions` within the same window).
 *
 * Deterministic on purpose: no jitter. Shard restarts are triggered by independent incidents and
 * go through the launch queue one message per shard, so they do not stampede; and exact delays
 * make the watchdog's decisions testable to the millisecond.
 */
import type { WatchdogConfig } from '../config/campaign-config.js';
import type { RestartRecord, ShardRecord } from '../model/records.js';

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
 * How much of the restart (crash) budget is used at `now`. A restart counts while it was detected
 * less than `restartWindow` seconds ago (`now - detectedAt < restartWindow`). The budget is
 * exhausted when `used >= maxRestarts`; with `maxRestarts` 0 the first incident fails the shard.
 *
 * `PREEMPTED` restarts are not counted here: a stop from outside (a Spot interruption, a signal
 * arbfleet did not send) is not the engine's fault, and a Spot-heavy hour must not fail a campaign
 * as if its code crashed. They have their own budget (`preemptionBudget`).
 */
export function restartBudget(restarts: readonly RestartRecord[], now: number, policy: RestartBudgetPolicy): RestartBudget {
  return budgetOf(restarts, (r) => !isOutsideCause(r.cause), now, policy.maxRestarts, policy.restartWindow);
}

/** The config's preemption budget: at most `maxPreemptions` outside stops within `restartWindow` seconds. */
export type PreemptionBudgetPolicy = Pick<WatchdogConfig, 'maxPreemptions' | 'restartWindow'>;

/**
 * How much of the preemption budget is used at `now`: `PREEMPTED` restarts detected within the
 * same `restartWindow` as the crash budget, against `maxPreemptions` (default 20). Spent, the next
 * outside stop fails the shard (the platform keeps taking it away: no use relaunching it there).
 */
export function preemptionBudget(restarts: readonly RestartRecord[], now: number, policy: PreemptionBudgetPolicy): RestartBudget {
  return budgetOf(restarts, (r) => isOutsideCause(r.cause), now, policy.maxPreemptions, policy.restartWindow);
}

/**
 * Causes that are not the engine's fault, paid from the preemption budget with the minimum backoff:
 * `PREEMPTED` (a stop from outside) and `STORE_UNAVAILABLE` (the store busy or unreachable).
 */
export function isOutsideCause(cause: RestartRecord['cause']): boolean {
  return cause === 'PREEMPTED' || cause === 'STORE_UNAVAILABLE';
}

function budgetOf(restarts: readonly RestartRecord[], counts: (r: RestartRecord) => boolean, now: number, max: number, windowSec: number): RestartBudget {
  const windowStart = now - windowSec * 1000;
  const used = restarts.filter((r) => counts(r) && r.detectedAt > windowStart).length;
  const remaining = Math.max(0, max - used);
  return { used, remaining, exhausted: remaining === 0, windowStart };
}

/**
 * The delay before relaunching a preempted shard, in seconds: the minimum backoff (`initial`,
 * capped at `max`). A preemption is not the engine's fault, so it neither grows the backoff nor
 * resets it: the shard's `backoffSec` stays as it was (`restartShard`), and the next crash goes on
 * from there.
 */
export function preemptionDelaySec(policy: BackoffPolicy): number {
  return Math.min(policy.initial, policy.max);
}

/**
 * The delay before relaunching a shard whose engine gave up on the store (`STORE_UNAVAILABLE`), in
 * seconds: the minimum backoff for a first outage, growing by `multiplier` with each earlier
 * `STORE_UNAVAILABLE` restart in an unbroken chain (each detected within `resetAfter` of the next,
 * the last within `resetAfter` of `now`), capped at `max`. An engine relaunched into a store that
 * is still throttled or locked fails its restore and exits 4 again at once: relaunching it every
 * `initial` seconds is a restart storm against the store and RunTask (issue 20), and spends the
 * preemption budget in minutes. Like a preemption it leaves the shard's crash backoff as it was.
 * `restarts` in the order they happened (oldest first), without the incident being decided.
 */
export function storeTroubleDelaySec(restarts: readonly RestartRecord[], now: number, policy: BackoffPolicy): number {
  let chain = 0;
  let after = now;
  for (let i = restarts.length - 1; i >= 0; i--) {
    const r = restarts[i];
    if (r === undefined || r.cause !== 'STORE_UNAVAILABLE' || after - r.detectedAt > policy.resetAfter * 1000) break;
    chain++;
    after = r.detectedAt;
  }
  return Math.min(policy.max, policy.initial * policy.multiplier ** chain);
}

/**
 * Milliseconds until a shard in backoff may be launched (0 when it may launch now). A launcher
 * that receives a launch message early (a queue delay is capped, e.g. 15 min on SQS) sends it
 * again with this delay instead of launching.
 */
export function remainingBackoffMs(shard: Pick<ShardRecord, 'launchNotBefore'>, now: number): number {
  return shard.launchNotBefore === undefined ? 0 : Math.max(0, shard.launchNotBefore - now);
}
