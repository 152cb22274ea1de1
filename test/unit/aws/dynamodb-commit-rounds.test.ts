/**
 * The DynamoDB commit's rounds (`core/aws/dynamodb-commit.ts`), where
 * `dynamodb-commit.test.ts` does not look closely: the wait between rounds (only after an unknown
 * outcome, 25 ms × 2^round × a jitter factor in [0.5, 1.5)), what a commit refused three times
 * says and carries as its cause, a head created by another writer during the first commit, the
 * reads an empty commit does not make, and the cancellation codes read from a message. Written
 * from the survivors of `npm run mutate` (docs/mutation.md).
 *
 * The tables are modelled as in `dynamodb-commit.test.ts`: each TransactWriteItems evaluates every
 * item's condition expression first and writes all or nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommitFailedError } from '../../../core/errors.js';
import {
  cancellationCodes,
  commitShardFills,
  commitToken,
  LEDGER_SEQ,
  WRITER_GENERATION,
  type CommitIo,
  type TransactItem,
} from '../../../core/aws/dynamodb-commit.js';
import type { Fill } from '../../../core/model/fill.js';
import type { StoredFill } from '../../../core/model/ledger-reconcile.js';
import { checkpoint, fill, fills } from '../../contract/record-builders.js';
import { holds, TransactionCanceled, type Item } from '../../support/dynamodb-condition-model.js';
import { FencedOutError } from '../../../core/errors.js';

const KEY = { campaignId: 'c1', shardId: 'shard-000' };
const SHARD_KEY = 'c1#shard-000';
const TABLES = { shards: 'shards', ledger: 'ledger', checkpoints: 'checkpoints' };

/** The three tables in memory; `before` runs ahead of each transaction (another writer's move). */
class Tables implements CommitIo {
  readonly tables = TABLES;
  generation = 0;
  readonly ledger = new Map<number, Item>();
  head: Item | undefined;
  readonly calls: string[] = [];
  /** Thrown by the next transactions, in turn, before anything is evaluated. */
  failures: Error[] = [];
  before: (round: number) => void = () => undefined;
  private round = 0;

  async transact(items: TransactItem[]): Promise<void> {
    this.calls.push('transact');
    this.before(this.round++);
    const failure = this.failures.shift();
    if (failure) throw failure;
    const codes = items.map((item) => (this.conditionHolds(item) ? 'None' : 'ConditionalCheckFailed'));
    if (codes.some((code) => code !== 'None')) throw new TransactionCanceled(codes.map((Code) => ({ Code })));
    for (const item of items) {
      if (!item.Put) continue;
      const stored = item.Put.Item as Item;
      if (item.Put.TableName === TABLES.ledger) this.ledger.set(stored.seq as number, stored);
      else this.head = stored;
    }
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

  private conditionHolds(item: TransactItem): boolean {
    if (item.ConditionCheck) {
      const check = item.ConditionCheck;
      return holds(check.ConditionExpression!, { generation: this.generation }, check.ExpressionAttributeNames, check.ExpressionAttributeValues);
    }
    const put = item.Put!;
    if (!put.ConditionExpression) return true;
    const current = put.TableName === TABLES.ledger ? this.ledger.get((put.Item as Item).seq as number) : this.head;
    return holds(put.ConditionExpression, current, put.ExpressionAttributeNames, put.ExpressionAttributeValues);
  }
}

const timeout = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });

/** Records the delay of every timer the commit sets, and runs it at once. */
function recordWaits(): number[] {
  const waits: number[] = [];
  const original = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
    waits.push(ms ?? 0);
    return original(callback, 0);
  }) as typeof setTimeout);
  return waits;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the wait between rounds', () => {
  it('after an unknown outcome: 25 ms × 2^round × (0.5 + jitter), before each new round', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const waits = recordWaits();
    const io = new Tables();
    io.failures = [timeout(), timeout()];
    await commitShardFills(io, KEY, 0, fills(0, 2, 0), null);
    expect(waits).toEqual([25 * 2 * 0.75, 25 * 4 * 0.75]);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 1 });
  });

  it('none after a refusal the next round resolves by reading (a stored seq, a moved head)', async () => {
    const waits = recordWaits();
    const io = new Tables();
    // Another writer of this generation lands seq 0 (identical) before our first part.
    io.before = (round) => {
      if (round === 0) io.ledger.set(0, { shardKey: SHARD_KEY, ...fill(0, 0), [WRITER_GENERATION]: 0 });
    };
    await commitShardFills(io, KEY, 0, fills(0, 2, 0), null);
    expect(io.head).toMatchObject({ [LEDGER_SEQ]: 1 });
    const moved = new Tables();
    moved.before = (round) => {
      if (round === 0) moved.head = { shardKey: SHARD_KEY, [LEDGER_SEQ]: -1, note: 'other writer' };
    };
    await commitShardFills(moved, KEY, 0, fills(0, 2, 0), null);
    expect(waits).toEqual([]);
  });
});

describe('a commit refused three rounds running', () => {
  it('by a head that keeps moving: CommitFailedError whose cause is the HeadMovedError, carrying the cancellation', async () => {
    const io = new Tables();
    io.before = (round) => {
      io.head = { shardKey: SHARD_KEY, [LEDGER_SEQ]: 10 + round };
    };
    const error = await commitShardFills(io, KEY, 0, [], checkpoint(0, 9)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitFailedError);
    const cause = (error as Error).cause as Error;
    expect(cause.name).toBe('HeadMovedError');
    expect(cause.message).toBe("shard c1#shard-000: the ledger's head moved past seq 11 during the commit");
    expect(cause.cause).toBeInstanceOf(TransactionCanceled);
    expect((error as Error).message).toContain('after 3 attempts');
  });

  it('by a seq stored each time by another writer: the cause is the RefusedSeqError naming the seq, carrying the cancellation', async () => {
    const io = new Tables();
    // Each round, the other writer lands (identically) the next of our fills first, the last of its part included.
    io.before = (round) => {
      io.ledger.set(round, { shardKey: SHARD_KEY, ...fill(round, 0), [WRITER_GENERATION]: 0 });
    };
    const error = await commitShardFills(io, KEY, 0, fills(0, 3, 0), null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitFailedError);
    const cause = (error as Error).cause as Error;
    expect(cause.name).toBe('RefusedSeqError');
    expect(cause.message).toBe('shard c1#shard-000: fill seq 2 is stored and may not be replaced');
    expect(cause.cause).toBeInstanceOf(TransactionCanceled);
    expect(io.calls.filter((call) => call === 'transact')).toHaveLength(3);
  });
});

describe('the head', () => {
  it("a first commit does not overwrite a head another writer created meanwhile: it reads it and keeps the other's seq", async () => {
    const io = new Tables();
    io.before = (round) => {
      if (round === 0) io.head = { shardKey: SHARD_KEY, [LEDGER_SEQ]: 5 };
    };
    await commitShardFills(io, KEY, 0, [], checkpoint(0, 5));
    expect(io.head).toMatchObject({ lastFillSeq: 5, [LEDGER_SEQ]: 5 });
    expect(io.calls).toEqual(['readHead', 'transact', 'readHead', 'transact']);
  });

  it('a commit continuing the cached head moves the stored head over its fills (they are committed, not orphans)', async () => {
    const io = new Tables();
    const cache = {};
    await commitShardFills(io, KEY, 0, fills(0, 4, 0), checkpoint(0, 3), cache);
    io.calls.length = 0;
    await commitShardFills(io, KEY, 0, fills(4, 4, 0), null, cache);
    expect(io.calls).toEqual(['transact']);
    expect(io.head).toMatchObject({ lastFillSeq: 3, [LEDGER_SEQ]: 7 });
    expect([...io.ledger.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('an empty commit reads the head only, never the ledger (no seq range to ask for)', async () => {
    const io = new Tables();
    await commitShardFills(io, KEY, 0, [], checkpoint(0, -1));
    expect(io.calls).toEqual(['readHead', 'transact']);
  });
});

describe('helpers', () => {
  it("commitToken differs with the part's first seq alone", () => {
    const items: TransactItem[] = [{ ConditionCheck: { TableName: 't', Key: {}, ConditionExpression: 'x' } }];
    expect(commitToken(KEY, 0, 0, items, [fill(1, 0), fill(2, 0)])).not.toBe(commitToken(KEY, 0, 0, items, [fill(2, 0)]));
  });

  it('cancellationCodes reads the list that ends the message, whatever whitespace follows it', () => {
    const canceled = (message: string) => Object.assign(new Error(message), { name: 'TransactionCanceledException' });
    expect(cancellationCodes(canceled('Transaction cancelled for item [key] reasons [None, ConditionalCheckFailed]'))).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(cancellationCodes(canceled('reasons [ConditionalCheckFailed, None]  \n'))).toEqual(['ConditionalCheckFailed', 'None']);
  });
});
