/**
 * The watchdog's cadence on a once-a-minute trigger (EventBridge rules fire at most once a
 * minute): one invocation runs several passes, `intervalSec` apart, so a stale shard is seen within
 * seconds of `staleAfter` rather than up to two minutes later. A pure plan, unit-tested; the
 * `watchdog` Lambda carries it out with real time.
 */

/** The cadences that divide a minute evenly, so every invocation runs the same passes (seconds). */
export const WATCHDOG_INTERVALS_SEC = [15, 20, 30, 60] as const;
export type WatchdogIntervalSec = (typeof WATCHDOG_INTERVALS_SEC)[number];

/** The default cadence on AWS: four passes a minute. */
export const DEFAULT_WATCHDOG_INTERVAL_SEC: WatchdogIntervalSec = 15;

/** When each pass of one invocation starts, in ms after the invocation's start: 0, 15 000, 30 000, 45 000 for 15 s. */
export function passOffsetsMs(intervalSec: WatchdogIntervalSec): number[] {
  return Array.from({ length: 60 / intervalSec }, (_, i) => i * intervalSec * 1000);
}

/**
 * Whether a pass planned to start `waitMs` from now may still run: its start plus as long as the
 * slowest pass so far took (at least `minPassMs`) plus `marginMs` must fit in the time the
 * invocation has left. A pass that does not fit is left to the next invocation, a minute later.
 */
export function passFits(waitMs: number, remainingMs: number, slowestPassMs: number, minPassMs = 5_000, marginMs = 3_000): boolean {
  return waitMs + Math.max(slowestPassMs, minPassMs) + marginMs <= remainingMs;
}

/**
 * The worst delay, in seconds, from a task going silent to its restart on this cadence, when no
 * ECS event tells of it first (a stall, a freeze, a partition): the heartbeat turns stale after
 * `staleAfterSec`; the next pass (≤ one interval later) marks it suspect; the first pass at or
 * after `confirmAfterSec` more restarts it (≤ one more interval, or the confirmation rounded up to
 * whole intervals). Crashes, OOM kills and exits come through ECS Task State Change events instead.
 */
export function worstStallDetectionSec(staleAfterSec: number, confirmAfterSec: number, intervalSec: number): number {
  return staleAfterSec + intervalSec + Math.max(1, Math.ceil(confirmAfterSec / intervalSec)) * intervalSec;
}
