/**
 * How many bytes of an engine's logs are copied to the task log: a token bucket of `bytesPerSec`
 * (1 MiB/s by default, `docs/task-protocol.md`), a second's worth at most in reserve. A child that
 * floods its stdout cannot fill the disk or hold the agent's loop; what is dropped is counted and
 * said once a second.
 */
export class LogBudget {
  private tokens: number;
  private last: number;
  /** Bytes dropped since `takeDropped` was last called. */
  private dropped = 0;

  constructor(
    private readonly bytesPerSec: number,
    now: number,
  ) {
    this.tokens = bytesPerSec;
    this.last = now;
  }

  /** True when a line of `bytes` may be copied now (monotonic ms); else it is counted as dropped. */
  take(bytes: number, now: number): boolean {
    this.tokens = Math.min(this.bytesPerSec, this.tokens + ((now - this.last) / 1000) * this.bytesPerSec);
    this.last = now;
    if (this.tokens >= bytes) {
      this.tokens -= bytes;
      return true;
    }
    this.dropped += bytes;
    return false;
  }

  /** The bytes dropped since the last call, and resets the count. */
  takeDropped(): number {
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }
}
