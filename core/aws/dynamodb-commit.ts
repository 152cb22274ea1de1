/**
 * The engine's commit on DynamoDB, exactly once: fills and checkpoint as fenced
 * TransactWriteItems parts, each with a `ClientRequestToken` derived from what it writes, and a
 * reconciliation with the stored ledger whenever an earlier attempt may have landed.
 *
 * The commit point. A commit of more than 98 fills cannot be one transaction (100 items at most),
 * so it is written in parts, and a task can die between them. The LAST part writes the shard's
 * head, `ledgerSeq` (the highest seq the commit covers), on the checkpoints item, with the
 * checkpoint when the commit has one; earlier parts write fills only. Fills above the head are
 * orphans of an unfinished commit: no read hands them out (restore's tail, `readLedger`), and the
 * next generation, resuming its feed from the checkpoint, makes those trades again and writes
 * them over the orphans under the same seqs (`ledger-reconcile.ts` says why, and what a generation
 * does with its own orphans). Packing several fills into one item would have kept a commit to one
 * transaction only up to DynamoDB's 4 MB transaction and 400 KB item limits, and would have
 * changed the ledger's table design and every reader; the head keeps one item per fill.
 *
 * Guards, all in the transactions themselves: every part has a ConditionCheck on the shard's
 * generation and writer (fencing: `shardFenceCondition`, the same as the heartbeat's); each fill's
 * Put may replace only an orphan of an older generation or of the writer this one took the shard
 * over from (`attribute_not_exists(seq) OR writerGeneration < :generation OR (writerGeneration =
 * :generation AND writerId <> :writer)`); the last part's head write is
 * conditional on the head still being what the commit read, so a commit never moves the head
 * over fills it did not check, and a late duplicate of an older attempt cannot move it back.
 *
 * Why tokens and reads both: DynamoDB honours a client request token for 10 minutes, so an
 * identical part sent again (the SDK's own retries, or this commit's) is applied at most once.
 * Past that window, or when the request differs (the runner retries the same fills with a fresher
 * checkpoint), or on an emulator that ignores tokens, a condition refuses the repeat, and the head
 * and the ledger are read again: fills committed identically are dropped from the commit, the
 * rest is written with the head, and a different fill under a committed seq is a permanent
 * `LedgerConflictError`.
 *
 * No gaps: the fills a commit moves the head over must be `head + 1`, `head + 2`, … (checked
 * against the head it read, which the head write's condition pins); otherwise a permanent
 * `LedgerGapError`, nothing written.
 */
import { createHash } from 'node:crypto';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { CommitFailedError, FencedOutError, NotFoundError, VersionConflictError } from '../errors.js';
import type { Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import { isSeqRun, reconcileCommit, refuseGaps, seqRange, type ReconciledCommit, type StoredFill } from '../model/ledger-reconcile.js';
import type { ShardKey } from '../ports.js';
import { shardKeyOf } from './table-design.js';

/** DynamoDB's limit of items per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/** Fills per part: the other two items are the fence and, in the last part, the head. */
export const FILLS_PER_PART = MAX_TRANSACTION_ITEMS - 2;
/** Attempts of one commit, each after reading back what the previous one may have landed. */
const COMMIT_ROUNDS = 3;
/** DynamoDB's limit on a client request token's length. */
const TOKEN_LENGTH = 36;
/** The attribute of a ledger item that names the generation whose commit wrote it (not part of the fill). */
export const WRITER_GENERATION = 'writerGeneration';
/** The attribute of a ledger item that names the writer identity whose commit wrote it (not part of the fill; absent on older items). */
export const WRITER_ID = 'writerId';
/** The attribute of the checkpoints item that holds the shard's head (`committedSeq`). */
export const LEDGER_SEQ = 'ledgerSeq';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Item = Record<string, unknown>;

/** The shard's head as read: the stored checkpoints item, if any, and the committed seq it says. */
export interface LedgerHead {
  /** The highest committed seq, -1 before the first commit. */
  committedSeq: number;
  /** The checkpoints item as stored (`shardKey`, the checkpoint's fields, `ledgerSeq`); undefined when there is none. */
  item: Item | undefined;
}

/** What a commit needs from the store: its tables and its calls. */
export interface CommitIo {
  tables: { shards: string; ledger: string; checkpoints: string };
  /** One TransactWriteItems with this client request token (conflicts with other transactions retried inside). */
  transact(items: TransactItem[], clientRequestToken: string): Promise<void>;
  /** The shard's stored fills with `low ≤ seq ≤ high`, orphans included, strongly consistent, in `seq` order. */
  storedFills(key: ShardKey, low: number, high: number): Promise<StoredFill[]>;
  /** The checkpoints item, strongly consistent. */
  readHead(key: ShardKey): Promise<Item | undefined>;
  /** Why a fenced write failed its condition: `FencedOutError` (naming the writer holding the shard) or `NotFoundError`. */
  fencedError(key: ShardKey, generation: number, writer?: string): Promise<Error>;
}

/** What one task's port remembers between its commits: the head its last commit wrote (undefined: read it). */
export interface HeadCache {
  head?: LedgerHead;
}

/** The committed seq a checkpoints item says: its `ledgerSeq`; on an item written before the head existed, its checkpoint's `lastFillSeq`. */
export function committedSeqOf(item: Item | undefined): number {
  if (!item) return -1;
  const seq = item[LEDGER_SEQ] ?? item.lastFillSeq;
  return typeof seq === 'number' ? seq : -1;
}

/**
 * Commits `fills` (valid, no seq twice) and `checkpoint` for one generation of one shard.
 * When `cache` holds the head this task's last commit wrote and `fills` continue it one seq at a
 * time, the parts are written at once; otherwise (a first commit, a retry, fills repeating
 * committed ones) the head and the stored fills are read first. Any part refused by a condition
 * other than the fence, or whose outcome is unknown (timeout, reset, server error), sends the
 * commit back to reading and writing only what is missing.
 * @throws FencedOutError / NotFoundError when the generation is not the shard's current one.
 * @throws LedgerConflictError (permanent) when the ledger holds a different committed fill (or
 *   an orphan of this generation) under one of the seqs.
 * @throws LedgerGapError (permanent) when the fills do not continue the ledger's head one seq at a time.
 * @param writer the committing writer identity (`ShardPersistence.writer`): every part is fenced
 *   on it as well as on the generation; undefined fences on the generation alone.
 * @throws CommitFailedError (retryable) when the store kept failing; calling again is safe.
 */
export async function commitShardFills(
  io: CommitIo,
  key: ShardKey,
  generation: number,
  fills: readonly Fill[],
  checkpoint: Checkpoint | null,
  cache: HeadCache = {},
  writer?: string,
): Promise<void> {
  let head = cache.head;
  cache.head = undefined;
  for (let round = 1; ; round++) {
    let plan: ReconciledCommit;
    if (head && continuesHead(head, fills)) {
      plan = { toWrite: [...fills], covered: [...fills], alreadyStored: 0 };
    } else {
      head = await readHead(io, key);
      plan = reconcileCommit(key.shardId, fills, await storedAmong(io, key, fills), { committedSeq: head.committedSeq, generation, writer });
      refuseGaps(key.shardId, head.committedSeq, plan.covered);
    }
    let error: unknown;
    try {
      cache.head = await writeParts(io, key, { generation, writer }, plan, checkpoint, head);
      return;
    } catch (caught) {
      error = caught;
      head = undefined;
    }
    if (error instanceof FencedOutError || error instanceof NotFoundError || !mayHaveLanded(error)) throw error;
    if (round >= COMMIT_ROUNDS) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CommitFailedError(
        `shard ${shardKeyOf(key)}: commit of ${fills.length} fill(s) still failing after ${round} attempts (${reason}); retrying it is safe`,
        {
          cause: error,
        },
      );
    }
    if (!(error instanceof RefusedSeqError || error instanceof HeadMovedError)) await sleep(25 * 2 ** round * (0.5 + Math.random()));
  }
}

/**
 * Splits a commit's fills into transactions of at most 98 fills (the other two slots: the
 * ConditionCheck on the generation, and the head in the last part), keeping each trade's legs of
 * one kind together, in the order they came: a run of consecutive seqs gives parts that are runs
 * one after the other. Always at least one part, so that even an empty commit checks the fence and
 * writes the head.
 */
export function commitParts(fills: readonly Fill[]): Fill[][] {
  const groups = new Map<string, Fill[]>();
  for (const fill of fills) {
    const group = `${fill.tradeId}/${fill.kind}`;
    const legs = groups.get(group);
    if (legs) legs.push(fill);
    else groups.set(group, [fill]);
  }
  const parts: Fill[][] = [[]];
  for (const legs of groups.values()) {
    if (parts.at(-1)!.length + legs.length > FILLS_PER_PART) parts.push([]);
    parts.at(-1)!.push(...legs);
  }
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

/** The stored item of a fill: the fill, its key, and the generation (and writer, when known) whose commit writes it. */
export function ledgerItem(key: ShardKey, fill: Fill, writerGeneration: number, writer?: string): Item {
  return { shardKey: shardKeyOf(key), ...fill, [WRITER_GENERATION]: writerGeneration, ...(writer !== undefined ? { [WRITER_ID]: writer } : {}) };
}

/**
 * The fence of a task's write on the shard item (the commit's ConditionCheck, the heartbeat's
 * update): the shard's generation is `generation`, and no other writer has claimed it since
 * (`ShardRecord.writer`: absent, of another generation, or this writer). Without a writer, the
 * generation alone. Its names and values are `#generation`, `#writer`, `#writerGen`, `#writerId`
 * and `:generation`, `:writer`.
 */
export function shardFenceCondition(
  generation: number,
  writer: string | undefined,
): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Item } {
  if (writer === undefined) {
    return {
      ConditionExpression: '#generation = :generation',
      ExpressionAttributeNames: { '#generation': 'generation' },
      ExpressionAttributeValues: { ':generation': generation },
    };
  }
  return {
    ConditionExpression: '#generation = :generation AND (attribute_not_exists(#writer) OR #writer.#writerGen <> :generation OR #writer.#writerId = :writer)',
    ExpressionAttributeNames: { '#generation': 'generation', '#writer': 'writer', '#writerGen': 'generation', '#writerId': 'id' },
    ExpressionAttributeValues: { ':generation': generation, ':writer': writer },
  };
}

/** A part refused because one of its fills' seq is stored and may not be replaced (nothing of that part was written): a race lost to another attempt, reconciled next round. */
class RefusedSeqError extends VersionConflictError {
  override readonly name = 'RefusedSeqError';
}

/** The last part refused because the head is no longer what the commit read (nothing of that part was written): a lost compare-and-set on the head. */
class HeadMovedError extends VersionConflictError {
  override readonly name = 'HeadMovedError';
}

/** True when `fills` are `head + 1`, `head + 2`, …: nothing to reconcile if nothing else wrote since. */
function continuesHead(head: LedgerHead, fills: readonly Fill[]): boolean {
  return (fills.length === 0 || (fills[0] as Fill).seq === head.committedSeq + 1) && isSeqRun(fills);
}

async function readHead(io: CommitIo, key: ShardKey): Promise<LedgerHead> {
  const item = await io.readHead(key);
  return { committedSeq: committedSeqOf(item), item };
}

/** Writes the parts; returns the head the last one wrote. */
async function writeParts(
  io: CommitIo,
  key: ShardKey,
  { generation, writer }: { generation: number; writer: string | undefined },
  plan: ReconciledCommit,
  checkpoint: Checkpoint | null,
  head: LedgerHead,
): Promise<LedgerHead> {
  const fence: TransactItem = {
    ConditionCheck: { TableName: io.tables.shards, Key: { campaignId: key.campaignId, shardId: key.shardId }, ...shardFenceCondition(generation, writer) },
  };
  const committedSeq = plan.covered.length > 0 ? (plan.covered[plan.covered.length - 1] as Fill).seq : head.committedSeq;
  // The head item: the new checkpoint, or (a commit without one) the stored item as it was; with the new head either way.
  const headItem: Item = {
    ...(checkpoint ? { shardKey: shardKeyOf(key), ...checkpoint } : (head.item ?? { shardKey: shardKeyOf(key) })),
    [LEDGER_SEQ]: committedSeq,
  };
  const parts = commitParts(plan.toWrite);
  for (const [index, part] of parts.entries()) {
    const items: TransactItem[] = [fence, ...part.map((fill) => ledgerPut(io.tables.ledger, key, fill, generation, writer))];
    const last = index === parts.length - 1;
    if (last) items.push({ Put: { TableName: io.tables.checkpoints, Item: headItem, ...headUnchanged(head) } });
    try {
      await io.transact(items, commitToken(key, generation, index, items, part));
    } catch (error) {
      const codes = cancellationCodes(error);
      const failed = codes?.findIndex((code) => code.startsWith('ConditionalCheckFailed')) ?? -1;
      if (failed === 0) throw await io.fencedError(key, generation, writer);
      if (failed > 0 && failed <= part.length) {
        throw new RefusedSeqError(`shard ${shardKeyOf(key)}: fill seq ${part[failed - 1]!.seq} is stored and may not be replaced`, { cause: error });
      }
      if (last && failed === part.length + 1) {
        throw new HeadMovedError(`shard ${shardKeyOf(key)}: the ledger's head moved past seq ${head.committedSeq} during the commit`, { cause: error });
      }
      throw error;
    }
  }
  return { committedSeq, item: headItem };
}

/** The condition that the checkpoints item is as the commit read it (absent; its head; or, written before heads existed, its checkpoint's `lastFillSeq`). */
function headUnchanged(
  head: LedgerHead,
): Pick<NonNullable<TransactItem['Put']>, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  if (!head.item) return { ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': 'shardKey' } };
  if (head.item[LEDGER_SEQ] !== undefined) {
    return {
      ConditionExpression: '#head = :head',
      ExpressionAttributeNames: { '#head': LEDGER_SEQ },
      ExpressionAttributeValues: { ':head': head.committedSeq },
    };
  }
  return {
    ConditionExpression: 'attribute_not_exists(#head) AND #last = :head',
    ExpressionAttributeNames: { '#head': LEDGER_SEQ, '#last': 'lastFillSeq' },
    ExpressionAttributeValues: { ':head': head.committedSeq },
  };
}

/** The stored fills (orphans included) whose seq is among the commit's. */
async function storedAmong(io: CommitIo, key: ShardKey, fills: readonly Fill[]): Promise<StoredFill[]> {
  const range = seqRange(fills);
  return range === undefined ? [] : io.storedFills(key, range.low, range.high);
}

/** A fill's Put: a new seq, or over an orphan that an older generation's unfinished commit left, or (with a writer) one the writer this one took over from left. */
function ledgerPut(table: string, key: ShardKey, fill: Fill, generation: number, writer: string | undefined): TransactItem {
  const older = 'attribute_not_exists(#seq) OR attribute_not_exists(#writer) OR #writer < :generation';
  if (writer === undefined) {
    return {
      Put: {
        TableName: table,
        Item: ledgerItem(key, fill, generation),
        ConditionExpression: older,
        ExpressionAttributeNames: { '#seq': 'seq', '#writer': WRITER_GENERATION },
        ExpressionAttributeValues: { ':generation': generation },
      },
    };
  }
  return {
    Put: {
      TableName: table,
      Item: ledgerItem(key, fill, generation, writer),
      ConditionExpression: `${older} OR (#writer = :generation AND attribute_exists(#writerId) AND #writerId <> :writerId)`,
      ExpressionAttributeNames: { '#seq': 'seq', '#writer': WRITER_GENERATION, '#writerId': WRITER_ID },
      ExpressionAttributeValues: { ':generation': generation, ':writerId': writer },
    },
  };
}

/**
 * Whether a failed part may have been applied, or was refused only because an earlier attempt
 * was: worth reading the head and the ledger and trying again. A cancelled transaction wrote
 * nothing; it is worth another round only when it was cancelled for a stored seq, a moved head or
 * a conflict. Errors that say the request itself is wrong (validation, missing table, mismatched
 * token) are not.
 */
function mayHaveLanded(error: unknown): boolean {
  if (error instanceof RefusedSeqError || error instanceof HeadMovedError) return true;
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
