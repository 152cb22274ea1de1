/**
 * A shard's heartbeats as the report reads them: the stored history plus the record's latest
 * heartbeat (which may be newer than the history a store has flushed), oldest first, each once.
 */
import type { Heartbeat, ShardRecord } from '../model/records.js';

/**
 * What makes a heartbeat the same one seen twice (the record's copy of the history's last row):
 * its writer and instant with the progress it carried. Two heartbeats of one millisecond are both
 * kept (a backtest's last beat and its final one, `stop` and all, often share one: keyed by the
 * instant alone, the final one was dropped and "Ran the full duration" read the one before it).
 */
function identityOf(h: Heartbeat): string {
  const p = h.progress;
  return `${h.generation}@${h.receivedAt}@${h.writer ?? ''}@${p.at}@${p.ticks}@${p.turns ?? ''}@${p.lastFillSeq}@${p.eventTime ?? ''}@${p.stop?.by ?? ''}`;
}

/** Every known heartbeat of `shard`, ordered by `receivedAt` (arrival order within a millisecond), without repeats. */
export function heartbeatHistoryOf(shard: ShardRecord, history: readonly Heartbeat[] | undefined): Heartbeat[] {
  const all = [...(history ?? [])];
  if (shard.heartbeat) all.push(shard.heartbeat);
  const seen = new Set<string>();
  const unique: Heartbeat[] = [];
  for (const heartbeat of all) {
    const key = identityOf(heartbeat);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(heartbeat);
  }
  return unique.sort((a, b) => a.receivedAt - b.receivedAt || a.generation - b.generation);
}

/** The last heartbeat of each generation: each covers its whole generation (counters are cumulative). */
export function lastHeartbeatPerGeneration(history: readonly Heartbeat[]): Heartbeat[] {
  const last = new Map<number, Heartbeat>();
  for (const heartbeat of history) last.set(heartbeat.generation, heartbeat);
  return [...last.values()];
}
