/**
 * Was monitoring on? A shard's heartbeats within one generation should never be further apart
 * than `staleAfter`. Gaps between generations are downtime (a restart's own record shows it), not
 * missing monitoring, so they are not counted; a shard still running is also judged on the age
 * of its latest heartbeat at the report's time.
 */
import type { Heartbeat, ShardRecord } from '../model/records.js';

/** The longest silence of one shard (null `gapSec` when it never heartbeated). */
export interface HeartbeatGap {
  shardId: string;
  generation: number;
  /** Longest stretch without a heartbeat, seconds; null when there was no heartbeat at all. */
  gapSec: number | null;
  /** When that stretch began (ms), for the report's text. */
  fromMs: number | null;
}

/**
 * The longest heartbeat gap of `shard` within a generation, from its history (oldest first).
 * `openUntil` is the report's time when the campaign still runs (undefined once it has ended).
 */
export function longestHeartbeatGap(shard: ShardRecord, history: readonly Heartbeat[], openUntil: number | undefined): HeartbeatGap {
  if (history.length === 0) return { shardId: shard.shardId, generation: shard.generation, gapSec: null, fromMs: null };
  let worst: HeartbeatGap = { shardId: shard.shardId, generation: (history[0] as Heartbeat).generation, gapSec: 0, fromMs: null };
  const consider = (generation: number, fromMs: number, toMs: number) => {
    const gapSec = (toMs - fromMs) / 1000;
    if (gapSec > (worst.gapSec ?? 0)) worst = { shardId: shard.shardId, generation, gapSec, fromMs };
  };
  for (let i = 1; i < history.length; i++) {
    const before = history[i - 1] as Heartbeat;
    const after = history[i] as Heartbeat;
    if (before.generation === after.generation) consider(after.generation, before.receivedAt, after.receivedAt);
  }
  const last = history.at(-1) as Heartbeat;
  if (openUntil !== undefined && shard.status === 'RUNNING' && last.generation === shard.generation) {
    consider(last.generation, last.receivedAt, openUntil);
  }
  return worst;
}

/** Whether a shard that never heartbeated may be excused: it has not been launched yet. */
export function notYetRunning(shard: ShardRecord): boolean {
  return shard.status === 'PENDING' || shard.status === 'LAUNCHING';
}
