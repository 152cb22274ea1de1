/**
 * Exactly-once commits: what every ledger adapter does with a commit whose fills may already be
 * stored (a retry of a commit whose answer was lost, or of a split commit whose first part
 * landed). A fill already stored under its `seq` with the same content is dropped from the
 * commit (it is the same fill, committed before); a different fill under that `seq` is a
 * `LedgerConflictError`, never written and never overwriting.
 */
import { ConflictError, LedgerConflictError } from '../errors.js';
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
