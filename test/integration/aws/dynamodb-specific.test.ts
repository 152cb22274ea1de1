/**
 * What the DynamoDB store does beyond the shared contract, over the wire: commits split into
 * transactions of at most 100 items and fenced part by part, the sparse indexes, heartbeat
 * history TTL, patches that REMOVE attributes, idempotent creates racing each other.
 *
 * Transactions are observed (not mocked) by a middleware on the store's own client that records
 * each TransactWriteItems request as it goes to the emulator. Every test gets tables of its own
 * prefix: moto copies a whole table for every item of a transaction, so small tables keep it fast.
 */
import { ms } from '../../../core/model/units.js';
import { randomUUID } from 'node:crypto';
import { DescribeTimeToLiveCommand, TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { commitParts, DynamoDbCampaignStore } from '../../../core/aws/dynamodb-campaign-store.js';
import { createTables, deleteTables } from '../../../core/aws/dynamodb-tables.js';
import { ACTIVE_SHARDS_INDEX, LIVE_BUCKET, tableNames } from '../../../core/aws/table-design.js';
import { VirtualClock } from '../../../core/clock.js';
import { AlreadyExistsError, FencedOutError, LedgerConflictError, LedgerGapError, ValidationError } from '../../../core/errors.js';
import type { LifecycleEvent } from '../../../core/model/records.js';
import type { ShardKey } from '../../../core/ports.js';
import { checkpoint, fill, fills, newCampaign, progress, shardRecord } from '../../contract/record-builders.js';

const HEARTBEAT_TTL_SEC = 3_600;
const run = randomUUID().slice(0, 8);
let tableSets = 0;
/** The test's own view of the tables (raw reads) and the client of `store`. */
const clients = new AwsClients();

/** One TransactWriteItems request as it went out: its items' tables, and the ledger seqs it put. */
interface SentTransaction {
  tables: string[];
  seqs: number[];
}

/** A store on its own client, with every TransactWriteItems request it sends recorded. */
function observedStore(clock: VirtualClock, afterTransaction?: (sent: SentTransaction, index: number) => Promise<void>) {
  const own = new AwsClients();
  const sent: SentTransaction[] = [];
  /** The commands other than TransactWriteItems it sent (GetItem, Query, …), by name. */
  const reads: string[] = [];
  /** Each TransactWriteItems input as sent (marshalled: the document client has converted it by the build step). */
  const inputs: TransactWriteItemsCommandInput[] = [];
  own.documents.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TransactItems?: TransactItemShape[] };
      if (!input.TransactItems) {
        reads.push(String(context.commandName));
        return next(args);
      }
      inputs.push(structuredClone(args.input as TransactWriteItemsCommandInput));
      const transaction = describeTransaction(input.TransactItems);
      sent.push(transaction);
      const result = await next(args);
      await afterTransaction?.(transaction, sent.length - 1);
      return result;
    },
    { step: 'build', name: 'recordTransactions' },
  );
  const store = new DynamoDbCampaignStore({ clients: own, tablePrefix: prefix, clock, heartbeatTtlSec: HEARTBEAT_TTL_SEC });
  return { store, sent, reads, inputs, destroy: () => own.destroy() };
}

interface TransactItemShape {
  Put?: { TableName?: string; Item?: Record<string, unknown> };
  Update?: { TableName?: string };
  ConditionCheck?: { TableName?: string };
  Delete?: { TableName?: string };
}

function describeTransaction(items: TransactItemShape[]): SentTransaction {
  const seqs: number[] = [];
  const names = items.map((item) => {
    const op = item.Put ?? item.Update ?? item.ConditionCheck ?? item.Delete;
    if (item.Put?.TableName === tables.ledger) seqs.push(numberOf(item.Put.Item?.seq));
    return `${item.Put ? 'Put' : item.Update ? 'Update' : item.ConditionCheck ? 'ConditionCheck' : 'Delete'}:${op?.TableName}`;
  });
  return { tables: names, seqs };
}

/** A number attribute, marshalled (`{ N: '5' }`) or not. */
function numberOf(value: unknown): number {
  return typeof value === 'object' && value !== null && 'N' in value ? Number((value as { N: string }).N) : Number(value);
}

let prefix: string;
let tables: ReturnType<typeof tableNames>;
let clock: VirtualClock;
let store: DynamoDbCampaignStore;
let campaigns = 0;
beforeEach(async () => {
  prefix = `arbfleet-${run}-${tableSets++}-`;
  tables = tableNames(prefix);
  await createTables(clients, prefix);
  clock = new VirtualClock();
  store = new DynamoDbCampaignStore({ clients, tablePrefix: prefix, clock, heartbeatTtlSec: HEARTBEAT_TTL_SEC });
});
afterEach(async () => {
  await deleteTables(clients, prefix);
});
afterAll(() => clients.destroy());

/** Creates a fresh campaign (unique id) with `shardCount` shards; returns its id and first shard. */
async function seed(shardCount = 1): Promise<{ campaignId: string; key: ShardKey }> {
  const campaignId = `campaign-${campaigns++}`;
  const { campaign, shards } = newCampaign(campaignId, shardCount);
  await store.createCampaign(campaign, shards);
  return { campaignId, key: { campaignId, shardId: 'shard-0' } };
}

async function supersede(key: ShardKey, generation: number, by = store): Promise<void> {
  const shard = await by.getShard(key);
  await by.updateShard(key, shard!.version, { generation, status: 'RESTARTING' });
}

describe('split commits', () => {
  let destroy: (() => void) | undefined;
  afterEach(() => destroy?.());

  it('a commit of 250 fills goes out as several transactions of at most 100 items, and all of it lands with the checkpoint', async () => {
    const { key } = await seed();
    const observed = observedStore(clock);
    destroy = observed.destroy;

    await observed.store.forTask(key, 0).commit(fills(0, 250, 0), checkpoint(0, 249));

    expect(observed.sent.length).toBeGreaterThanOrEqual(3);
    for (const transaction of observed.sent) {
      expect(transaction.tables.length).toBeLessThanOrEqual(100);
      expect(transaction.tables[0]).toBe(`ConditionCheck:${tables.shards}`);
    }
    const withCheckpoint = observed.sent.map((t) => t.tables.includes(`Put:${tables.checkpoints}`));
    expect(withCheckpoint).toEqual(observed.sent.map((_, i) => i === observed.sent.length - 1));
    expect(await store.readLedger(key)).toEqual(fills(0, 250, 0));
    expect(await store.forTask(key, 0).restore()).toEqual({ checkpoint: checkpoint(0, 249), ledgerTail: [] });
  });

  it('never puts the two legs of one kind of a trade in different transactions', async () => {
    const { key } = await seed();
    const observed = observedStore(clock);
    destroy = observed.destroy;

    await observed.store.forTask(key, 0).commit(fills(0, 250, 0), checkpoint(0, 249));

    const partOf = new Map<string, number>();
    observed.sent.forEach((transaction, part) => {
      for (const seq of transaction.seqs) {
        const leg = fill(seq, 0);
        const group = `${leg.tradeId}/${leg.kind}`;
        expect(partOf.get(group) ?? part, `legs of ${group}`).toBe(part);
        partOf.set(group, part);
      }
    });
    expect(observed.sent.flatMap((t) => t.seqs).sort((a, b) => a - b)).toEqual(fills(0, 250, 0).map((f) => f.seq));
  });

  it('plans parts of at most 98 fills and whole trade legs; the fence and the head fill the last part to 100 items', () => {
    expect(commitParts([])).toEqual([[]]);
    expect(commitParts(fills(0, 250, 0)).map((part) => part.length)).toEqual([98, 98, 54]);
    const pairs = fills(0, 198, 0);
    expect(commitParts(pairs).map((part) => part.length)).toEqual([98, 98, 2]);
    const full = fills(0, 98, 0).map((f, i) => ({ ...f, tradeId: i }));
    expect(commitParts(full).map((part) => part.length)).toEqual([98]);
  });

  it('only the last part writes the head; a commit without a checkpoint writes it too, keeping the stored checkpoint', async () => {
    const { key } = await seed();
    await store.forTask(key, 0).commit(fills(0, 2, 0), checkpoint(0, 1));
    const observed = observedStore(clock);
    destroy = observed.destroy;

    await observed.store.forTask(key, 0).commit(fills(2, 250, 0), null);

    expect(observed.sent.length).toBe(3);
    for (const transaction of observed.sent) expect(transaction.tables.length).toBeLessThanOrEqual(100);
    expect(observed.sent.map((t) => t.tables.filter((name) => name === `Put:${tables.checkpoints}`).length)).toEqual([0, 0, 1]);
    expect(await store.readLedger(key)).toEqual(fills(0, 252, 0));
    expect(await store.forTask(key, 0).restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: fills(2, 250, 0) });
  });

  it("a late duplicate of an earlier commit's last part cannot move the head back", async () => {
    const { key } = await seed();
    const observed = observedStore(clock);
    destroy = observed.destroy;
    const task = observed.store.forTask(key, 0);
    await task.commit(fills(0, 3, 0), checkpoint(0, 2));
    await task.commit([], { ...checkpoint(0, 2), writtenAt: ms(checkpoint(0, 2).writtenAt + 1) });
    const late = observed.inputs.at(-1)!;
    await task.commit(fills(3, 2, 0), checkpoint(0, 4));

    // The checkpoint-only commit's transaction arrives again (moto ignores its token, as DynamoDB does after 10 minutes).
    await expect(clients.documents.send(new TransactWriteItemsCommand(late))).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await store.readLedger(key)).toEqual(fills(0, 5, 0));
    expect(await store.forTask(key, 0).restore()).toEqual({ checkpoint: checkpoint(0, 4), ledgerTail: [] });
  });

  it('a commit that continues the head its port last wrote is written at once, without reading', async () => {
    const { key } = await seed();
    const observed = observedStore(clock);
    destroy = observed.destroy;
    const task = observed.store.forTask(key, 0);
    await task.commit(fills(0, 2, 0), checkpoint(0, 1));
    const reads = observed.reads.length;

    await task.commit(fills(2, 3, 0), checkpoint(0, 4));

    expect(observed.reads.length).toBe(reads);
    expect(await store.readLedger(key)).toEqual(fills(0, 5, 0));
  });

  it('a split commit that would leave a gap is refused before any transaction: nothing written', async () => {
    const { key } = await seed();
    await store.forTask(key, 0).commit(fills(0, 5, 0), checkpoint(0, 4));
    const observed = observedStore(clock);
    destroy = observed.destroy;

    const refused = observed.store.forTask(key, 0).commit(fills(6, 250, 0), checkpoint(0, 255));
    await expect(refused).rejects.toBeInstanceOf(LedgerGapError);
    await expect(refused).rejects.toMatchObject({ seq: 6, expectedSeq: 5, retryable: false });

    expect(observed.sent).toHaveLength(0);
    expect(await store.readLedger(key)).toEqual(fills(0, 5, 0));
    expect(await store.readCheckpoint(key)).toEqual(checkpoint(0, 4));
  });

  it("a superseded generation's split commit is fenced at its first part and writes nothing at all", async () => {
    const { key } = await seed();
    await supersede(key, 1);
    const observed = observedStore(clock);
    destroy = observed.destroy;

    const commit = observed.store.forTask(key, 0).commit(fills(0, 250, 0), checkpoint(0, 249));

    await expect(commit).rejects.toBeInstanceOf(FencedOutError);
    await expect(commit).rejects.toMatchObject({ generation: 0, currentGeneration: 1 });
    expect(observed.sent).toHaveLength(1);
    expect(await store.readLedger(key)).toEqual([]);
    expect(await store.readCheckpoint(key)).toBeUndefined();
  });

  it('a generation superseded between two parts writes no later part and no checkpoint: what landed is an orphan', async () => {
    const { key } = await seed();
    const observed = observedStore(clock, async (_, index) => {
      if (index === 0) await supersede(key, 1);
    });
    destroy = observed.destroy;

    await expect(observed.store.forTask(key, 0).commit(fills(0, 250, 0), checkpoint(0, 249))).rejects.toBeInstanceOf(FencedOutError);

    const landed = observed.sent[0]!.seqs;
    expect(landed).toHaveLength(98);
    expect(observed.sent).toHaveLength(2);
    expect(await store.readCheckpoint(key)).toBeUndefined();
    // What landed is an unfinished commit's: not committed, so the next generation trades it again, under the same seqs.
    const next = store.forTask(key, 1);
    expect(await next.restore()).toEqual({ checkpoint: null, ledgerTail: [] });
    expect(await store.readLedger(key)).toEqual([]);
    const again = fills(0, 3, 1);
    await next.commit(again, checkpoint(1, 2));
    expect(await store.readLedger(key)).toEqual(again);
  });

  it('a writer whose shard another writer of its generation claimed between two parts writes no later part: what landed is an orphan the new holder writes over', async () => {
    const { key } = await seed();
    const observed = observedStore(clock, async (_, index) => {
      if (index === 0) await store.forTask(key, 0, 'writer-b').restore();
    });
    destroy = observed.destroy;
    const first = observed.store.forTask(key, 0, 'writer-a');
    await first.restore();

    const refused = first.commit(fills(0, 250, 0), checkpoint(0, 249));
    await expect(refused).rejects.toMatchObject({ name: 'FencedOutError', writers: { self: 'writer-a', holder: 'writer-b' } });

    // Part 1 landed before the claim, part 2 was refused by its ConditionCheck on the writer; no part 3, no checkpoint.
    expect(observed.sent.map((part) => part.seqs.length)).toEqual([98, 98]);
    expect(await store.readCheckpoint(key)).toBeUndefined();
    expect(await store.readLedger(key)).toEqual([]);
    const second = store.forTask(key, 0, 'writer-b');
    expect(await second.restore()).toEqual({ checkpoint: null, ledgerTail: [] });
    const remade = fills(0, 3, 0).map((f) => ({ ...f, price: f.price + 0.5 }));
    await second.commit(remade, checkpoint(0, 2));
    expect(await store.readLedger(key)).toEqual(remade);
  });

  it('a split commit that puts a different fill under a committed seq is refused before any part is written', async () => {
    const { key } = await seed();
    const task = store.forTask(key, 0);
    await task.commit(fills(0, 10, 0), checkpoint(0, 9));
    const observed = observedStore(clock);
    destroy = observed.destroy;
    const changed = [...fills(5, 250, 0)];
    changed[0] = { ...changed[0]!, side: 'BUY' }; // seq 5: venue B's entry, a SELL

    const refused = observed.store.forTask(key, 0).commit(changed, checkpoint(0, 254));
    await expect(refused).rejects.toBeInstanceOf(LedgerConflictError);
    await expect(refused).rejects.toThrow(/different fill under seq 5 \(side: "SELL" → "BUY"\); nothing of this commit was written/);

    expect(observed.sent).toHaveLength(0);
    expect(await store.readLedger(key)).toEqual(fills(0, 10, 0));
    expect(await store.readCheckpoint(key)).toEqual(checkpoint(0, 9));
  });

  it('a split commit that repeats committed fills identically writes only the rest', async () => {
    const { key } = await seed();
    await store.forTask(key, 0).commit(fills(0, 10, 0), checkpoint(0, 9));
    const observed = observedStore(clock);
    destroy = observed.destroy;

    await observed.store.forTask(key, 0).commit(fills(5, 250, 0), checkpoint(0, 254));

    expect(observed.sent.flatMap((t) => t.seqs).sort((a, b) => a - b)).toEqual(fills(10, 245, 0).map((f) => f.seq));
    expect(await store.readLedger(key)).toEqual(fills(0, 255, 0));
    expect(await store.readCheckpoint(key)).toEqual(checkpoint(0, 254));
  });
});

describe('sparse indexes', () => {
  it('terminal shards lose activeBucket and shardKey and vanish from the active-shards index', async () => {
    const { campaignId } = await seed(3);
    const before = (await store.listActiveShards()).filter((s) => s.campaignId === campaignId);
    expect(before.map((s) => s.shardId)).toEqual(['shard-0', 'shard-1', 'shard-2']);

    await store.updateShard({ campaignId, shardId: 'shard-1' }, 0, { status: 'COMPLETED' });
    await store.updateShard({ campaignId, shardId: 'shard-2' }, 0, { status: 'FAILED' });
    await store.updateShard({ campaignId, shardId: 'shard-0' }, 0, { status: 'STALLED' });

    const raw = async (shardId: string) =>
      (await clients.documents.send(new GetCommand({ TableName: tables.shards, Key: { campaignId, shardId }, ConsistentRead: true }))).Item!;
    expect(await raw('shard-0')).toMatchObject({ activeBucket: LIVE_BUCKET, shardKey: `${campaignId}#shard-0`, status: 'STALLED' });
    expect(await raw('shard-1')).not.toHaveProperty('activeBucket');
    expect(await raw('shard-1')).not.toHaveProperty('shardKey');
    const { Items } = await clients.documents.send(
      new QueryCommand({
        TableName: tables.shards,
        IndexName: ACTIVE_SHARDS_INDEX,
        KeyConditionExpression: 'activeBucket = :live AND begins_with(shardKey, :campaign)',
        ExpressionAttributeValues: { ':live': LIVE_BUCKET, ':campaign': `${campaignId}#` },
      }),
    );
    expect(Items?.map((item) => item.shardId)).toEqual(['shard-0']);
    const active = (await store.listActiveShards()).filter((s) => s.campaignId === campaignId);
    expect(active).toEqual([await store.getShard({ campaignId, shardId: 'shard-0' })]);
  });

  it('terminal campaigns leave the live-campaigns index; listCampaigns still lists them', async () => {
    const { campaignId } = await seed();
    expect((await store.listLiveCampaigns()).map((c) => c.campaignId)).toContain(campaignId);

    await store.updateCampaign(campaignId, 0, { status: 'CANCELLED', endedAt: clock.now(), endReason: 'user' });

    expect((await store.listLiveCampaigns()).map((c) => c.campaignId)).not.toContain(campaignId);
    expect((await store.listCampaigns()).map((c) => c.campaignId)).toContain(campaignId);
    const { Item } = await clients.documents.send(new GetCommand({ TableName: tables.campaigns, Key: { campaignId }, ConsistentRead: true }));
    expect(Item).not.toHaveProperty('liveBucket');
  });
});

describe('heartbeats', () => {
  it('history items carry expiresAt (receipt + TTL, epoch seconds) and the table has TTL on it', async () => {
    const { key } = await seed();
    clock.advance(1_500);
    await store.forTask(key, 0, 'writer-a').heartbeat(progress(10));

    const { Items } = await clients.documents.send(
      new QueryCommand({
        TableName: tables.heartbeats,
        KeyConditionExpression: 'shardKey = :k',
        ExpressionAttributeValues: { ':k': `${key.campaignId}#${key.shardId}` },
      }),
    );
    expect(Items).toHaveLength(1);
    expect(Items![0]!.expiresAt).toBe(Math.floor(clock.now() / 1000) + HEARTBEAT_TTL_SEC);
    expect(Items![0]!.heartbeat).toEqual({ generation: 0, writer: 'writer-a', receivedAt: clock.now(), ticksSince: clock.now(), progress: progress(10) });
    const { TimeToLiveDescription } = await clients.documents.send(new DescribeTimeToLiveCommand({ TableName: tables.heartbeats }));
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('heartbeats received in the same millisecond are all kept, in order', async () => {
    const { key } = await seed();
    const task = store.forTask(key, 0);
    for (let ticks = 1; ticks <= 5; ticks++) await task.heartbeat(progress(ticks));
    expect((await store.readHeartbeats(key)).map((h) => h.progress.ticks)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a new task whose first heartbeat is below the stored peak keeps the peak; a higher one raises it', async () => {
    const { key } = await seed();
    await store.forTask(key, 0).heartbeat(progress(1, 80_000_000));
    await supersede(key, 1);
    const next = store.forTask(key, 1);

    await next.heartbeat(progress(2, 60_000_000));
    expect(await store.getShard(key)).toMatchObject({ peakRssBytes: 80_000_000, heartbeat: { generation: 1, progress: progress(2, 60_000_000) } });
    await next.heartbeat(progress(3, 90_000_000));
    await next.heartbeat(progress(4, 70_000_000));
    expect((await store.getShard(key))?.peakRssBytes).toBe(90_000_000);
    expect((await store.getShard(key))?.version).toBe(1);
  });
});

describe('control-plane updates', () => {
  it('a patch key given as undefined removes the attribute; the record comes back without it', async () => {
    const { key } = await seed();
    const launched = await store.updateShard(key, 0, { status: 'LAUNCHING', taskId: 'task-1', launchedAt: ms(5), launchNotBefore: 4 });
    const cleared = await store.updateShard(key, launched.version, { status: 'RESTARTING', taskId: undefined, launchedAt: undefined });

    expect(cleared).not.toHaveProperty('taskId');
    expect(cleared).not.toHaveProperty('launchedAt');
    expect(cleared.launchNotBefore).toBe(4);
    const { Item } = await clients.documents.send(new GetCommand({ TableName: tables.shards, Key: key, ConsistentRead: true }));
    expect(Item).not.toHaveProperty('taskId');
    expect(await store.getShard(key)).toEqual(cleared);
  });

  it('an invalid patch is a ValidationError naming the field, and changes nothing', async () => {
    const { key } = await seed();
    await expect(store.updateShard(key, 0, { status: undefined })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.updateShard(key, 0, { backoffSec: -1 })).rejects.toThrow(/backoffSec/);
    expect((await store.getShard(key))?.version).toBe(0);
  });

  it('changing a campaign’s idempotency key moves its reservation; a key in use is an AlreadyExistsError', async () => {
    const a = newCampaign(`campaign-${campaigns++}`, 1, { idempotencyKey: `key-a-${prefix}` });
    const b = newCampaign(`campaign-${campaigns++}`, 1, { idempotencyKey: `key-b-${prefix}` });
    await store.createCampaign(a.campaign, a.shards);
    await store.createCampaign(b.campaign, b.shards);

    await expect(store.updateCampaign(a.campaign.campaignId, 0, { idempotencyKey: `key-b-${prefix}` })).rejects.toBeInstanceOf(AlreadyExistsError);
    const moved = await store.updateCampaign(a.campaign.campaignId, 0, { idempotencyKey: `key-c-${prefix}` });
    expect(moved).toMatchObject({ idempotencyKey: `key-c-${prefix}`, version: 1 });
    expect(await store.getCampaign(a.campaign.campaignId)).toEqual(moved);

    const reuseOld = newCampaign(`campaign-${campaigns++}`, 1, { idempotencyKey: `key-a-${prefix}` });
    expect((await store.createCampaign(reuseOld.campaign, reuseOld.shards)).created).toBe(true);
    const reuseNew = newCampaign(`campaign-${campaigns++}`, 1, { idempotencyKey: `key-c-${prefix}` });
    expect(await store.createCampaign(reuseNew.campaign, reuseNew.shards)).toEqual({ campaign: moved, created: false });
  });
});

describe('creating campaigns', () => {
  let racers: AwsClients[] = [];
  afterEach(() => {
    for (const racer of racers) racer.destroy();
    racers = [];
  });

  /**
   * Two stores on clients of their own, as two Lambdas would be. moto runs each request on a
   * thread of its own and its transactions are not isolated: a cancelled transaction restores a
   * copy of the whole table taken when it began, erasing what another transaction committed
   * meanwhile. DynamoDB's transactions are serializable, so on moto the two stores send one
   * request at a time (their calls still interleave request by request, which is the race the
   * store must survive).
   */
  function racingStores(): [DynamoDbCampaignStore, DynamoDbCampaignStore] {
    racers = [new AwsClients(), new AwsClients()];
    if (inject('awsEmulatorIsMoto')) {
      let queue: Promise<unknown> = Promise.resolve();
      for (const racer of racers) {
        racer.documents.middlewareStack.add(
          (next) => (args) => {
            const sent = queue.then(() => next(args));
            queue = sent.catch(() => undefined);
            return sent;
          },
          { step: 'initialize', name: 'oneRequestAtATime' },
        );
      }
    }
    return [
      new DynamoDbCampaignStore({ clients: racers[0]!, tablePrefix: prefix, clock }),
      new DynamoDbCampaignStore({ clients: racers[1]!, tablePrefix: prefix, clock }),
    ];
  }

  it('a campaign with more shards than one transaction holds is created whole, the campaign item in the last transaction', async () => {
    const observed = observedStore(clock);
    try {
      const campaignId = `campaign-${campaigns++}`;
      const { campaign } = newCampaign(campaignId, 1);
      const shards = Array.from({ length: 250 }, (_, i) => shardRecord(campaignId, i, { symbols: [`S${i}`] }));

      expect(await observed.store.createCampaign({ ...campaign, shardCount: 250 }, shards)).toMatchObject({ created: true });

      expect(observed.sent.length).toBeGreaterThanOrEqual(3);
      expect(observed.sent.map((t) => t.tables.includes(`Put:${tables.campaigns}`))).toEqual(observed.sent.map((_, i) => i === observed.sent.length - 1));
      expect(await store.listShards(campaignId)).toEqual(shards);
    } finally {
      observed.destroy();
    }
  });

  it('two creates with the same idempotency key at once: one creates, the other returns that campaign', async () => {
    const [store, other] = racingStores();
    const key = `race-${randomUUID()}`;
    const first = newCampaign(`campaign-${campaigns++}`, 2, { idempotencyKey: key });
    const second = newCampaign(`campaign-${campaigns++}`, 3, { idempotencyKey: key });

    const results = await Promise.all([store.createCampaign(first.campaign, first.shards), other.createCampaign(second.campaign, second.shards)]);

    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    const winner = results.find((r) => r.created)!.campaign;
    expect(results.map((r) => r.campaign)).toEqual([winner, winner]);
    const ids = [first.campaign.campaignId, second.campaign.campaignId];
    const stored = (await store.listCampaigns()).filter((c) => ids.includes(c.campaignId));
    expect(stored).toEqual([winner]);
    const loser = ids.find((id) => id !== winner.campaignId)!;
    expect(await store.listShards(loser)).toEqual([]);
  });

  it('two racing creates of campaigns too big for one transaction leave only the winner’s shards', async () => {
    const [store, other] = racingStores();
    const key = `race-${randomUUID()}`;
    const big = (campaignId: string) => ({
      campaign: { ...newCampaign(campaignId, 1, { idempotencyKey: key }).campaign, shardCount: 150 },
      shards: Array.from({ length: 150 }, (_, i) => shardRecord(campaignId, i, { symbols: [`S${i}`] })),
    });
    const first = big(`campaign-${campaigns++}`);
    const second = big(`campaign-${campaigns++}`);

    const results = await Promise.all([store.createCampaign(first.campaign, first.shards), other.createCampaign(second.campaign, second.shards)]);

    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    const winner = results.find((r) => r.created)!.campaign.campaignId;
    const loser = winner === first.campaign.campaignId ? second.campaign.campaignId : first.campaign.campaignId;
    expect(await store.listShards(winner)).toHaveLength(150);
    expect(await store.listShards(loser)).toEqual([]);
    expect((await store.listActiveShards()).some((s) => s.campaignId === loser)).toBe(false);
  });

  it('creating the tables again is harmless', async () => {
    await expect(createTables(clients, prefix)).resolves.toBeUndefined();
  });
});

describe('events', () => {
  it('more events than one BatchWriteItem holds, at the same millisecond, list in the order they were appended', async () => {
    const { campaignId } = await seed();
    const event = (i: number): LifecycleEvent => ({ at: clock.now(), campaignId, type: 'SHARD_STATUS', detail: { i } });
    const events = Array.from({ length: 60 }, (_, i) => event(i));
    await store.appendEvents(events.slice(0, 40));
    await store.appendEvents(events.slice(40));
    expect(await store.listEvents(campaignId)).toEqual(events);
  });
});
