/**
 * Exactly-once commits: what every ledger adapter does with a commit whose fills may already be
 * stored (a retry of a commit whose answer was lost, or of a split commit whose first part
 * landed). A fill already stored under its `seq` with the same content is dropped from the
 * commit (it is the same fill, committed before); a different fill under that `seq` is a
 * `LedgerConflictError`, never written and never overwriting. What is left must continue the
 * ledger one seq at a time (`refuseGaps`): a gap would mean fills were lost.
 */
import { ConflictError, LedgerConflictError, LedgerGapError } from '../errors.js';
import { FillSchema, type Fill } from './fill.js';

/** The fields that make up a fill's content, in schema order. */
const FILL_FIELDS = Object.keys(FillSchema.shape) as (keyof Fill)[];

/** What a commit still has to write once the ledger's contents are known. */
export interface ReconciledCommit {
  /** The commit's fills not yet in the ledger, in the commit's order. */
  toWrite: Fill[];
  /** How many of the commit's fills the ledger already held, identical. */
  alreadyStored: number;
}

/**
 * Splits `fills` into those to write and those the ledger already holds identically.
 * @param stored the ledger's fills whose `seq` is one of `fills`' (others are ignored).
 * @throws LedgerConflictError naming the shard, the seq and the differing fields when a stored
 *   fill differs from the commit's fill with the same `seq`.
 */
export function reconcileCommit(shardId: string, fills: readonly Fill[], stored: readonly Fill[]): ReconciledCommit {
  const bySeq = new Map(stored.map((fill) => [fill.seq, fill]));
  const toWrite: Fill[] = [];
  for (const fill of fills) {
    const existing = bySeq.get(fill.seq);
    if (!existing) {
      toWrite.push(fill);
      continue;
    }
    const differences = fillDifferences(existing, fill);
    if (differences.length > 0) throw new LedgerConflictError(shardId, fill.seq, differences);
  }
  return { toWrite, alreadyStored: fills.length - toWrite.length };
}

/** The fields in which two fills differ, each as `field: a → b` (empty when they are the same fill). */
export function fillDifferences(a: Fill, b: Fill): string[] {
  return FILL_FIELDS.filter((field) => !Object.is(a[field], b[field])).map(
    (field) => `${field}: ${JSON.stringify(a[field])} → ${JSON.stringify(b[field])}`,
  );
}

/**
 * Refuses a commit that lists one `seq` twice (a bug in the caller, not a retry): permanent.
 * @throws ConflictError (not retryable) naming the shard and the seq.
 */
export function refuseRepeatedSeqs(name: string, fills: readonly Fill[]): void {
  const seen = new Set<number>();
  for (const fill of fills) {
    if (seen.has(fill.seq)) {
      throw new ConflictError(`${name}: fill seq ${fill.seq} appears twice in one commit; nothing of this commit was written`, { retryable: false });
    }
    seen.add(fill.seq);
  }
}

/**
 * Refuses a commit that would leave a gap in the ledger: its new fills (`toWrite`, what
 * `reconcileCommit` left), in the commit's order, must be `lastSeq + 1`, `lastSeq + 2`, …
 * Permanent: a gap means fills the engine made never reached the ledger.
 * @param lastSeq the ledger's last committed seq before this commit, -1 when it is empty.
 * @throws LedgerGapError naming the shard, the first fill out of line and the seq expected there.
 */
export function refuseGaps(shardId: string, lastSeq: number, toWrite: readonly Fill[]): void {
  toWrite.forEach((fill, i) => {
    const expected = lastSeq + 1 + i;
    if (fill.seq !== expected) throw new LedgerGapError(shardId, fill.seq, expected);
  });
}

/** True when `fills`, in their order, are consecutive seqs (each one more than the one before); trivially for none or one. */
export function isSeqRun(fills: readonly Fill[]): boolean {
  return fills.every((fill, i) => i === 0 || fill.seq === (fills[i - 1] as Fill).seq + 1);
}
