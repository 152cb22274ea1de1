import type { CommitMessage } from '../../../core/model/task-protocol.js';

/** Where a shard's commits stand, as the agent has validated them (not as the store has taken them). */
export interface CommitCursor {
  /** The `seq` the engine's next commit must carry (0 first in each generation). */
  nextCommitSeq: number;
  /** The `seq` the next fill must carry: the ledger's next, continued by every commit validated before. */
  nextFillSeq: number;
}

/**
 * Checks one `commit` against the task protocol's ordering rules (`docs/task-protocol.md`): its
 * `seq` is the next commit's, its fills continue the ledger one `seq` at a time from
 * `cursor.nextFillSeq`, and every fill is for one of the shard's `symbols`. Returns what is wrong,
 * naming the field, what was expected and what was found, or undefined when the commit may be
 * written. Pure: the caller moves the cursor on.
 */
export function commitProblem(commit: CommitMessage, cursor: CommitCursor, symbols: ReadonlySet<string>): string | undefined {
  if (commit.seq !== cursor.nextCommitSeq) {
    return `commit ${commit.seq}: seq: expected ${cursor.nextCommitSeq} (commits are numbered one by one from 0 in each generation), found ${commit.seq}`;
  }
  let expected = cursor.nextFillSeq;
  for (let i = 0; i < commit.fills.length; i++) {
    const fill = commit.fills[i] as CommitMessage['fills'][number];
    if (fill.seq !== expected) {
      const how = fill.seq < expected ? 'goes back' : 'skips';
      return `commit ${commit.seq}: fills[${i}].seq: expected ${expected} (fills continue the ledger one by one), found ${fill.seq} (it ${how})`;
    }
    if (!symbols.has(fill.symbol)) {
      return `commit ${commit.seq}: fills[${i}].symbol: expected one of the shard's symbols (${[...symbols].join(', ')}), found "${fill.symbol}"`;
    }
    expected++;
  }
  return undefined;
}
