/**
 * Exactly-once commits on the DynamoDB store, over the wire, with the faults that used to lose a
 * shard's fills silently: a TransactWriteItems the server applied whose answer never came back,
 * and a split commit whose first part landed before a later part failed.
 *
 * The faults are injected by a middleware on the store's own client, in the `build` step (outside
 * the SDK's retries): the request reaches the emulator and is applied, then the caller is told
 * `TimeoutError`, as when a response is lost on the way back. moto ignores `ClientRequestToken`
 * (moto 5.2.5 never reads it), so every recovery here goes through the ledger reconciliation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { DynamoDbCampaignStore } from '../../../core/aws/dynamodb-campaign-store.js';
import { createTables, deleteTables } from '../../../core/aws/dynamodb-tables.js';
import { VirtualClock } from '../../../core/clock.js';
import { CommitFailedError, LedgerConflictError } from '../../../core/errors.js';
import type { ShardKey } from '../../../core/ports.js';
import { silentLogger } from '../../../core/log.js';
import { ShardRunner } from '../../../engine-task/src/runner.js';
import { testCampaign, T0 } from '../../support/campaigns.js';
import { checkpoint, fill, fills, newCampaign } from '../../contract/record-builders.js';

const run = randomUUID().slice(0, 8);
let tableSets = 0;

/** What the next TransactWriteItems requests with ledger puts do: pass, land and lose the answer, or fail unsent. */
type Fault = 'pass' | 'land-then-timeout' | 'fail-unsent';

interface SentTransaction {
  seqs: number[];
  token: string | undefined;
  fault: Fault;
}

/** A client whose commit transactions (those writing fills or a checkpoint) follow a script of faults (then pass), each one recorded. */
function faultyClients(script: Fault[]) {
  const clients = new AwsClients();
  const sent: SentTransaction[] = [];
  clients.documents.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { TransactItems?: { Put?: { TableName?: string; Item?: Record<string, unknown> } }[]; ClientRequestToken?: string };
      const puts = (input.TransactItems ?? []).filter((item) => item.Put?.TableName?.endsWith('ledger') || item.Put?.TableName?.endsWith('checkpoints'));
      if (puts.length === 0) return next(args);
      const ledgerPuts = puts.filter((item) => item.Put?.TableName?.endsWith('ledger'));
      const fault = script.shift() ?? 'pass';
      sent.push({ seqs: ledgerPuts.map((item) => numberOf(item.Put?.Item?.seq)), token: input.ClientRequestToken, fault });
      if (fault === 'fail-unsent') throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
      const result = await next(args);
      if (fault === 'land-then-timeout') throw Object.assign(new Error('Request timed out after 5000 ms'), { name: 'TimeoutError' });
      return result;
    },
    { step: 'build', name: 'injectCommitFaults' },
  );
  return { clients, sent };
}

/** A number attribute, marshalled (`{ N: '5' }`) or not. */
function numberOf(value: unknown): number {
  return typeof value === 'object' && value !== null && 'N' in value ? Number((value as { N: string }).N) : Number(value);
}

const plain = new AwsClients();
let prefix: string;
let campaigns = 0;
const opened: AwsClients[] = [];
beforeEach(async () => {
  prefix = `arbfleet-${run}-${tableSets++}-`;
  await createTables(plain, prefix);
});
afterEach(async () => {
  for (const clients of opened.splice(0)) clients.destroy();
  await deleteTables(plain, prefix);
});
afterAll(() => plain.destroy());

/** A store whose commits meet `script`, and a fault-free store on the same tables to read with. */
async function storesWith(script: Fault[]) {
  const { clients, sent } = faultyClients(script);
  opened.push(clients);
  const clock = new VirtualClock();
  const store = new DynamoDbCampaignStore({ clients, tablePrefix: prefix, clock });
  const reader = new DynamoDbCampaignStore({ clients: plain, tablePrefix: prefix, clock });
  const campaignId = `campaign-${campaigns++}`;
  const { campaign, shards } = newCampaign(campaignId, 1);
  await reader.createCampaign(campaign, shards);
  const key: ShardKey = { campaignId, shardId: shards[0]!.shardId };
  return { store, reader, sent, key };
}

describe('DynamoDB commits whose answer is lost', () => {
  it('a commit applied whose answer was lost is reconciled: every fill once, the checkpoint written', async () => {
    const { store, reader, sent, key } = await storesWith(['land-then-timeout']);

    await store.forTask(key, 0).commit(fills(0, 12, 0), checkpoint(0, 11));

    expect(await reader.readLedger(key)).toEqual(fills(0, 12, 0));
    expect(await reader.readCheckpoint(key)).toEqual(checkpoint(0, 11));
    // The retry after reading the ledger writes only the checkpoint (no fill twice).
    expect(sent.map((t) => t.seqs.length)).toEqual([12, 0]);
    expect(sent[0]!.token).toMatch(/^[0-9a-f]{36}$/);
  });

  it('a commit retried later with a fresher checkpoint, after its answer was lost every time, completes once', async () => {
    const { store, reader, sent, key } = await storesWith(['land-then-timeout', 'fail-unsent', 'fail-unsent', 'fail-unsent']);
    const task = store.forTask(key, 0);

    const first = task.commit(fills(0, 8, 0), checkpoint(0, 7));
    await expect(first).rejects.toBeInstanceOf(CommitFailedError);
    await expect(first).rejects.toMatchObject({ retryable: true });
    // The runner's next flush: the same fills plus new ones, with a new checkpoint.
    await task.commit(fills(0, 12, 0), checkpoint(0, 11));

    expect(await reader.readLedger(key)).toEqual(fills(0, 12, 0));
    expect(await reader.readCheckpoint(key)).toEqual(checkpoint(0, 11));
    expect(sent[0]!.seqs).toEqual(fills(0, 8, 0).map((f) => f.seq));
    expect(sent.filter((t) => t.fault === 'pass').map((t) => t.seqs)).toEqual([[8, 9, 10, 11]]);
  });

  it('a split commit whose first part landed and whose second failed completes the rest on retry', async () => {
    const { store, reader, sent, key } = await storesWith(['pass', 'fail-unsent', 'fail-unsent', 'fail-unsent']);
    const task = store.forTask(key, 0);

    await expect(task.commit(fills(0, 250, 0), checkpoint(0, 249))).rejects.toBeInstanceOf(CommitFailedError);
    // The first part landed, but the commit did not: its fills are orphans, in no one's ledger.
    expect(sent[0]!.seqs).toHaveLength(98);
    expect(await reader.readLedger(key)).toEqual([]);
    // Read, not restored: a restore is a writer's claim, which would fence `task` (the latest claimant holds the shard).
    expect(await reader.readCheckpoint(key)).toBeUndefined();

    await task.commit(fills(0, 250, 0), checkpoint(0, 249));

    expect(await reader.readLedger(key)).toEqual(fills(0, 250, 0));
    expect(await reader.readCheckpoint(key)).toEqual(checkpoint(0, 249));
    const written = sent.filter((t) => t.fault !== 'fail-unsent').flatMap((t) => t.seqs);
    expect(written.sort((a, b) => a - b)).toEqual(fills(0, 250, 0).map((f) => f.seq));
  });

  it('a split commit whose first part landed with its answer lost completes in the same call', async () => {
    const { store, reader, key } = await storesWith(['land-then-timeout']);

    await store.forTask(key, 0).commit(fills(0, 250, 0), checkpoint(0, 249));

    expect(await reader.readLedger(key)).toEqual(fills(0, 250, 0));
    expect(await reader.readCheckpoint(key)).toEqual(checkpoint(0, 249));
  });

  it('a different fill under a seq the lost commit stored is a permanent LedgerConflictError; nothing more is written', async () => {
    const { store, reader, key } = await storesWith(['land-then-timeout', 'fail-unsent', 'fail-unsent', 'fail-unsent']);
    const task = store.forTask(key, 0);
    await expect(task.commit(fills(0, 4, 0), checkpoint(0, 3))).rejects.toBeInstanceOf(CommitFailedError);

    const changed = { ...fill(3, 0), qty: 0.5 };
    const refused = task.commit([...fills(0, 3, 0), changed, ...fills(4, 2, 0)], checkpoint(0, 5));
    await expect(refused).rejects.toBeInstanceOf(LedgerConflictError);
    await expect(refused).rejects.toMatchObject({ seq: 3, retryable: false, differences: ['qty: 0.015 → 0.5'] });
    await expect(refused).rejects.toThrow(`shard ${key.shardId}: the ledger already holds a different fill under seq 3`);

    // What the lost commit landed (its fills and checkpoint, one transaction) is all there is.
    expect(await reader.readLedger(key)).toEqual(fills(0, 4, 0));
    expect(await reader.readCheckpoint(key)).toEqual(checkpoint(0, 3));
  });

  it('the engine over the store ends its run with every fill in the ledger exactly once while answers are lost', async () => {
    const script: Fault[] = [];
    for (let i = 0; i < 80; i++) script.push(i % 3 === 1 ? 'land-then-timeout' : 'pass');
    const { store, reader, key } = await storesWith(script);
    const campaign = testCampaign({ duration: '5m', watchdog: { staleAfter: 20, heartbeatInterval: 5 }, monitor: { flushInterval: 5 } });
    const symbols = campaign.symbols.map((s) => s.base);
    const runner = new ShardRunner({ campaign, shardIndex: 0, symbols, persistence: store.forTask(key, 0), mode: 'virtual', log: silentLogger, startAt: T0 });

    const outcome = await runner.run();

    const ledger = await reader.readLedger(key);
    expect(outcome.end).toBe('completed');
    expect(outcome.fills).toBeGreaterThan(0);
    expect(outcome).toMatchObject({ fillsCommitted: outcome.fills, fillsUncommitted: 0 });
    expect(ledger.map((f) => f.seq)).toEqual(Array.from({ length: outcome.fills }, (_, i) => i));
    expect((await reader.readCheckpoint(key))?.lastFillSeq).toBe(outcome.fills - 1);
  });
});
