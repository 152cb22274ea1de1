import { randomBytes } from 'node:crypto';
import { DeleteCommand, NumberValue, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { AlreadyExistsError, FencedOutError, NotFoundError, ShardClosedError, ValidationError } from '../errors.js';
import { isTerminalCampaign } from '../fleet/campaign-lifecycle.js';
import { CampaignRecordSchema, HeartbeatSchema, LifecycleEventSchema, ShardRecordSchema, ShardWriterSchema } from '../model/records.js';
import type { CampaignRecord, Heartbeat, LifecycleEvent, ShardRecord } from '../model/records.js';
import { isTerminalShard } from '../fleet/shard-lifecycle.js';
import { TicksSince } from '../fleet/ticks-since.js';
import { CheckpointSchema, type Checkpoint } from '../model/checkpoint.js';
import { FillSchema, type Fill } from '../model/fill.js';
import { refuseRepeatedSeqs, type StoredFill } from '../model/ledger-reconcile.js';
import type { Progress } from '../model/progress.js';
import { checkVersion, refuseForeignShards, refuseRepeatedShardIds, validateFill, validateRecord } from '../model/record-codec.js';
import { newWriterId, shardHolderBesides } from '../model/shard-writer.js';
import type { CampaignPatch, CampaignStore, RestorePoint, ShardKey, ShardPatch, ShardPersistence } from '../ports.js';
import type { DynamoDbClients } from './dynamodb-client.js';
import {
  cancellationCodes,
  commitShardFills,
  committedSeqOf,
  LEDGER_SEQ,
  MAX_TRANSACTION_ITEMS,
  shardFenceCondition,
  WRITER_GENERATION,
  WRITER_ID,
  type HeadCache,
  type TransactItem,
} from './dynamodb-commit.js';
import { isConditionalCheckFailed, patchChanges, putNew, setOrRemove, versionedUpdate, type Changes, type Item } from './dynamodb-expressions.js';
import { DynamoDbTableAccess, without } from './dynamodb-table-access.js';
import { ACTIVE_SHARDS_INDEX, LIVE_BUCKET, LIVE_CAMPAIGNS_INDEX, shardKeyOf } from './table-design.js';

/** DynamoDB's limit of requests per BatchWriteItem (items per transaction: `MAX_TRANSACTION_ITEMS`). */
const MAX_BATCH_WRITE_ITEMS = 25;

/** Campaign ids of the items that reserve an idempotency key (`idem#<key>`) in `campaigns`. */
const IDEMPOTENCY_PREFIX = 'idem#';

/** Heartbeat history lives a week unless told otherwise (TTL on `expiresAt`). */
const DEFAULT_HEARTBEAT_TTL_SEC = 7 * 24 * 3600;

/** Attempts of a heartbeat whose guess about the stored peak RSS was wrong (see `heartbeat`). */
const HEARTBEAT_ATTEMPTS = 4;

/** Attributes that exist for keys and indexes only: never part of a record. */
const CAMPAIGN_STORE_ATTRIBUTES = ['liveBucket'] as const;
const SHARD_STORE_ATTRIBUTES = ['activeBucket', 'shardKey'] as const;
/** Fields a control-plane update never changes (the SQLite store ignores them alike). */
const CAMPAIGN_FIXED_FIELDS: readonly string[] = ['campaignId', 'config', 'symbols', 'shardCount', 'createdAt', 'version'];
const SHARD_FIXED_FIELDS: readonly string[] = ['campaignId', 'shardId', 'index', 'symbols', 'heartbeat', 'writer', 'version'];

/** What the store needs: the shared clients, the tables' prefix, and the clock that stamps writes. */
export interface DynamoDbCampaignStoreOptions {
  clients: DynamoDbClients;
  /** Physical table names are `<tablePrefix><logicalName>` (see `table-design.ts`). */
  tablePrefix: string;
  /** Stamps heartbeats (`receivedAt`), control-plane updates (`updatedAt`) and history expiry. */
  clock: Clock;
  /** How long heartbeat history items live before TTL removes them; 7 days by default. */
  heartbeatTtlSec?: number;
}

/**
 * The campaign store on DynamoDB (tables of `table-design.ts`), with the guarantees of the SQLite
 * store and the same contract suite:
 * - a campaign is created with its shards and at most once per idempotency key (an `idem#<key>`
 *   item written with `attribute_not_exists` in the campaign's transaction);
 * - control-plane updates are UpdateItem conditional on `version` (compare-and-set);
 * - task writes (heartbeats, fills, checkpoints) are transactions conditional on the shard's
 *   `generation` and on the writer that claimed it (`writer`, set by the claim in `restore`:
 *   fencing, `ShardPersistence` in `core/ports.ts`), and never touch `version`;
 * - records are stored as native attributes, plus key and index attributes that reads strip:
 *   `liveBucket` on live campaigns, `activeBucket` + `shardKey` on active shards (sparse indexes);
 *   every record read back is checked against its zod schema.
 *
 * Reads of single items and base-table queries are strongly consistent; the two index queries
 * (`listActiveShards`, `listLiveCampaigns`) are eventually consistent, as every GSI is.
 */
export class DynamoDbCampaignStore implements CampaignStore {
  private readonly access: DynamoDbTableAccess;
  private readonly db: DynamoDbTableAccess['db'];
  private readonly tables: DynamoDbTableAccess['tables'];
  private readonly clock: Clock;
  private readonly heartbeatTtlSec: number;
  /** Distinguishes this store's sort keys from another process's written in the same millisecond. */
  private readonly writerId = randomBytes(4).toString('hex');
  private writeCounter = 0;

  constructor(options: DynamoDbCampaignStoreOptions) {
    this.access = new DynamoDbTableAccess(options.clients, options.tablePrefix);
    this.db = this.access.db;
    this.tables = this.access.tables;
    this.clock = options.clock;
    this.heartbeatTtlSec = options.heartbeatTtlSec ?? DEFAULT_HEARTBEAT_TTL_SEC;
  }

  /**
   * Write order: shards first, the campaign last. Up to 98 shards go in one transaction with the
   * `idem#<key>` item and the campaign item. With more, the first shards are written in earlier
   * transactions of up to 100 and the last transaction holds the remaining shards, the key and
   * the campaign: a campaign is never visible without all its shards. Before writing those early
   * shards the key and the id are checked, and when the last transaction fails anyway (a racing
   * create) the early shards are deleted again.
   */
  async createCampaign(campaign: CampaignRecord, shards: ShardRecord[]): Promise<{ campaign: CampaignRecord; created: boolean }> {
    const record = validateRecord(CampaignRecordSchema, campaign, `campaign ${campaign.campaignId}`);
    const shardRecords = shards.map((shard) => validateRecord(ShardRecordSchema, shard, `shard ${shard.campaignId}/${shard.shardId}`));
    checkNewCampaign(record, shardRecords);

    const shardPuts = shardRecords.map((shard) => putNew(this.tables.shards, shardItem(shard), 'shardId'));
    const finalItems: TransactItem[] = [];
    if (record.idempotencyKey !== undefined) {
      const keyItem = { campaignId: IDEMPOTENCY_PREFIX + record.idempotencyKey, ownerCampaignId: record.campaignId };
      finalItems.push(putNew(this.tables.campaigns, keyItem, 'campaignId'));
    }
    finalItems.push(putNew(this.tables.campaigns, campaignItem(record), 'campaignId'));
    const lastCount = Math.min(shardPuts.length, MAX_TRANSACTION_ITEMS - finalItems.length);
    const earlyPuts = shardPuts.slice(0, shardPuts.length - lastCount);

    if (earlyPuts.length > 0) {
      const existing = await this.existingCampaignFor(record);
      if (existing) return { campaign: existing, created: false };
    }
    const written: ShardRecord[] = [];
    try {
      for (const chunk of chunks(earlyPuts, MAX_TRANSACTION_ITEMS)) {
        await this.access.transact(chunk);
        written.push(...shardRecords.slice(written.length, written.length + chunk.length));
      }
      await this.access.transact([...shardPuts.slice(earlyPuts.length), ...finalItems]);
      return { campaign: record, created: true };
    } catch (error) {
      if (written.length > 0) await this.deleteShards(written);
      if (!cancellationCodes(error)?.includes('ConditionalCheckFailed')) throw error;
      const existing = await this.existingCampaignFor(record);
      if (existing) return { campaign: existing, created: false };
      throw new AlreadyExistsError(`campaign ${record.campaignId}: one of its shards already exists in table ${this.tables.shards}; nothing was created`);
    }
  }

  async getCampaign(campaignId: string): Promise<CampaignRecord | undefined> {
    if (campaignId.startsWith(IDEMPOTENCY_PREFIX)) return undefined;
    const item = await this.access.get(this.tables.campaigns, { campaignId });
    return item ? this.toCampaign(item) : undefined;
  }

  /** Every campaign. A Scan of `campaigns` (skipping `idem#` items): fine for the few campaigns a fleet keeps. */
  async listCampaigns(): Promise<CampaignRecord[]> {
    const items = await this.access.scanAll({
      TableName: this.tables.campaigns,
      FilterExpression: 'NOT begins_with(campaignId, :idem)',
      ExpressionAttributeValues: { ':idem': IDEMPOTENCY_PREFIX },
      ConsistentRead: true,
    });
    return items.map((item) => this.toCampaign(item)).sort(byCreation);
  }

  /** Campaigns not in a terminal status, through the sparse `live-campaigns` index (never a scan). */
  async listLiveCampaigns(): Promise<CampaignRecord[]> {
    const items = await this.access.queryBucket(this.tables.campaigns, LIVE_CAMPAIGNS_INDEX, 'liveBucket');
    return items.map((item) => this.toCampaign(item)).sort(byCreation);
  }

  async updateCampaign(campaignId: string, expectedVersion: number, patch: CampaignPatch): Promise<CampaignRecord> {
    const name = `campaign ${campaignId}`;
    const changes = patchChanges(CampaignRecordSchema, patch, CAMPAIGN_FIXED_FIELDS, `${name} update`);
    if (campaignId.startsWith(IDEMPOTENCY_PREFIX)) throw new NotFoundError(`${name} does not exist in table ${this.tables.campaigns}`);
    this.stampUpdate(changes);
    const status = changes.set.status as CampaignRecord['status'] | undefined;
    if (status !== undefined) setOrRemove(changes, { liveBucket: isTerminalCampaign(status) ? undefined : LIVE_BUCKET });
    if ('idempotencyKey' in changes.set || changes.remove.includes('idempotencyKey')) {
      return this.updateCampaignAndKey(campaignId, expectedVersion, changes);
    }
    return this.toCampaign(await this.access.updateVersioned(this.tables.campaigns, { campaignId }, changes, expectedVersion, name));
  }

  async getShard(key: ShardKey): Promise<ShardRecord | undefined> {
    const item = await this.access.get(this.tables.shards, primaryKey(key));
    return item ? this.toShard(item) : undefined;
  }

  async listShards(campaignId: string): Promise<ShardRecord[]> {
    const items = await this.access.queryPartition(this.tables.shards, 'campaignId', campaignId);
    return items.map((item) => this.toShard(item)).sort((a, b) => a.index - b.index || compare(a.shardId, b.shardId));
  }

  /** Through the sparse `active-shards` index: terminal shards carry no `activeBucket` and are not in it. */
  async listActiveShards(): Promise<ShardRecord[]> {
    const items = await this.access.queryBucket(this.tables.shards, ACTIVE_SHARDS_INDEX, 'activeBucket');
    return items.map((item) => this.toShard(item)).sort((a, b) => compare(a.campaignId, b.campaignId) || a.index - b.index);
  }

  async updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch): Promise<ShardRecord> {
    const name = `shard ${key.campaignId}/${key.shardId}`;
    const changes = patchChanges(ShardRecordSchema, patch, SHARD_FIXED_FIELDS, `${name} update`);
    this.stampUpdate(changes);
    const status = changes.set.status as ShardRecord['status'] | undefined;
    if (status !== undefined) {
      const active = !isTerminalShard(status);
      setOrRemove(changes, { activeBucket: active ? LIVE_BUCKET : undefined, shardKey: active ? shardKeyOf(key) : undefined });
    }
    return this.toShard(await this.access.updateVersioned(this.tables.shards, primaryKey(key), changes, expectedVersion, name));
  }

  forTask(shard: ShardKey, generation: number, writer: string = newWriterId()): ShardPersistence {
    const store = this;
    const key = { campaignId: shard.campaignId, shardId: shard.shardId };
    /** The peak RSS this task last saw stored: picks which heartbeat update to try first. */
    const peak: { bytes?: number } = {};
    const ticksSince = new TicksSince();
    /** The head this task's last commit wrote: its next commit needs no read when it continues it. */
    const head: HeadCache = {};
    return {
      key,
      generation,
      writer,
      async restore(): Promise<RestorePoint> {
        await store.claim(key, generation, writer);
        head.head = undefined;
        // Read after the claim. One item holds the checkpoint and the head: the tail is the committed fills between them.
        const item = await store.access.get(store.tables.checkpoints, { shardKey: shardKeyOf(key) });
        const checkpoint = store.checkpointOf(key, item) ?? null;
        return { checkpoint, ledgerTail: await store.committedFills(key, checkpoint?.lastFillSeq ?? -1, committedSeqOf(item)) };
      },
      async heartbeat(progress: Progress): Promise<void> {
        await store.heartbeat(key, generation, writer, progress, peak, ticksSince);
      },
      async commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
        await store.commit(key, generation, writer, fills, checkpoint, head);
      },
    };
  }

  /** The shard's committed fills: orphans above the head (an unfinished split commit's, `dynamodb-commit.ts`) are left out. */
  async readLedger(key: ShardKey): Promise<Fill[]> {
    const item = await this.access.get(this.tables.checkpoints, { shardKey: shardKeyOf(key) }, [LEDGER_SEQ, 'lastFillSeq']);
    return this.committedFills(key, -1, committedSeqOf(item));
  }

  async readHeartbeats(key: ShardKey): Promise<Heartbeat[]> {
    const items = await this.access.queryPartition(this.tables.heartbeats, 'shardKey', shardKeyOf(key));
    return items.map((item) =>
      this.access.parseStored(HeartbeatSchema, item.heartbeat, `heartbeat of shard ${key.campaignId}/${key.shardId}`, this.tables.heartbeats),
    );
  }

  async readCheckpoint(key: ShardKey): Promise<Checkpoint | undefined> {
    return this.checkpointOf(key, await this.access.get(this.tables.checkpoints, { shardKey: shardKeyOf(key) }));
  }

  /** The checkpoint a checkpoints item holds; undefined for none, or for an item that holds only a head (commits without a checkpoint). */
  private checkpointOf(key: ShardKey, item: Item | undefined): Checkpoint | undefined {
    if (!item || !('version' in item)) return undefined;
    return this.access.parseStored(
      CheckpointSchema,
      without(item, ['shardKey', LEDGER_SEQ]),
      `checkpoint of shard ${key.campaignId}/${key.shardId}`,
      this.tables.checkpoints,
    );
  }

  /**
   * Appends events with BatchWriteItem (25 a request). Each gets `eventKey` =
   * `<at, 15 digits>#<this store's counter, 9 digits>#<store id>`: a campaign's events list by
   * `at`, and events of one store with the same `at` in the order they were appended.
   */
  async appendEvents(events: LifecycleEvent[]): Promise<void> {
    const valid = events.map((event) => validateRecord(LifecycleEventSchema, event, `event ${event.type} of campaign ${event.campaignId}`));
    const items = valid.map((event) => ({ ...event, eventKey: `${sortableMillis(event.at)}#${this.nextWriteId()}` }));
    for (const chunk of chunks(items, MAX_BATCH_WRITE_ITEMS)) {
      await this.access.batchPut(this.tables.events, chunk);
    }
  }

  async listEvents(campaignId: string): Promise<LifecycleEvent[]> {
    const items = await this.access.queryPartition(this.tables.events, 'campaignId', campaignId);
    return items.map((item) =>
      this.access.parseStored(LifecycleEventSchema, without(item, ['eventKey']), `event of campaign ${campaignId}`, this.tables.events),
    );
  }

  /**
   * Fenced heartbeat: one transaction of the shard update (conditional on `generation`) and the
   * history item. DynamoDB has no `max()`, so the peak RSS is kept by one of two conditional
   * updates: "raise" (`SET peakRssBytes = :rss` if the stored peak is lower) or "keep" (leave it
   * if it is not). The port remembers the last stored peak to guess which; a wrong guess fails
   * the condition, the shard is read, and the right one is tried. The peak never decreases.
   */
  private async heartbeat(key: ShardKey, generation: number, writer: string, progress: Progress, peak: { bytes?: number }, ticks: TicksSince): Promise<void> {
    const name = `shard ${key.campaignId}/${key.shardId}`;
    const receivedAt = this.clock.now();
    const ticksSince = ticks.next(progress, receivedAt);
    const heartbeat = validateRecord(HeartbeatSchema, { generation, writer, receivedAt, ticksSince, progress }, `heartbeat of ${name}`);
    const rss = heartbeat.progress.rssBytes;
    const history: TransactItem = {
      Put: {
        TableName: this.tables.heartbeats,
        Item: {
          shardKey: shardKeyOf(key),
          receivedAt: this.historySortKey(receivedAt),
          expiresAt: Math.floor(receivedAt / 1000) + this.heartbeatTtlSec,
          heartbeat,
        },
      },
    };
    for (let attempt = 1; attempt <= HEARTBEAT_ATTEMPTS; attempt++) {
      const raise = peak.bytes === undefined || rss > peak.bytes;
      try {
        await this.access.transact([this.heartbeatUpdate(key, generation, writer, heartbeat, raise), history]);
        if (raise) peak.bytes = rss;
        return;
      } catch (error) {
        if (!cancellationCodes(error)?.[0]?.startsWith('ConditionalCheckFailed')) throw error;
      }
      const shard = await this.access.get(this.tables.shards, primaryKey(key), ['generation', 'writer', 'peakRssBytes']);
      if (!shard) throw new NotFoundError(`${name} does not exist in table ${this.tables.shards}`);
      const fenced = fencedBy(key, generation, writer, shard);
      if (fenced) throw fenced;
      peak.bytes = shard.peakRssBytes as number;
    }
    throw new Error(`${name}: the heartbeat of generation ${generation} kept losing races on peakRssBytes (${HEARTBEAT_ATTEMPTS} attempts)`);
  }

  private heartbeatUpdate(key: ShardKey, generation: number, writer: string, heartbeat: Heartbeat, raisePeak: boolean): TransactItem {
    const fence = shardFenceCondition(generation, writer);
    return {
      Update: {
        TableName: this.tables.shards,
        Key: primaryKey(key),
        UpdateExpression: raisePeak ? 'SET #heartbeat = :heartbeat, #peak = :rss' : 'SET #heartbeat = :heartbeat',
        ConditionExpression: `${fence.ConditionExpression} AND #peak ${raisePeak ? '<' : '>='} :rss`,
        ExpressionAttributeNames: { ...fence.ExpressionAttributeNames, '#heartbeat': 'heartbeat', '#peak': 'peakRssBytes' },
        ExpressionAttributeValues: { ...fence.ExpressionAttributeValues, ':heartbeat': heartbeat, ':rss': heartbeat.progress.rssBytes },
      },
    };
  }

  /**
   * The claim (`ShardPersistence.restore`): the shard's `writer` becomes this one, for its
   * generation, by an UpdateItem conditional on the generation and on the shard not being closed
   * (`activeBucket`, on every shard not COMPLETED or FAILED): the latest claimant of a generation
   * holds the shard, and every other writer's next heartbeat or commit is fenced.
   */
  private async claim(key: ShardKey, generation: number, writer: string): Promise<void> {
    const claim = validateRecord(ShardWriterSchema, { id: writer, generation, claimedAt: this.clock.now() }, `claim of shard ${key.campaignId}/${key.shardId}`);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.shards,
          Key: primaryKey(key),
          UpdateExpression: 'SET #writer = :claim',
          ConditionExpression: '#generation = :generation AND attribute_exists(#active)',
          ExpressionAttributeNames: { '#writer': 'writer', '#generation': 'generation', '#active': 'activeBucket' },
          ExpressionAttributeValues: { ':claim': claim, ':generation': generation },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const shard = await this.access.get(this.tables.shards, primaryKey(key), ['generation', 'status']);
      if (shard?.generation === generation && isTerminalShard(shard.status as ShardRecord['status'])) {
        throw new ShardClosedError(key.shardId, generation, String(shard.status));
      }
      throw await this.fencedError(key, generation, writer);
    }
  }

  /**
   * Fenced commit, exactly once (`dynamodb-commit.ts`). Each transaction holds a ConditionCheck
   * on the shard's generation, so the fence holds for every part. Up to 98 fills go in one
   * transaction with the head (and the checkpoint); more are split into parts of at most 98 fills
   * that never separate the two legs of the same kind of a trade, the head in the last part, so
   * a commit counts only once its last part landed: fills of parts before it are orphans until
   * then, read by no one. Each part carries a client request token; fills an earlier attempt
   * already committed identically are not written again.
   */
  private async commit(
    key: ShardKey,
    generation: number,
    writer: string,
    fills: readonly Fill[],
    checkpoint: Checkpoint | null,
    head: HeadCache,
  ): Promise<void> {
    const name = `shard ${key.campaignId}/${key.shardId}`;
    const validFills = fills.map((fill) => validateFill(fill, name));
    const validCheckpoint = checkpoint ? validateRecord(CheckpointSchema, checkpoint, `${name} checkpoint`) : null;
    refuseRepeatedSeqs(name, validFills);
    await commitShardFills(
      {
        tables: this.tables,
        transact: (items, token) => this.access.transact(items, token),
        storedFills: (shard, low, high) => this.storedFills(shard, low, high),
        readHead: (shard) => this.access.get(this.tables.checkpoints, { shardKey: shardKeyOf(shard) }),
        fencedError: (shard, gen, by) => this.fencedError(shard, gen, by),
      },
      key,
      generation,
      validFills,
      validCheckpoint,
      head,
      writer,
    );
  }

  /** The shard's stored fills with `low ≤ seq ≤ high`, orphans included, with the generation that wrote each (what a commit reconciles with). */
  private async storedFills(key: ShardKey, low: number, high: number): Promise<StoredFill[]> {
    const items = await this.ledgerItems(key, low, high);
    // An item written before writers were recorded counts as an older generation's.
    return items.map((item) => ({
      fill: this.toFill(key, item),
      writerGeneration: typeof item[WRITER_GENERATION] === 'number' ? item[WRITER_GENERATION] : -1,
      ...(typeof item[WRITER_ID] === 'string' ? { writer: item[WRITER_ID] } : {}),
    }));
  }

  /** The shard's committed fills with `afterSeq < seq ≤ committedSeq`, in `seq` order. */
  private async committedFills(key: ShardKey, afterSeq: number, committedSeq: number): Promise<Fill[]> {
    if (committedSeq <= afterSeq) return [];
    return (await this.ledgerItems(key, afterSeq + 1, committedSeq)).map((item) => this.toFill(key, item));
  }

  /** The shard's ledger items with `low ≤ seq ≤ high` (orphans included), in `seq` order, strongly consistent. */
  private ledgerItems(key: ShardKey, low: number, high: number): Promise<Item[]> {
    return this.access.queryAll({
      TableName: this.tables.ledger,
      KeyConditionExpression: 'shardKey = :k AND #seq BETWEEN :low AND :high',
      ExpressionAttributeNames: { '#seq': 'seq' },
      ExpressionAttributeValues: { ':k': shardKeyOf(key), ':low': low, ':high': high },
      ConsistentRead: true,
    });
  }

  private toFill(key: ShardKey, item: Item): Fill {
    return this.access.parseStored(
      FillSchema,
      without(item, ['shardKey', WRITER_GENERATION, WRITER_ID]),
      `fill of shard ${key.campaignId}/${key.shardId}`,
      this.tables.ledger,
    );
  }

  /** The campaign a create must return instead of creating: the owner of its idempotency key. */
  private async existingCampaignFor(record: CampaignRecord): Promise<CampaignRecord | undefined> {
    if (record.idempotencyKey !== undefined) {
      const keyItem = await this.access.get(this.tables.campaigns, { campaignId: IDEMPOTENCY_PREFIX + record.idempotencyKey });
      if (keyItem) {
        const owner = await this.getCampaign(keyItem.ownerCampaignId as string);
        if (!owner)
          throw new Error(
            `table ${this.tables.campaigns}: idempotency key ${record.idempotencyKey} names campaign ${String(keyItem.ownerCampaignId)}, which does not exist`,
          );
        return owner;
      }
    }
    if (await this.access.get(this.tables.campaigns, { campaignId: record.campaignId }, ['campaignId'])) {
      throw new AlreadyExistsError(`campaign ${record.campaignId} already exists in table ${this.tables.campaigns}; choose another campaignId`);
    }
    return undefined;
  }

  /**
   * An update that changes a campaign's idempotency key: the campaign update, the new key's
   * `idem#` item (which must not exist) and the old one's removal, in one transaction. The
   * version read first is the one the transaction requires, so the record returned is exact.
   */
  private async updateCampaignAndKey(campaignId: string, expectedVersion: number, changes: Changes): Promise<CampaignRecord> {
    const name = `campaign ${campaignId}`;
    const item = await this.access.get(this.tables.campaigns, { campaignId });
    if (!item) throw new NotFoundError(`${name} does not exist in table ${this.tables.campaigns}`);
    const current = this.toCampaign(item);
    checkVersion(name, current.version, expectedVersion);
    const nextKey = changes.set.idempotencyKey as string | undefined;
    const items: TransactItem[] = [{ Update: { TableName: this.tables.campaigns, Key: { campaignId }, ...versionedUpdate(changes, expectedVersion) } }];
    if (nextKey !== current.idempotencyKey) {
      if (nextKey !== undefined) {
        items.push(putNew(this.tables.campaigns, { campaignId: IDEMPOTENCY_PREFIX + nextKey, ownerCampaignId: campaignId }, 'campaignId'));
      }
      if (current.idempotencyKey !== undefined) {
        items.push({ Delete: { TableName: this.tables.campaigns, Key: { campaignId: IDEMPOTENCY_PREFIX + current.idempotencyKey } } });
      }
    }
    try {
      await this.access.transact(items);
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0]?.startsWith('ConditionalCheckFailed')) throw await this.access.versionError(this.tables.campaigns, { campaignId }, name, expectedVersion);
      if (codes?.[1]?.startsWith('ConditionalCheckFailed')) {
        throw new AlreadyExistsError(`${name}: idempotency key ${nextKey} is already used by another campaign`);
      }
      throw error;
    }
    const next: Item = { ...without(item, CAMPAIGN_STORE_ATTRIBUTES), ...changes.set, version: expectedVersion + 1 };
    for (const field of changes.remove) delete next[field];
    return this.toCampaign(next);
  }

  /** Why a fenced write failed its condition: the shard is gone, its generation moved on, or another writer holds it. */
  private async fencedError(key: ShardKey, generation: number, writer?: string): Promise<Error> {
    const shard = await this.access.get(this.tables.shards, primaryKey(key), ['generation', 'writer']);
    if (!shard) return new NotFoundError(`shard ${shardKeyOf(key)} does not exist in table ${this.tables.shards}`);
    return (
      (writer === undefined ? undefined : fencedBy(key, generation, writer, shard)) ?? new FencedOutError(key.shardId, generation, shard.generation as number)
    );
  }

  /** `updatedAt` is the clock's now unless the patch sets it. */
  private stampUpdate(changes: Changes): void {
    if (!('updatedAt' in changes.set) && !changes.remove.includes('updatedAt')) changes.set.updatedAt = this.clock.now();
  }

  /** A history sort key unique per heartbeat: the millisecond, then this store's write counter and id as decimals. */
  private historySortKey(receivedAt: number): NumberValue {
    const counter = String(++this.writeCounter % 1e9).padStart(9, '0');
    const writer = String(parseInt(this.writerId, 16) % 1e9).padStart(9, '0');
    return NumberValue.from(`${Math.floor(receivedAt)}.${counter}${writer}`);
  }

  private nextWriteId(): string {
    return `${String(++this.writeCounter % 1e9).padStart(9, '0')}#${this.writerId}`;
  }

  /** Removes the shards of a create whose final transaction failed (they have no campaign). */
  private async deleteShards(shards: ShardRecord[]): Promise<void> {
    await Promise.all(shards.map((shard) => this.db.send(new DeleteCommand({ TableName: this.tables.shards, Key: primaryKey(shard) }))));
  }

  private toCampaign(item: Item): CampaignRecord {
    return this.access.parseStored(CampaignRecordSchema, without(item, CAMPAIGN_STORE_ATTRIBUTES), 'campaign record', this.tables.campaigns);
  }

  private toShard(item: Item): ShardRecord {
    return this.access.parseStored(ShardRecordSchema, without(item, SHARD_STORE_ATTRIBUTES), 'shard record', this.tables.shards);
  }
}

/** A new campaign's id and shards: not an idempotency key's id, its own shards, each listed once. */
function checkNewCampaign(record: CampaignRecord, shards: ShardRecord[]): void {
  if (record.campaignId.startsWith(IDEMPOTENCY_PREFIX)) {
    throw new ValidationError([{ path: 'campaignId', message: `must not start with "${IDEMPOTENCY_PREFIX}" (reserved for idempotency keys)` }]);
  }
  refuseForeignShards(record, shards);
  refuseRepeatedShardIds(record, shards);
}

/** The stored item of a campaign: the record, plus `liveBucket` while it is not terminal (exported for seeding benchmarks). */
export function campaignItem(record: CampaignRecord): Item {
  return isTerminalCampaign(record.status) ? { ...record } : { ...record, liveBucket: LIVE_BUCKET };
}

/** The stored item of a shard: the record, plus `activeBucket` and `shardKey` while it is not terminal (exported for seeding benchmarks). */
export function shardItem(record: ShardRecord): Item {
  return isTerminalShard(record.status) ? { ...record } : { ...record, activeBucket: LIVE_BUCKET, shardKey: shardKeyOf(record) };
}

/** The fence a stored shard item (`generation`, `writer`) puts on `writer` of `generation`, or undefined when it may write. */
function fencedBy(key: ShardKey, generation: number, writer: string, shard: Item): FencedOutError | undefined {
  if (shard.generation !== generation) return new FencedOutError(key.shardId, generation, shard.generation as number);
  const claimed = ShardWriterSchema.safeParse(shard.writer);
  const holder = shardHolderBesides(claimed.success ? claimed.data : undefined, generation, writer);
  return holder === undefined ? undefined : new FencedOutError(key.shardId, generation, generation, { self: writer, holder });
}

function primaryKey(key: ShardKey): Item {
  return { campaignId: key.campaignId, shardId: key.shardId };
}

/** Milliseconds as 15 digits, so that strings sort as the numbers do (until the year 33658). */
function sortableMillis(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}

function byCreation(a: CampaignRecord, b: CampaignRecord): number {
  return a.createdAt - b.createdAt || compare(a.campaignId, b.campaignId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** Re-exported: the commit's part planning lives in `dynamodb-commit.ts`. */
export { commitParts } from './dynamodb-commit.js';
