import type { Progress } from '../model/progress.js';

/**
 * The count a stall is judged on: the engine loop's `turns` when the heartbeat carries them (they
 * advance while the market is quiet, so a quiet market is not a stall), else `ticks` (heartbeats
 * written before turns existed).
 */
export function progressCount(progress: Pick<Progress, 'ticks' | 'turns'>): number {
  return progress.turns ?? progress.ticks;
}

/**
 * Since when a task's progress (`progressCount`: turns, else ticks) has stood at its current value,
 * as its heartbeat writer sees it. Every heartbeat carries it (`Heartbeat.ticksSince`, named for
 * the ticks it first followed), so the evidence of a stall (heartbeats that keep coming with
 * progress standing still) is written with the heartbeats themselves and the watchdog need not
 * store an observation of its own for every moving shard on every pass.
 */
export class TicksSince {
  private count: number | undefined;
  private since: number | undefined;

  /**
   * The `ticksSince` of the heartbeat carrying `progress` (or a bare progress count) received at
   * `receivedAt`: `receivedAt` when the count moved since the previous heartbeat (or this is the
   * first), else the previous value.
   */
  next(progress: number | Pick<Progress, 'ticks' | 'turns'>, receivedAt: number): number {
    const count = typeof progress === 'number' ? progress : progressCount(progress);
    if (this.since === undefined || count !== this.count) {
      this.count = count;
      this.since = receivedAt;
    }
    return this.since;
  }
}
