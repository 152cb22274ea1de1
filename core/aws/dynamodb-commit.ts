/**
 * The engine's commit on DynamoDB, exactly once: fills and checkpoint as fenced
 * TransactWriteItems parts, each with a `ClientRequestToken` derived from what it writes, and a
 * reconciliation with the stored ledger whenever an earlier attempt may have landed.
 *
 * Why both: DynamoDB honours a client request token for 10 minutes, so an identical part sent
 * again (the SDK's own retries, or this commit's) is applied at most once. Past that window, or
 * when the request differs (the runner retries the same fills with a fresher checkpoint), or on
 * an emulator that ignores tokens, the fills' `attribute_not_exists(seq)` condition refuses the
 * repeat, and the ledger from the commit's first seq is read: fills stored identically are
 * dropped from the commit, the rest is written with the checkpoint, and a different fill under a
 * stored seq is a permanent `LedgerConflictError`.
 *
 * No gaps: the fills a commit writes must continue the ledger one seq at a time. Each part
 * holds a ConditionCheck that the seq before its first fill is stored (the ledger's last seq, or
 * the previous part's), so a commit that would skip seqs is refused in the same transaction that
 * would have written it; a commit whose fills are not a run of consecutive seqs is reconciled
 * with the ledger first. Either way the refusal is a permanent `LedgerGapError`. The check is that
 * the previous seq exists, not that it is the last: on a ledger that already has a hole (written
 * before this check), a commit filling the hole is taken here where SQLite would refuse it.
 */
import { createHash } from 'node:crypto';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { CommitFailedError, FencedOutError, NotFoundError } from '../errors.js';
import type { Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import { isSeqRun, reconcileCommit, refuseGaps } from '../model/ledger-reconcile.js';
import type { ShardKey } from '../ports.js';
import { shardKeyOf } from './table-design.js';

/** DynamoDB's limit of items per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/** Attempts of one commit, each after reading back what the previous one may have landed. */
const COMMIT_ROUNDS = 3;
/** DynamoDB's limit on a client request token's length. */
const TOKEN_LENGTH = 36;

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** What a commit needs from the store: its tables and three of its calls. */
export interface CommitIo {
  tables: { shards: string; ledger: string; checkpoints: string };
  /** One TransactWriteItems with this client request token (conflicts with other transactions retried inside). */
  transact(items: TransactItem[], clientRequestToken: string): Promise<void>;
  /** The shard's stored fills with `low ≤ seq ≤ high`, strongly consistent, in `seq` order. */
  storedFills(key: ShardKey, low: number, high: number): Promise<Fill[]>;
  /** The shard's last stored seq, strongly consistent; -1 when its ledger is empty. */
  lastSeq(key: ShardKey): Promise<number>;
  /** Why a fenced write failed its condition: `FencedOutError` or `NotFoundError`. */
  fencedError(key: ShardKey, generation: number): Promise<Error>;
}

/**
 * Commits `fills` (valid, no seq twice) and `checkpoint` for one generation of one shard.
 * A split commit, or one whose fills are not a run of consecutive seqs, reads the ledger first
 * (an earlier attempt may have landed some parts); any commit whose part is refused because a
 * seq is stored, or whose outcome is unknown (timeout, reset, server error), reads the ledger
 * and writes only what is missing.
 * @throws FencedOutError / NotFoundError when the generation is not the shard's current one.
 * @throws LedgerConflictError (permanent) when the ledger holds a different fill under one of the seqs.
 * @throws LedgerGapError (permanent) when the fills to write do not continue the ledger one seq at a time.
 * @throws CommitFailedError (retryable) when the store kept failing; calling again is safe.
 */
export async function commitShardFills(io: CommitIo, key: ShardKey, generation: number, fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
  let remaining: readonly Fill[] = fills;
  if (commitParts(remaining, checkpoint !== null).length > 1 || !isSeqRun(remaining)) remaining = await missingFills(io, key, remaining);
  if (!isSeqRun(remaining)) refuseGaps(key.shardId, await io.lastSeq(key), remaining);
  for (let round = 1; ; round++) {
    let error: unknown;
    try {
      await writeParts(io, key, generation, remaining, checkpoint);
      return;
    } catch (caught) {
      error = caught;
    }
    if (error instanceof FencedOutError || error instanceof NotFoundError || !mayHaveLanded(error)) throw error;
    if (error instanceof MissingPredecessorError) {
      // Throws unless the missing seq was stored meanwhile (then another round writes the rest).
      refuseGaps(key.shardId, await io.lastSeq(key), await missingFills(io, key, remaining));
    }
    if (round >= COMMIT_ROUNDS) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CommitFailedError(`shard ${shardKeyOf(key)}: commit of ${remaining.length} fill(s) still failing after ${round} attempts (${reason}); retrying it is safe`, {
        cause: error,
      });
    }
    if (!(error instanceof RefusedSeqError || error instanceof MissingPredecessorError)) await sleep(25 * 2 ** round * (0.5 + Math.random()));
    remaining = await missingFills(io, key, remaining);
  }
}

/**
 * Splits a commit's fills into transactions of at most 98 fills (two slots are the ConditionChecks
 * on the generation and on the seq before the part's first fill), keeping each trade's legs of
 * one kind together, in the order they came: a run of consecutive seqs gives parts that are runs
 * one after the other. The checkpoint rides in the last part; when that part is full it gets a
 * part of its own. Always at least one part, so that even an empty commit checks the fence.
 */
export function commitParts(fills: readonly Fill[], withCheckpoint: boolean): Fill[][] {
  const capacity = MAX_TRANSACTION_ITEMS - 2;
  const groups = new Map<string, Fill[]>();
  for (const fill of fills) {
    const group = `${fill.tradeId}/${fill.kind}`;
    const legs = groups.get(group);
    if (legs) legs.push(fill);
    else groups.set(group, [fill]);
  }
  const parts: Fill[][] = [[]];
  for (const legs of groups.values()) {
    if (parts.at(-1)!.length + legs.length > capacity) parts.push([]);
    parts.at(-1)!.push(...legs);
  }
  if (withCheckpoint && parts.at(-1)!.length >= capacity) parts.push([]);
  return parts;
}

/**
 * The client request token of one part: a digest of the shard, the generation, the part's
 * index and first/last seq, and every item it writes. Only an identical part shares it, so a
 * retry of the same request is idempotent and a different one never meets
 * `IdempotentParameterMismatch`.
 */
export function commitToken(key: ShardKey, generation: number, index: number, items: readonly TransactItem[], part: readonly Fill[]): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ shard: shardKeyOf(key), generation, index, first: part[0]?.seq ?? null, last: part.at(-1)?.seq ?? null, items }))
    .digest('hex');
  return digest.slice(0, TOKEN_LENGTH);
}

/** A part refused because one of its fills' seq is already stored (nothing of that part was written). */
class RefusedSeqError extends Error {
  override readonly name = 'RefusedSeqError';
}

/** A part refused because the seq before its first fill is not stored: written, it would leave a gap (nothing of that part was written). */
class MissingPredecessorError extends Error {
  override readonly name = 'MissingPredecessorError';
}

async function writeParts(io: CommitIo, key: ShardKey, generation: number, fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
  const fence: TransactItem = {
    ConditionCheck: {
      TableName: io.tables.shards,
      Key: { campaignId: key.campaignId, shardId: key.shardId },
      ConditionExpression: '#generation = :generation',
      ExpressionAttributeNames: { '#generation': 'generation' },
      ExpressionAttributeValues: { ':generation': generation },
    },
  };
  const parts = commitParts(fills, checkpoint !== null);
  for (const [index, part] of parts.entries()) {
    const items: TransactItem[] = [fence, ...part.map((fill) => ledgerPut(io.tables.ledger, key, fill))];
    if (index === parts.length - 1 && checkpoint) {
      items.push({ Put: { TableName: io.tables.checkpoints, Item: { shardKey: shardKeyOf(key), ...checkpoint } } });
    }
    // The seq before the part's lowest: stored, or the ledger would have a gap (none before seq 0).
    const first = Math.min(...part.map((fill) => fill.seq));
    const predecessor = part.length > 0 && first > 0 ? items.length : -1;
    if (predecessor >= 0) items.push(storedCheck(io.tables.ledger, key, first - 1));
    try {
      await io.transact(items, commitToken(key, generation, index, items, part));
    } catch (error) {
      const codes = cancellationCodes(error);
      const failed = codes?.findIndex((code) => code.startsWith('ConditionalCheckFailed')) ?? -1;
      if (failed === 0) throw await io.fencedError(key, generation);
      if (failed > 0 && failed <= part.length) {
        throw new RefusedSeqError(`shard ${shardKeyOf(key)}: fill seq ${part[failed - 1]!.seq} is already in the ledger`, { cause: error });
      }
      if (failed > 0 && failed === predecessor) {
        throw new MissingPredecessorError(`shard ${shardKeyOf(key)}: seq ${first - 1}, before fill seq ${first}, is not in the ledger`, { cause: error });
      }
      throw error;
    }
  }
}

/** The commit's fills the ledger does not hold yet; a different fill under a stored seq throws `LedgerConflictError`. */
async function missingFills(io: CommitIo, key: ShardKey, fills: readonly Fill[]): Promise<Fill[]> {
  if (fills.length === 0) return [];
  const seqs = fills.map((fill) => fill.seq);
  const stored = await io.storedFills(key, Math.min(...seqs), Math.max(...seqs));
  return reconcileCommit(key.shardId, fills, stored).toWrite;
}

/** The condition that the ledger holds a fill under `seq` (the one a part's first fill must follow). */
function storedCheck(table: string, key: ShardKey, seq: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: { shardKey: shardKeyOf(key), seq },
      ConditionExpression: 'attribute_exists(#key)',
      ExpressionAttributeNames: { '#key': 'seq' },
    },
  };
}

function ledgerPut(table: string, key: ShardKey, fill: Fill): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { shardKey: shardKeyOf(key), ...fill },
      ConditionExpression: 'attribute_not_exists(#key)',
      ExpressionAttributeNames: { '#key': 'seq' },
    },
  };
}

/**
 * Whether a failed part may have been applied, or was refused only because an earlier attempt
 * was: worth reading the ledger and trying again. A cancelled transaction wrote nothing; it is
 * worth another round only when it was cancelled for a stored seq or a conflict. Errors that say
 * the request itself is wrong (validation, missing table, mismatched token) are not.
 */
function mayHaveLanded(error: unknown): boolean {
  if (error instanceof RefusedSeqError || error instanceof MissingPredecessorError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'TransactionCanceledException') {
    return cancellationCodes(error)?.some((code) => code === 'TransactionConflict' || code.startsWith('Throttling')) ?? false;
  }
  return !['ValidationException', 'ResourceNotFoundException', 'IdempotentParameterMismatchException', 'AccessDeniedException'].includes(error.name);
}

/**
 * The cancellation reason codes of a cancelled transaction, one per item in request order
 * (`None` for an item that was fine), or undefined for any other error. Read from
 * `CancellationReasons`, or from the message when an emulator leaves them out.
 */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons && reasons.length > 0) return reasons.map((reason) => reason.Code ?? 'None');
  const listed = /\[([^\]]*)\]\s*$/.exec(error.message)?.[1];
  return listed === undefined ? [] : listed.split(',').map((code) => code.trim());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
