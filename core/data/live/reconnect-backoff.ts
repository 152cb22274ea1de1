/**
 * The wait before reconnect attempt `attempt` (0 for the first after a healthy connection):
 * `initialMs × 2^attempt`, capped at `maxMs`, then scaled by a jitter factor in [0.5, 1) from
 * `random` so that many shards dropped at once by a venue do not return in step (the "equal
 * jitter" of the AWS Architecture Blog's "Exponential Backoff And Jitter"). Milliseconds.
 */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return base * (0.5 + 0.5 * random());
}
