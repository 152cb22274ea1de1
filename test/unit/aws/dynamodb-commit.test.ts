/**
 * The DynamoDB commit (`core/aws/dynamodb-commit.ts`) over a `CommitIo` that applies
 * TransactWriteItems as DynamoDB does: every item's condition is evaluated first, and either all
 * items are written or none, with a `TransactionCanceledException` whose `CancellationReasons`
 * has one code per item in request order. It evaluates the condition expressions the commit
 * sends (a small grammar: `a = b`, `a < b`, `attribute_exists`, `attribute_not_exists`, joined by
 * AND / OR), so the fence, the orphan rule and the head's compare-and-set are checked as
 * written, in process, where mutation testing can reach them (`npm run mutate`). The same code
 * against moto over the wire: `test/integration/aws/dynamodb-*.test.ts`.
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { CommitFailedError, FencedOutError, LedgerConflictError, LedgerGapError, NotFoundError } from '../../../core/errors.js';
import {
  cancellationCodes,
  commitParts,
  commitShardFills,
  commitToken,
  committedSeqOf,
  FILLS_PER_PART,
  LEDGER_SEQ,
  WRITER_GENERATION,
  type CommitIo,
  type HeadCache,
  type TransactItem,
} from '../../../core/aws/dynamodb-commit.js';
import type { Fill } from '../../../core/model/fill.js';
import type { StoredFill } from '../../../core/model/ledger-reconcile.js';
import { checkpoint, fill, fills } from '../../contract/record-builders.js';
import { holds, TransactionCanceled, type Item } from '../../support/dynamodb-condition-model.js';

const KEY = { campaignId: 'c1', shardId: 'shard-000' };
const SHARD_KEY = 'c1#shard-000';
const TABLES = { shards: 'shards', ledger: 'ledger', checkpoints: 'checkpoints' };

/** The three tables in memory, and a log of what the commit asked. */
class TableModel implements CommitIo {
  readonly tables = TABLES;
  generation = 0;
  readonly ledger = new Map<number, Item>();
  head: Item | undefined;
  readonly calls: string[] = [];
  readonly tokens: string[] = [];
  readonly sent: TransactItem[][] = [];
  /** Errors thrown by the next transact calls, in turn; `'after'` applies the transaction, then throws (the answer lost). */
  failures: (Error | { after: Error } | ((items: TransactItem[]) => void))[] = [];

  async transact(items: TransactItem[], clientRequestToken: string): Promise<void> {
    this.calls.push('transact');
    this.tokens.push(clientRequestToken);
    this.sent.push(items);
    const failure = this.failures.shift();
    if (typeof failure === 'function') failure(items);
    else if (failure instanceof Error) throw failure;
    const codes = items.map((item) => (this.conditionHolds(item) ? 'None' : 'ConditionalCheckFailed'));
    if (codes.some((code) => code !== 'None')) throw new TransactionCanceled(codes.map((Code) => ({ Code })));
    for (const item of items) {
      if (!item.Put) continue;
      const stored = item.Put.Item as Item;
      if (item.Put.TableName === TABLES.ledger) this.ledger.set(stored.seq as number, stored);
      else this.head = stored;
    }
    if (failure && 'after' in failure) throw failure.after;
  }

  async storedFills(_key: unknown, low: number, high: number): Promise<StoredFill[]> {
    this.calls.push(`storedFills ${low}-${high}`);
    return [...this.ledger.values()]
      .filter((item) => (item.seq as number) >= low && (item.seq as number) <= high)
      .sort((a, b) => (a.seq as number) - (b.seq as number))
      .map((item) => {
        const { shardKey: _k, [WRITER_GENERATION]: writer, ...rest } = item;
        return { fill: rest as Fill, writerGeneration: writer as number };
      });
  }

  async readHead(): Promise<Item | undefined> {
    this.calls.push('readHead');
    return this.head;
  }

  async fencedError(_key: unknown, generation: number): Promise<Error> {
    return new FencedOutError(KEY.shardId, generation, this.generation);
  }

  /** The seqs of the stored ledger, in order. */
  seqs(): number[] {
    return [...this.ledger.keys()].sort((a, b) => a - b);
  }

  private conditionHolds(item: TransactItem): boolean {
    if (item.ConditionCheck) {
      const check = item.ConditionCheck;
      const target = check.TableName === TABLES.shards ? { generation: this.generation } : undefined;
      return holds(check.ConditionExpression!, target, check.ExpressionAttributeNames, check.ExpressionAttributeValues);
    }
    const put = item.Put!;
    if (!put.ConditionExpression) return true;
    const current = put.TableName === TABLES.ledger ? this.ledger.get((put.Item as Item).seq as number) : this.head;
    return holds(put.ConditionExpression, current, put.ExpressionAttributeNames, put.ExpressionAttributeValues);
  }
}

const timeout = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });

describe('a commit in one transaction', () => {
  it('writes the fence first, the fills with their writer generation, and the head with the checkpoint last', async () => {
    const io = new TableModel();
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3));
    expect(io.seqs()).toEqual([0, 1, 2, 3]);
    expect(io.ledger.get(2)).toEqual({ shardKey: SHARD_KEY, ...fill(2, 0), [WRITER_GENERATION]: 0 });
    expect(io.head).toEqual({ shardKey: SHARD_KEY, ...checkpoint(0, 3), [LEDGER_SEQ]: 3 });
    const [items] = io.sent;
    expect(items).toHaveLength(6);
    expect(items![0]!.ConditionCheck).toMatchObject({ TableName: 'shards', Key: { campaignId: 'c1', shardId: 'shard-000' } });
    expect(items![5]!.Put!.TableName).toBe('checkpoints');
    expect(io.tokens[0]).toMatch(/^[0-9a-f]{36}$/);
  });

  it('a commit without a checkpoint keeps the stored checkpoint and moves the head only', async () => {
    const io = new TableModel();
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3));
    await commitShardFills(io, KEY, 0, fills(4, 4, 0), null);
    expect(io.head).toEqual({ shardKey: SHARD_KEY, ...checkpoint(0, 3), [LEDGER_SEQ]: 7 });
  });

  it('the first commit without a checkpoint writes a head item of its own', async () => {
    const io = new TableModel();
    await commitShardFills(io, KEY, 0, fills(0, 2, 0), null);
    expect(io.head).toEqual({ shardKey: SHARD_KEY, [LEDGER_SEQ]: 1 });
  });

  it('an empty commit still checks the fence and writes the checkpoint at the same head', async () => {
    const io = new TableModel();
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3));
    io.generation = 1;
    await expect(commitShardFills(io, KEY, 0, [], checkpoint(0, 3))).rejects.toBeInstanceOf(FencedOutError);
    await commitShardFills(io, KEY, 1, [], { ...checkpoint(1, 3), writtenAt: ms(1) });
    expect(io.head).toMatchObject({ generation: 1, writtenAt: 1, [LEDGER_SEQ]: 3 });
  });
});

describe('fencing', () => {
  it('a write of an older generation is refused as FencedOutError, nothing written, not retried', async () => {
    const io = new TableModel();
    io.generation = 2;
    const error = await commitShardFills(io, KEY, 1, fills(0, 4, 1), checkpoint(1, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FencedOutError);
    expect(error).toMatchObject({ generation: 1, currentGeneration: 2 });
    expect(io.ledger.size).toBe(0);
    expect(io.head).toBeUndefined();
    expect(io.calls.filter((c) => c === 'transact')).toHaveLength(1);
  });

  it('a NotFoundError from the fence check is thrown as it is', async () => {
    const io = new TableModel();
    io.generation = 5;
    io.fencedError = async () => new NotFoundError('shard c1/shard-000 does not exist');
    await expect(commitShardFills(io, KEY, 0, fills(0, 1, 0), null)).rejects.toBeInstanceOf(NotFoundError);
    expect(io.calls.filter((c) => c === 'transact')).toHaveLength(1);
  });
});

describe('split commits and the head', () => {
  it(`parts hold at most ${FILLS_PER_PART} fills, a trade's legs of one kind stay together, the head rides in the last part only`, async () => {
    const io = new TableModel();
    const batch = fills(0, 200, 0);
    await commitShardFills(io, KEY, 0, batch, checkpoint(0, 199));
    expect(io.sent.map((items) => items.length)).toEqual([1 + 98, 1 + 98, 1 + 4 + 1]);
    expect(io.sent.slice(0, 2).every((items) => items.every((item) => item.Put?.TableName !== 'checkpoints'))).toBe(true);
    expect(io.seqs()).toEqual(batch.map((f) => f.seq));
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 199 });
    expect(new Set(io.tokens).size).toBe(3);
    // Legs: a trade's two OPEN fills and two CLOSE fills are groups; from seq 1 the groups are
    // [1], [2, 3], …, [96, 97] (97 fills), then [98, 99] does not fit in the 98 and moves on whole.
    expect(commitParts(fills(1, 99, 0)).map((part) => part.length)).toEqual([97, 2]);
    expect(commitParts(fills(0, 98, 0)).map((part) => part.length)).toEqual([98]);
    expect(commitParts([])).toEqual([[]]);
  });

  it('a task killed between the parts leaves orphans above the head; the next generation writes over them', async () => {
    const io = new TableModel();
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3));
    const killed = Object.assign(new Error('task killed'), { name: 'ValidationException' });
    io.failures = [() => undefined, killed];
    await expect(commitShardFills(io, KEY, 0, fills(4, 150, 0), checkpoint(0, 153))).rejects.toBe(killed);
    expect(io.ledger.size).toBe(4 + 98);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 3 });
    io.generation = 1;
    const redone = fills(4, 150, 1).map((f) => ({ ...f, price: f.price + 1 }));
    await commitShardFills(io, KEY, 1, redone, checkpoint(1, 153));
    expect(io.ledger.get(4)).toMatchObject({ generation: 1, price: redone[0]!.price, [WRITER_GENERATION]: 1 });
    expect(io.head).toMatchObject({ generation: 1, [LEDGER_SEQ]: 153 });
  });

  it("a generation's own orphans: identical ones are covered again on retry, a different one is a LedgerConflictError", async () => {
    const io = new TableModel();
    io.failures = [() => undefined, timeout()];
    await commitShardFills(io, KEY, 0, fills(0, 150, 0), checkpoint(0, 149));
    expect(io.seqs()).toHaveLength(150);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 149 });

    const again = new TableModel();
    again.failures = [() => undefined, Object.assign(new Error('denied'), { name: 'AccessDeniedException' })];
    await expect(commitShardFills(again, KEY, 0, fills(0, 150, 0), checkpoint(0, 149))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const changed = fills(0, 150, 0).map((f) => (f.seq === 10 ? { ...f, qty: 2 } : f));
    const conflict = await commitShardFills(again, KEY, 0, changed, checkpoint(0, 149)).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(LedgerConflictError);
    expect(conflict).toMatchObject({ seq: 10, differences: ['qty: 0.015 → 2'] });
  });

  it('a retried commit whose first attempt landed (answer lost) writes nothing twice and ends at the same head', async () => {
    const io = new TableModel();
    io.failures = [{ after: timeout() }];
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3));
    expect(io.seqs()).toEqual([0, 1, 2, 3]);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 3 });
    expect(io.calls).toEqual(['readHead', 'storedFills 0-3', 'transact', 'readHead', 'storedFills 0-3', 'transact']);
    expect(io.sent[1]!.filter((item) => item.Put?.TableName === 'ledger')).toEqual([]);
  });

  it('a head legacy item (checkpoint without ledgerSeq) counts from its lastFillSeq and is replaced only as read', async () => {
    const io = new TableModel();
    io.head = { shardKey: SHARD_KEY, ...checkpoint(0, 3) };
    for (const f of fills(0, 4, 0)) io.ledger.set(f.seq, { shardKey: SHARD_KEY, ...f, [WRITER_GENERATION]: 0 });
    await expect(commitShardFills(io, KEY, 0, fills(5, 1, 0), null)).rejects.toBeInstanceOf(LedgerGapError);
    await commitShardFills(io, KEY, 0, fills(4, 2, 0), null);
    expect(io.head).toMatchObject({ lastFillSeq: 3, [LEDGER_SEQ]: 5 });
    const condition = io.sent[0]!.at(-1)!.Put!;
    expect(condition.ConditionExpression).toBe('attribute_not_exists(#head) AND #last = :head');
  });

  it('a head moved by someone else during the commit sends it back to reading: fills after the new head are a gap', async () => {
    const io = new TableModel();
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3));
    const cache: HeadCache = {};
    await commitShardFills(io, KEY, 0, fills(4, 4, 0), null, cache);
    // Another writer of this generation commits 8..11 first: the cached head (7) is stale.
    await commitShardFills(io, KEY, 0, fills(8, 4, 0), null);
    const error = await commitShardFills(
      io,
      KEY,
      0,
      fills(8, 4, 0).map((f) => ({ ...f, qty: 1 })),
      null,
      cache,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerConflictError);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 11 });
  });
  it('a checkpoint written from a stale head never moves the head back: its condition sends it to read the head again', async () => {
    const io = new TableModel();
    const cache: HeadCache = {};
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3), cache);
    await commitShardFills(io, KEY, 0, fills(4, 4, 0), null);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 7 });
    io.calls.length = 0;
    await commitShardFills(io, KEY, 0, [], checkpoint(0, 3), cache);
    expect(io.head).toMatchObject({ lastFillSeq: 3, [LEDGER_SEQ]: 7 });
    expect(io.calls).toEqual(['transact', 'readHead', 'transact']);
  });
});

describe('the head cache', () => {
  it('a commit continuing the head its task last wrote skips the reads; any other reads first', async () => {
    const io = new TableModel();
    const cache: HeadCache = {};
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3), cache);
    expect(cache.head?.committedSeq).toBe(3);
    io.calls.length = 0;
    await commitShardFills(io, KEY, 0, fills(4, 4, 0), null, cache);
    expect(io.calls).toEqual(['transact']);
    await commitShardFills(io, KEY, 0, [], checkpoint(0, 7), cache);
    expect(io.calls).toEqual(['transact', 'transact']);
    io.calls.length = 0;
    await expect(commitShardFills(io, KEY, 0, fills(9, 1, 0), null, cache)).rejects.toBeInstanceOf(LedgerGapError);
    expect(io.calls).toEqual(['readHead', 'storedFills 9-9']);
    expect(io.seqs()).toHaveLength(8);
  });

  it('fills that are not a run of seqs are reconciled first, and refused as a gap', async () => {
    const io = new TableModel();
    const cache: HeadCache = {};
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3), cache);
    io.calls.length = 0;
    const error = await commitShardFills(io, KEY, 0, [fill(4, 0), fill(6, 0)], null, cache).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerGapError);
    expect(error).toMatchObject({ seq: 6, expectedSeq: 5 });
    expect(io.calls).toEqual(['readHead', 'storedFills 4-6']);
    expect(io.seqs()).toEqual([0, 1, 2, 3]);
  });

  it('a failed commit forgets the head it had cached', async () => {
    const io = new TableModel();
    const cache: HeadCache = {};
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3), cache);
    io.generation = 1;
    await expect(commitShardFills(io, KEY, 0, fills(4, 4, 0), null, cache)).rejects.toBeInstanceOf(FencedOutError);
    expect(cache.head).toBeUndefined();
  });
});

describe('retries', () => {
  it('an outcome unknown three times is a retryable CommitFailedError naming the attempts and the cause', async () => {
    const io = new TableModel();
    const cause = timeout();
    io.failures = [cause, cause, cause];
    const error = await commitShardFills(io, KEY, 0, fills(0, 4, 0), null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitFailedError);
    expect((error as Error).message).toBe('shard c1#shard-000: commit of 4 fill(s) still failing after 3 attempts (socket hang up); retrying it is safe');
    expect((error as Error).cause).toBe(cause);
    expect(io.calls.filter((c) => c === 'transact')).toHaveLength(3);
  });

  it('a transaction cancelled by a conflict or throttling is retried; by anything else it is thrown at once', async () => {
    for (const code of ['TransactionConflict', 'ThrottlingError']) {
      const io = new TableModel();
      io.failures = [new TransactionCanceled([{ Code: 'None' }, { Code: code }])];
      await commitShardFills(io, KEY, 0, fills(0, 1, 0), null);
      expect(io.seqs()).toEqual([0]);
    }
    const io = new TableModel();
    const refused = new TransactionCanceled([{ Code: 'None' }, { Code: 'ValidationError' }]);
    io.failures = [refused];
    await expect(commitShardFills(io, KEY, 0, fills(0, 1, 0), null)).rejects.toBe(refused);
    for (const name of ['ValidationException', 'ResourceNotFoundException', 'IdempotentParameterMismatchException', 'AccessDeniedException']) {
      const once = new TableModel();
      once.failures = [Object.assign(new Error(name), { name })];
      await expect(commitShardFills(once, KEY, 0, fills(0, 1, 0), null)).rejects.toMatchObject({ name });
      expect(once.calls.filter((c) => c === 'transact')).toHaveLength(1);
    }
    const odd = new TableModel();
    odd.failures = [
      (() => {
        throw 'not an Error';
      }) as never,
    ];
    await expect(commitShardFills(odd, KEY, 0, fills(0, 1, 0), null)).rejects.toBe('not an Error');
  });

  it('a fill refused because its seq is stored by a newer writer sends the commit back to reading, and the conflict is named', async () => {
    const io = new TableModel();
    io.failures = [
      () => {
        io.ledger.set(0, { shardKey: SHARD_KEY, ...fill(0, 0), qty: 9, [WRITER_GENERATION]: 0 });
      },
    ];
    const error = await commitShardFills(io, KEY, 0, fills(0, 2, 0), null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerConflictError);
    expect(io.calls).toEqual(['readHead', 'storedFills 0-1', 'transact', 'readHead', 'storedFills 0-1']);
  });
});

describe('helpers', () => {
  it('committedSeqOf: ledgerSeq, else lastFillSeq, else -1', () => {
    expect(committedSeqOf(undefined)).toBe(-1);
    expect(committedSeqOf({ [LEDGER_SEQ]: 7, lastFillSeq: 3 })).toBe(7);
    expect(committedSeqOf({ lastFillSeq: 3 })).toBe(3);
    expect(committedSeqOf({ shardKey: SHARD_KEY })).toBe(-1);
    expect(committedSeqOf({ [LEDGER_SEQ]: '7' })).toBe(-1);
  });

  it('cancellationCodes: from CancellationReasons, else from the message, else none; undefined for other errors', () => {
    expect(cancellationCodes(new TransactionCanceled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]))).toEqual(['None', 'ConditionalCheckFailed']);
    const bare = Object.assign(new Error('Transaction cancelled [None, ConditionalCheckFailed] '), {
      name: 'TransactionCanceledException',
      CancellationReasons: [],
    });
    expect(cancellationCodes(bare)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(cancellationCodes(Object.assign(new Error('x'), { name: 'TransactionCanceledException', CancellationReasons: [{}] }))).toEqual(['None']);
    expect(cancellationCodes(Object.assign(new Error('no list'), { name: 'TransactionCanceledException' }))).toEqual([]);
    expect(cancellationCodes(new Error('[None]'))).toBeUndefined();
    expect(cancellationCodes('TransactionCanceledException')).toBeUndefined();
  });

  it('commitToken differs with the shard, generation, part, seqs and items, and is 36 hex digits', () => {
    const part = fills(0, 2, 0);
    const items: TransactItem[] = [{ ConditionCheck: { TableName: 't', Key: {}, ConditionExpression: 'x' } }];
    const base = commitToken(KEY, 0, 0, items, part);
    expect(base).toMatch(/^[0-9a-f]{36}$/);
    expect(commitToken(KEY, 0, 0, items, part)).toBe(base);
    const variants = [
      commitToken({ ...KEY, shardId: 'shard-001' }, 0, 0, items, part),
      commitToken(KEY, 1, 0, items, part),
      commitToken(KEY, 0, 1, items, part),
      commitToken(KEY, 0, 0, items, fills(0, 3, 0)),
      commitToken(KEY, 0, 0, items, fills(1, 1, 0)),
      commitToken(KEY, 0, 0, [], part),
      commitToken(KEY, 0, 0, items, []),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});
