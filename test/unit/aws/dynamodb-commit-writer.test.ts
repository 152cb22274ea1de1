/**
 * A commit with a writer identity (`core/aws/dynamodb-commit.ts`; written against the survivors and
 * no-coverage mutants of the stores' Stryker run, docs/mutation.md): every condition sent names
 * only placeholders it defines and defines only those it uses, with non-empty attribute names
 * (DynamoDB refuses a request otherwise), the shard fence and every ledger Put are conditioned on
 * the writer, and each ledger item records it; without a writer, none of them mentions one. A
 * `CommitIo` that records each transaction and answers success, over an empty ledger.
 */
import { describe, expect, it } from 'vitest';
import { type CommitIo, commitShardFills, type TransactItem, WRITER_GENERATION, WRITER_ID } from '../../../core/aws/dynamodb-commit.js';
import { checkpoint, fills } from '../../contract/record-builders.js';

const KEY = { campaignId: 'c1', shardId: 'shard-0' };

function recordingIo(): CommitIo & { sent: TransactItem[][] } {
  const sent: TransactItem[][] = [];
  return {
    sent,
    tables: { shards: 'shards', ledger: 'ledger', checkpoints: 'checkpoints' },
    async transact(items) {
      sent.push(items);
    },
    async storedFills() {
      return [];
    },
    async readHead() {
      return undefined;
    },
    async fencedError() {
      return new Error('not fenced in this test');
    },
  };
}

type Conditioned = { ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> };

/** Each conditioned request of a transaction: the fence's ConditionCheck and the Puts. */
function conditions(items: TransactItem[]): { table: string; request: Conditioned; item?: Record<string, unknown> }[] {
  return items.flatMap((entry) => {
    if (entry.ConditionCheck) return [{ table: entry.ConditionCheck.TableName as string, request: entry.ConditionCheck as Conditioned }];
    if (entry.Put) return [{ table: entry.Put.TableName as string, request: entry.Put as Conditioned, item: entry.Put.Item as Record<string, unknown> }];
    return [];
  });
}

function expectWellFormed(request: Conditioned) {
  const expression = request.ConditionExpression ?? '';
  const used = (prefix: string) => [...new Set(expression.match(new RegExp(`${prefix}[A-Za-z]+`, 'g')) ?? [])].sort();
  expect(used('#'), expression).toEqual(Object.keys(request.ExpressionAttributeNames ?? {}).sort());
  expect(used(':'), expression).toEqual(Object.keys(request.ExpressionAttributeValues ?? {}).sort());
  for (const name of Object.values(request.ExpressionAttributeNames ?? {})) expect(name, expression).not.toBe('');
}

describe('a commit with a writer identity', () => {
  it('fences the shard and each ledger Put on the writer, records it on each fill, and every condition is well formed', async () => {
    const io = recordingIo();
    await commitShardFills(io, KEY, 2, fills(0, 3, 2), checkpoint(2, 2), {}, 'w-2');
    const sent = conditions(io.sent.flat());
    const fence = sent.find((c) => c.table === 'shards');
    expect(fence?.request.ExpressionAttributeValues).toMatchObject({ ':generation': 2, ':writer': 'w-2' });
    const puts = sent.filter((c) => c.table === 'ledger');
    expect(puts).toHaveLength(3);
    for (const put of puts) {
      expect(put.item).toMatchObject({ [WRITER_GENERATION]: 2, [WRITER_ID]: 'w-2' });
      expect(put.request.ExpressionAttributeValues).toMatchObject({ ':generation': 2, ':writerId': 'w-2' });
    }
    for (const { request } of sent) if (request.ConditionExpression !== undefined) expectWellFormed(request);
  });

  it('without one: the generation alone, no writer on the fills, every condition well formed', async () => {
    const io = recordingIo();
    await commitShardFills(io, KEY, 2, fills(0, 3, 2), checkpoint(2, 2), {});
    const sent = conditions(io.sent.flat());
    expect(sent.find((c) => c.table === 'shards')?.request.ExpressionAttributeValues).toEqual({ ':generation': 2 });
    for (const put of sent.filter((c) => c.table === 'ledger')) {
      expect(put.item !== undefined && WRITER_ID in put.item).toBe(false);
      expect(put.request.ExpressionAttributeValues).toEqual({ ':generation': 2 });
    }
    for (const { request } of sent) if (request.ConditionExpression !== undefined) expectWellFormed(request);
  });
});
