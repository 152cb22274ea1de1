/**
 * Exactly-once commits: what every ledger adapter does with a commit whose fills may already be
 * stored (a retry of a commit whose answer was lost, or of a split commit whose first part
 * landed). A fill already committed under its `seq` with the same content is dropped from the
 * commit (it is the same fill, committed before); a different fill under that `seq` is a
 * `LedgerConflictError`, never written and never overwriting. What is left must continue the
 * ledger one seq at a time (`refuseGaps`): a gap would mean fills were lost.
 *
 * The commit point. A shard's ledger has a head, `committedSeq`: the highest seq its last
 * finished commit covers, written by that commit's last step (with the checkpoint, when it has
 * one). Fills stored above the head are ORPHANS: the earlier parts of a split commit whose last
 * part never landed (the DynamoDB store splits commits at 98 fills; the engine may be killed
 * between the parts). Like log entries past a commit index, orphans are not committed: readers
 * (restore, the ledger the report and the fleet read) never see them, and a restarted generation,
 * which resumes its feed from the checkpoint and makes those trades again, writes its own fills
 * over them under the same seqs. Without this rule the orphans were restored as a ledger tail while
 * the feed resumed from the older checkpoint: the same market updates were traded twice, the
 * second time under new seqs (issue 16, point 4: 98 fills reappeared as 26 identical trades).
 *
 * An orphan written by an OLDER generation is overwritten, and so is one of THIS generation
 * written by another writer (the writer the committing one took the shard over from: its claim
 * fenced that writer, so its unfinished commit can never be completed; `ShardPersistence` in
 * `core/ports.ts`). One written by this generation and this writer (or by a writer not recorded)
 * is its own unfinished commit being retried: identical, it is kept (nothing to write, but the
 * commit still covers it); different, it is a `LedgerConflictError` (a bug), so one writer never
 * overwrites its own fills.
 */
import { LedgerConflictError, LedgerGapError, ProgrammingError } from '../errors.js';
import { FillSchema, type Fill } from './fill.js';

/** The fields that make up a fill's content, in schema order. */
const FILL_FIELDS = Object.keys(FillSchema.shape) as (keyof Fill)[];

/** A fill as a store holds it: the fill, and the generation (and writer, where recorded) whose commit wrote it. */
export interface StoredFill {
  fill: Fill;
  /** The generation of the task whose commit wrote this item (the port's, not the fill's field). */
  writerGeneration: number;
  /** The writer identity whose commit wrote it; undefined where the store does not record it. */
  writer?: string;
}

/** What a commit still has to write once the ledger's contents are known. */
export interface ReconciledCommit {
  /** The commit's fills not yet in the ledger (or over an older generation's orphan), in the commit's order. */
  toWrite: Fill[];
  /**
   * The commit's fills above the ledger's head, in the commit's order: `toWrite` plus this
   * generation's own orphans stored identically. What the commit moves the head over; they must
   * be `committedSeq + 1`, `+ 2`, … (`refuseGaps`).
   */
  covered: Fill[];
  /** How many of the commit's fills the ledger already held committed, identical. */
  alreadyStored: number;
}

/**
 * Splits `fills` into those to write and those the ledger already holds identically.
 * @param stored the ledger's fills whose `seq` is one of `fills`' (others are ignored), orphans included.
 * @param head the shard's `committedSeq` (-1 for an empty ledger) as read with `stored`, the
 *   committing generation and writer (what orphans are told apart by).
 * @throws LedgerConflictError naming the shard, the seq and the differing fields when a committed
 *   fill, or an orphan of this same generation (or a newer one), differs from the commit's fill
 *   with the same `seq`.
 */
export function reconcileCommit(
  shardId: string,
  fills: readonly Fill[],
  stored: readonly StoredFill[],
  head: { committedSeq: number; generation: number; writer?: string },
): ReconciledCommit {
  const bySeq = new Map(stored.map((item) => [item.fill.seq, item]));
  const toWrite: Fill[] = [];
  const covered: Fill[] = [];
  let alreadyStored = 0;
  for (const fill of fills) {
    const existing = bySeq.get(fill.seq);
    const orphan = fill.seq > head.committedSeq;
    if (!existing) {
      toWrite.push(fill);
      covered.push(fill);
      continue;
    }
    if (orphan && (existing.writerGeneration < head.generation || isFormerWriters(existing, head))) {
      // An unfinished commit of an older generation, or of the writer this one took over from: not committed, written over.
      toWrite.push(fill);
      covered.push(fill);
      continue;
    }
    const differences = fillDifferences(existing.fill, fill);
    if (differences.length > 0) throw new LedgerConflictError(shardId, fill.seq, differences);
    if (orphan) covered.push(fill);
    else alreadyStored++;
  }
  return { toWrite, covered, alreadyStored };
}

/** True when `stored` was written by another recorded writer of the committing generation: the one it took the shard over from. */
function isFormerWriters(stored: StoredFill, head: { generation: number; writer?: string }): boolean {
  return stored.writerGeneration === head.generation && stored.writer !== undefined && head.writer !== undefined && stored.writer !== head.writer;
}

/** The fields in which two fills differ, each as `field: a → b` (empty when they are the same fill). */
export function fillDifferences(a: Fill, b: Fill): string[] {
  return FILL_FIELDS.filter((field) => !Object.is(a[field], b[field])).map((field) => `${field}: ${JSON.stringify(a[field])} → ${JSON.stringify(b[field])}`);
}

/**
 * The lowest and highest `seq` of a commit's fills (in one pass, no spread: commits may be
 * large), or `undefined` for an empty commit: the range of stored fills it may repeat, which both
 * stores read before reconciling.
 */
export function seqRange(fills: readonly { seq: number }[]): { low: number; high: number } | undefined {
  if (fills.length === 0) return undefined;
  let low = Infinity;
  let high = -Infinity;
  for (const fill of fills) {
    low = Math.min(low, fill.seq);
    high = Math.max(high, fill.seq);
  }
  return { low, high };
}

/**
 * The committed part of a shard's stored fills: those at or below its head, `committedSeq`
 * (orphans above it are an unfinished commit's; see the module's docstring). What every ledger
 * read hands out: restore's tail, the ledger the report and the fleet read.
 */
export function committedFills<T extends { seq: number }>(fills: readonly T[], committedSeq: number): T[] {
  return fills.filter((fill) => fill.seq <= committedSeq);
}

/**
 * Refuses a commit that lists one `seq` twice (a bug in the caller, not a retry): permanent.
 * @throws ProgrammingError (not retryable) naming the shard and the seq.
 */
export function refuseRepeatedSeqs(name: string, fills: readonly Fill[]): void {
  const seen = new Set<number>();
  for (const fill of fills) {
    if (seen.has(fill.seq)) {
      throw new ProgrammingError(`${name}: fill seq ${fill.seq} appears twice in one commit; nothing of this commit was written`);
    }
    seen.add(fill.seq);
  }
}

/**
 * Refuses a commit that would leave a gap in the ledger: the fills it moves the head over
 * (`covered`, what `reconcileCommit` left), in the commit's order, must be `lastSeq + 1`,
 * `lastSeq + 2`, … Permanent: a gap means fills the engine made never reached the ledger.
 * @param lastSeq the ledger's head (`committedSeq`) before this commit, -1 when it is empty.
 * @throws LedgerGapError naming the shard, the first fill out of line and the seq expected there.
 */
export function refuseGaps(shardId: string, lastSeq: number, covered: readonly Fill[]): void {
  covered.forEach((fill, i) => {
    const expected = lastSeq + 1 + i;
    if (fill.seq !== expected) throw new LedgerGapError(shardId, fill.seq, expected);
  });
}

/** True when `fills`, in their order, are consecutive seqs (each one more than the one before); trivially for none or one. */
export function isSeqRun(fills: readonly Fill[]): boolean {
  return fills.every((fill, i) => i === 0 || fill.seq === (fills[i - 1] as Fill).seq + 1);
}
