/**
 * `core/model/ledger-reconcile.ts` where no suite looked: a commit listing one seq twice is refused
 * whole (a permanent `ProgrammingError` naming the shard and the seq), and a retried commit counts the
 * fills the ledger already held committed. Written from the survivors of `npm run mutate`
 * (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest';
import { ProgrammingError } from '../../../core/errors.js';
import { reconcileCommit, refuseRepeatedSeqs } from '../../../core/model/ledger-reconcile.js';
import { fill, fills } from '../../contract/record-builders.js';

describe('refuseRepeatedSeqs', () => {
  it('a seq listed twice: a permanent ProgrammingError naming the shard and the seq', () => {
    let error: unknown;
    try {
      refuseRepeatedSeqs('shard c1/shard-0', [fill(0, 0), fill(1, 0), { ...fill(0, 0), qty: 2 }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProgrammingError);
    expect((error as ProgrammingError).retryable).toBe(false);
    expect((error as Error).message).toBe('shard c1/shard-0: fill seq 0 appears twice in one commit; nothing of this commit was written');
  });

  it('distinct seqs, in any order, pass', () => {
    expect(() => refuseRepeatedSeqs('shard c1/shard-0', [fill(2, 0), fill(0, 0), fill(1, 0)])).not.toThrow();
  });
});

describe('reconcileCommit', () => {
  it('counts the fills the ledger already held committed, identical, and writes only the rest', () => {
    const stored = fills(0, 2, 0).map((f) => ({ fill: f, writerGeneration: 0 }));
    const plan = reconcileCommit('shard-0', fills(0, 4, 0), stored, { committedSeq: 1, generation: 0 });
    expect(plan).toEqual({ toWrite: fills(2, 2, 0), covered: fills(2, 2, 0), alreadyStored: 2 });
  });
});
