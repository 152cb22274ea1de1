/**
 * Every wait of a shard, derived in one place from its campaign's `watchdog.heartbeatInterval` (H)
 * and `watchdog.staleAfter` (S), so that the engine, the store and the watchdog agree on who gives
 * up first. All figures in seconds.
 *
 * | wait | rule | local (H 1, S 5) | default (H 10, S 45) | read by |
 * | --- | --- | --- | --- | --- |
 * | confirmation C | 0.1 S, at least min(1, S), at most 30 | 1 | 4.5 | watchdog (`watchdogPolicyFor`) |
 * | engine lock wait W | min(C / 20, 2): SQLite `busy_timeout` of an engine's connection | 0.05 | 0.225 | `engine-task/src/main.ts` |
 * | store retry R | W: a failed heartbeat is tried again this soon, not a heartbeat later | 0.05 | 0.225 | runner |
 * | store stall tolerance T | S − H: a stall this long costs nothing | 4 | 35 | the e2e test, the docs |
 * | self-fence F | S + C / 4: no heartbeat written for F and the engine stops | 5.25 | 46.125 | runner |
 * | commit bound B | F: no commit for B and the engine stops trading | 5.25 | 46.125 | runner |
 * | engine exit X | F + W + R: the self-fence found late by a blocked call, then one last heartbeat tried for R | 5.35 | 46.575 | runner |
 * | watchdog kill K | S + C: a stale reading confirmed | 6 | 49.5 | watchdog |
 * | exit allowance | K − X (0.65 C): the engine's process ends and its exit code is seen before the kill | 0.65 | 2.925 | launcher |
 * | control-plane lock wait | 10, fixed: `busy_timeout` of the control plane's connection | 10 | 10 | `sqlite-database.ts` |
 *
 * The ordering (checked by `timeoutOrderIssues`, unit-tested over the config's range):
 * 1. A stall of T costs nothing: the last heartbeat before it is at most H old when it starts, the
 *    first after it lands within W + R of its end, so the heartbeat is at most H + T + W + R = S +
 *    W + R old, which is under F (the engine does not fence itself) and under K (the watchdog's
 *    confirmation finds it fresh again).
 * 2. The engine stops before the watchdog kills, with room to spare: a blocked store call delays
 *    its self-fence check by at most W and its last heartbeat is given R, so it has exited by X, and
 *    K − X ≥ `EXIT_ALLOWANCE_FRACTION_OF_CONFIRM` × C leaves its process time to end and its exit
 *    code (4, the store unavailable) time to reach the watchdog before the kill. When the kill won
 *    that race the restart was booked LOST, not STORE_UNAVAILABLE: with C = 0.5 s, W = C / 5 and
 *    F = S + C / 2 locally the margin was about 0.15 s, and a loaded 2-core machine lost it for one
 *    shard in 2 of 3 runs (`test/e2e/fleet-store-lock.test.ts`). A task that cannot reach the store has
 *    stopped trading when its replacement is launched (the generation fence guards the ledger whatever happens).
 * 3. The engine's lock wait and retries fit inside its self-fence: W + R < F − (H + T) .
 *
 * The control plane's connection waits longer (10 s): its writes are the fleet's decisions and
 * must land; while it waits, it judges nothing, and a pass that comes late is not trusted to
 * confirm a stale reading (`WatchdogService`).
 */

/** The waits of one campaign's shards (seconds), from `shardTimeouts`. */
export interface ShardTimeouts {
  heartbeatIntervalSec: number;
  staleAfterSec: number;
  /** Confirmation of a stale reading before a kill (`CONFIRM_FRACTION` of S, at most `CONFIRM_DEADLINE_SEC`). */
  confirmAfterSec: number;
  /** An engine's wait for the store's write lock per call (SQLite `busy_timeout`). */
  engineLockWaitSec: number;
  /** How soon an engine tries a failed heartbeat again. */
  storeRetrySec: number;
  /** The longest store stall (a write lock held, a throttling burst) that costs no restart and no engine exit. */
  storeStallToleranceSec: number;
  /** No heartbeat written for this long and the engine stops and exits (self-fence). */
  selfFenceSec: number;
  /** No commit for this long and the engine stops trading and exits. */
  commitBoundSec: number;
  /** When the watchdog kills at the earliest, counted from the last heartbeat: S + C. */
  watchdogKillSec: number;
}

/** The default `confirmAfterSec` is this fraction of `staleAfter`… */
export const CONFIRM_FRACTION = 0.1;
/** …but at least this many seconds (or `staleAfter` itself when shorter): the exit allowance is a fraction of it… */
export const CONFIRM_FLOOR_SEC = 1;
/** …and never more than this many seconds, however long `staleAfter` is. */
export const CONFIRM_DEADLINE_SEC = 30;
/** The engine's lock wait is this fraction of the confirmation… */
export const LOCK_WAIT_FRACTION_OF_CONFIRM = 0.05;
/** …at most this long (an engine blocked on a lock does not turn its loop). */
export const ENGINE_LOCK_WAIT_MAX_SEC = 2;
/** The self-fence comes this fraction of the confirmation after `staleAfter`. */
export const SELF_FENCE_FRACTION_OF_CONFIRM = 0.25;
/** The engine's exit comes at least this fraction of the confirmation before the watchdog's kill. */
export const EXIT_ALLOWANCE_FRACTION_OF_CONFIRM = 0.5;
/** The control plane's SQLite `busy_timeout` (seconds): its writes must land; a late pass is handled by the watchdog. */
export const CONTROL_PLANE_LOCK_WAIT_SEC = 10;

/**
 * The default confirmation delay: `CONFIRM_FRACTION` of `staleAfter`, at least `CONFIRM_FLOOR_SEC`
 * (or `staleAfter` when shorter), at most `CONFIRM_DEADLINE_SEC`.
 */
export function defaultConfirmAfterSec(staleAfterSec: number): number {
  return Math.min(Math.max(staleAfterSec * CONFIRM_FRACTION, Math.min(CONFIRM_FLOOR_SEC, staleAfterSec)), CONFIRM_DEADLINE_SEC);
}

/**
 * Every wait of a shard from its campaign's watchdog settings (seconds; the table above).
 * `staleAfter ≥ 2 × heartbeatInterval` is the config's own rule (`campaign-config.ts`).
 */
export function shardTimeouts(watchdog: { heartbeatInterval: number; staleAfter: number }): ShardTimeouts {
  const heartbeatIntervalSec = watchdog.heartbeatInterval;
  const staleAfterSec = watchdog.staleAfter;
  const confirmAfterSec = defaultConfirmAfterSec(staleAfterSec);
  const engineLockWaitSec = Math.min(confirmAfterSec * LOCK_WAIT_FRACTION_OF_CONFIRM, ENGINE_LOCK_WAIT_MAX_SEC);
  const selfFenceSec = staleAfterSec + confirmAfterSec * SELF_FENCE_FRACTION_OF_CONFIRM;
  return {
    heartbeatIntervalSec,
    staleAfterSec,
    confirmAfterSec,
    engineLockWaitSec,
    storeRetrySec: engineLockWaitSec,
    storeStallToleranceSec: staleAfterSec - heartbeatIntervalSec,
    selfFenceSec,
    commitBoundSec: selfFenceSec,
    watchdogKillSec: staleAfterSec + confirmAfterSec,
  };
}

/** The orderings the table promises that `t` breaks, each said in words (empty when they all hold). */
export function timeoutOrderIssues(t: ShardTimeouts): string[] {
  const issues: string[] = [];
  const worstHeartbeatAge = t.heartbeatIntervalSec + t.storeStallToleranceSec + t.engineLockWaitSec + t.storeRetrySec;
  if (!(t.storeStallToleranceSec > 0)) issues.push(`store stall tolerance ${sec(t.storeStallToleranceSec)}s is not positive`);
  if (!(worstHeartbeatAge < t.selfFenceSec))
    issues.push(`a tolerated stall leaves a heartbeat ${sec(worstHeartbeatAge)}s old, not under the self-fence ${sec(t.selfFenceSec)}s`);
  if (!(worstHeartbeatAge < t.watchdogKillSec))
    issues.push(`a tolerated stall leaves a heartbeat ${sec(worstHeartbeatAge)}s old, not under the watchdog's kill ${sec(t.watchdogKillSec)}s`);
  if (!(t.selfFenceSec + t.engineLockWaitSec < t.watchdogKillSec)) {
    issues.push(`self-fence ${sec(t.selfFenceSec)}s + lock wait ${sec(t.engineLockWaitSec)}s is not under the watchdog's kill ${sec(t.watchdogKillSec)}s`);
  }
  // X: the self-fence found late by a blocked call (W), then one last heartbeat tried for R.
  const engineExitSec = t.selfFenceSec + t.engineLockWaitSec + t.storeRetrySec;
  const allowance = t.watchdogKillSec - engineExitSec;
  if (!(allowance >= EXIT_ALLOWANCE_FRACTION_OF_CONFIRM * t.confirmAfterSec - 1e-9)) {
    issues.push(
      `the engine's exit at ${sec(engineExitSec)}s leaves ${sec(allowance)}s before the watchdog's kill ${sec(t.watchdogKillSec)}s, under ${sec(EXIT_ALLOWANCE_FRACTION_OF_CONFIRM * t.confirmAfterSec)}s (half the confirmation): the kill may win and book LOST`,
    );
  }
  if (!(t.commitBoundSec <= t.selfFenceSec)) issues.push(`commit bound ${sec(t.commitBoundSec)}s is past the self-fence ${sec(t.selfFenceSec)}s`);
  if (!(t.engineLockWaitSec < CONTROL_PLANE_LOCK_WAIT_SEC))
    issues.push(`engine lock wait ${sec(t.engineLockWaitSec)}s is not under the control plane's ${sec(CONTROL_PLANE_LOCK_WAIT_SEC)}s`);
  return issues;
}

/** Seconds for a message, to the millisecond (no floating-point tails). */
function sec(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
