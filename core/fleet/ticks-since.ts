/**
 * Since when a task's ticks have stood at their current value, as its heartbeat writer sees them.
 * Every heartbeat carries it (`Heartbeat.ticksSince`), so the evidence of a stall (heartbeats
 * that keep coming with ticks standing still) is written with the heartbeats themselves and the
 * watchdog need not store an observation of its own for every moving shard on every pass.
 */
export class TicksSince {
  private ticks: number | undefined;
  private since: number | undefined;

  /**
   * The `ticksSince` of the heartbeat with `ticks` received at `receivedAt`: `receivedAt` when the
   * ticks moved since the previous heartbeat (or this is the first), else the previous value.
   */
  next(ticks: number, receivedAt: number): number {
    if (this.since === undefined || ticks !== this.ticks) {
      this.ticks = ticks;
      this.since = receivedAt;
    }
    return this.since;
  }
}
