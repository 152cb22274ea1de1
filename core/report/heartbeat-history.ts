/**
 * A shard's heartbeats as the report reads them: the stored history plus the record's latest
 * heartbeat (which may be newer than the history a store has flushed), oldest first, each once.
 */
import type { Heartbeat, ShardRecord } from '../model/records.js';

/** Every known heartbeat of `shard`, ordered by `receivedAt`, without repeats. */
export function heartbeatHistoryOf(shard: ShardRecord, history: readonly Heartbeat[] | undefined): Heartbeat[] {
  const all = [...(history ?? [])];
  if (shard.heartbeat) all.push(shard.heartbeat);
  const seen = new Set<string>();
  const unique: Heartbeat[] = [];
  for (const heartbeat of all) {
    const key = `${heartbeat.generation}@${heartbeat.receivedAt}`;
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
