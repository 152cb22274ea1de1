/**
 * Heartbeats the shard's own record contradicts, each a thing the fleet guarantees and a bug (or a
 * hand edit of `fleet.db`) could break while every other row passed (found by the new-user tester,
 * each an edit of a real run that scored 11/11):
 * - a heartbeat of a generation above the shard's: no such generation ran (the launches, the
 *   restarts and the fencing all say the shard never got there);
 * - a heartbeat of an older generation after a newer one had heartbeated: a replaced task wrote on
 *   (the fencing the generation is for failed);
 * - two writers in one generation: every engine process draws its writer identity once and the
 *   store refuses any other writer of the shard's generation (`shard-writer.ts`), so a second one is
 *   a second process writing as the first (a zombie, or a restart nobody recorded);
 * - a writer's counters going back (`turns`, fills made, the last committed fill): one process only
 *   counts up; a count that fell is a restart that kept its generation, or two writers mixed;
 * - heartbeats of a generation above 0 with no restart into it on the record: every relaunch is a
 *   restart recorded with its cause (the only other generation step is the fence a shard is closed
 *   with, which no task runs), so one missing hides a restart, a crash perhaps (a real run's crash
 *   and freeze, their restart records erased, scored 11/11).
 * Heartbeats without a writer (stored before writers were) are judged on their generation alone.
 */
import type { Heartbeat, ShardRecord } from '../model/records.js';
import { formatCount } from './report-format.js';

/** Problems a shard's heartbeats show against its record, in words (at most `limit` per shard). */
export function heartbeatContradictions(shards: readonly ShardRecord[], histories: ReadonlyMap<string, readonly Heartbeat[]>, limit = 4): string[] {
  return shards.flatMap((s) => shardContradictions(s, histories.get(s.shardId) ?? []).slice(0, limit));
}

/** The counters one writer only counts up, with their names in words. */
const COUNTERS: readonly [string, (h: Heartbeat) => number | undefined][] = [
  ['turns', (h) => h.progress.turns],
  ['fills made', (h) => h.progress.fillsA + h.progress.fillsB],
  ['last committed fill', (h) => h.progress.lastFillSeq],
];

function shardContradictions(shard: ShardRecord, history: readonly Heartbeat[]): string[] {
  const out: string[] = [];
  const said = new Set<string>();
  const once = (key: string, words: string) => {
    if (said.has(key)) return;
    said.add(key);
    out.push(`${shard.shardId}: ${words}`);
  };
  let newest = -1;
  const restartedInto = new Set(shard.restarts.map((r) => r.fromGeneration + 1));
  const writerOf = new Map<number, string>();
  const lastOfWriter = new Map<string, Heartbeat>();
  for (const h of history) {
    if (h.generation > shard.generation)
      once(`above ${h.generation}`, `heartbeats of generation ${h.generation}, above the shard's ${shard.generation} (no such generation ran)`);
    if (h.generation < newest)
      once(`older ${h.generation}`, `a heartbeat of generation ${h.generation} after generation ${newest} had heartbeated (a replaced task wrote on)`);
    newest = Math.max(newest, h.generation);
    if (h.generation > 0 && h.generation <= shard.generation && !restartedInto.has(h.generation))
      once(
        `unrecorded ${h.generation}`,
        `heartbeats of generation ${h.generation} with no restart into it on the shard's record (a restart hidden: its cause unknown)`,
      );
    if (h.writer === undefined) continue;
    const first = writerOf.get(h.generation);
    if (first === undefined) writerOf.set(h.generation, h.writer);
    else if (first !== h.writer)
      once(`writers ${h.generation}`, `two writers in generation ${h.generation} (${first}, then ${h.writer}): two processes wrote as one generation`);
    const previous = lastOfWriter.get(h.writer);
    lastOfWriter.set(h.writer, h);
    if (previous === undefined) continue;
    for (const [name, read] of COUNTERS) {
      const before = read(previous);
      const now = read(h);
      if (before !== undefined && now !== undefined && now < before)
        once(`back ${h.writer} ${name}`, `generation ${h.generation}'s ${name} went back from ${formatCount(before)} to ${formatCount(now)} within one writer`);
    }
  }
  return out;
}
