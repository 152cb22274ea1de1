/**
 * What became of one restart of a shard, in the words the report uses: relaunched and running
 * again (with its downtime), relaunched but never heartbeating (the next incident of the same
 * shard shows the generation was launched), or not restarted at all (the shard failed or the
 * campaign ended first). One wording for the Markdown, the HTML and the acceptance table.
 */
import type { RestartRecord, ShardStatus } from '../model/records.js';

/** The outcome of `restart` among its shard's `restarts` (oldest first). */
export type RestartOutcome =
  | { kind: 'running'; restartedAt: number; downtimeSec: number }
  | { kind: 'never-heartbeated'; generation: number }
  | { kind: 'not-restarted'; why: string };

export function restartOutcome(restart: RestartRecord, restarts: readonly RestartRecord[], shardStatus: ShardStatus, shardGeneration: number): RestartOutcome {
  if (restart.restartedAt !== undefined) return { kind: 'running', restartedAt: restart.restartedAt, downtimeSec: restart.downtimeSec ?? 0 };
  const next = restart.fromGeneration + 1;
  const laterIncident = restarts.some((r) => r.fromGeneration >= next);
  if (laterIncident || (shardGeneration >= next && shardStatus !== 'RESTARTING' && shardStatus !== 'FAILED' && shardStatus !== 'COMPLETED')) {
    return { kind: 'never-heartbeated', generation: next };
  }
  if (shardStatus === 'FAILED') return { kind: 'not-restarted', why: 'the shard failed' };
  if (shardStatus === 'COMPLETED') return { kind: 'not-restarted', why: 'the campaign ended first' };
  return { kind: 'not-restarted', why: `generation ${next} not launched yet` };
}

/** The outcome as a short phrase: "generation 2 launched, never heartbeated", "not restarted (the shard failed)". */
export function describeRestartOutcome(outcome: RestartOutcome, formatAt: (ms: number) => string, formatDown: (sec: number) => string): string {
  switch (outcome.kind) {
    case 'running':
      return `restarted at ${formatAt(outcome.restartedAt)} (down ${formatDown(outcome.downtimeSec)})`;
    case 'never-heartbeated':
      return `generation ${outcome.generation} launched, never heartbeated`;
    case 'not-restarted':
      return `not restarted (${outcome.why})`;
  }
}
