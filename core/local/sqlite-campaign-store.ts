import { asEpochMs } from '../clock.js';
import type { Clock } from '../clock.js';
import { isTerminalCampaign } from '../fleet/campaign-lifecycle.js';
import { TicksSince } from '../fleet/ticks-since.js';
import { AlreadyExistsError, FencedOutError, NotFoundError, ShardClosedError, StoreReplacedError } from '../errors.js';
import { CampaignRecordSchema, HeartbeatSchema, LifecycleEventSchema, ShardRecordSchema, ShardWriterSchema } from '../model/records.js';
import type { CampaignRecord, Heartbeat, LifecycleEvent, ShardRecord, ShardStatus } from '../model/records.js';
import { CheckpointSchema, type Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import { reconcileCommit, refuseGaps, refuseRepeatedSeqs, seqRange, type StoredFill } from '../model/ledger-reconcile.js';
import type { Progress } from '../model/progress.js';
import { checkVersion, refuseForeignShards, refuseRepeatedShardIds, validateFill, validateRecord } from '../model/record-codec.js';
import { newWriterId, shardHolderBesides } from '../model/shard-writer.js';
import type { CampaignPatch, CampaignStore, RestorePoint, ShardKey, ShardPatch, ShardPersistence } from '../ports.js';
import { isConstraintViolation, SqliteDatabase, type RecordRow, type Statement } from './sqlite-database.js';

/** Shard statuses that leave the active-shard index (nothing more happens to such a shard). */
const TERMINAL_SHARD_STATUSES: ReadonlySet<ShardStatus> = new Set(['COMPLETED', 'FAILED']);

/** Every statement the campaign store runs, prepared once per connection (the tables: `sqlite-database.ts`). */
const SQL = {
  insertCampaign: 'INSERT INTO campaigns (campaign_id, idempotency_key, created_at, version, record) VALUES (?, ?, ?, ?, ?)',
  getCampaign: 'SELECT record FROM campaigns WHERE campaign_id = ?',
  campaignByIdempotencyKey: 'SELECT record FROM campaigns WHERE idempotency_key = ?',
  listCampaigns: 'SELECT record FROM campaigns ORDER BY created_at, campaign_id',
  updateCampaign: 'UPDATE campaigns SET idempotency_key = ?, version = ?, record = ? WHERE campaign_id = ? AND version = ?',
  insertShard: 'INSERT INTO shards (campaign_id, shard_id, shard_index, status, active, generation, version, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  getShard: 'SELECT record FROM shards WHERE campaign_id = ? AND shard_id = ?',
  // The fence of a task's writes: the shard's generation and the writer that last claimed it (`ShardRecord.writer`).
  shardFence:
    "SELECT generation, status, json_extract(record, '$.writer.id') AS writer, json_extract(record, '$.writer.generation') AS writerGeneration " +
    'FROM shards WHERE campaign_id = ? AND shard_id = ?',
  // The claim: the latest claimant of the current generation of a shard not closed holds it (`ShardPersistence.restore`).
  claimShard: "UPDATE shards SET record = json_set(record, '$.writer', json(?)) WHERE campaign_id = ? AND shard_id = ? AND generation = ? AND active = 1",
  listShards: 'SELECT record FROM shards WHERE campaign_id = ? ORDER BY shard_index, shard_id',
  listActiveShards: 'SELECT record FROM shards INDEXED BY shards_active WHERE active = 1 ORDER BY campaign_id, shard_index',
  updateShard: 'UPDATE shards SET status = ?, active = ?, generation = ?, version = ?, record = ? WHERE campaign_id = ? AND shard_id = ? AND version = ?',
  heartbeat:
    "UPDATE shards SET record = json_set(record, '$.heartbeat', json(?), '$.peakRssBytes', " +
    "max(json_extract(record, '$.peakRssBytes'), ?)) WHERE campaign_id = ? AND shard_id = ? AND generation = ? " +
    "AND (coalesce(json_extract(record, '$.writer.generation'), -1) <> generation OR json_extract(record, '$.writer.id') = ?)",
  insertHeartbeat: 'INSERT INTO heartbeats (campaign_id, shard_id, generation, received_at, heartbeat) VALUES (?, ?, ?, ?, ?)',
  heartbeatsAfter: 'SELECT id AS key, heartbeat AS text FROM heartbeats WHERE campaign_id = ? AND shard_id = ? AND id > ? ORDER BY id',
  // Over an orphan (a fill above the head that an unfinished commit left) too: the commit decided it may.
  writeFill:
    'INSERT INTO fills (campaign_id, shard_id, seq, generation, fill) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (campaign_id, shard_id, seq) DO UPDATE SET generation = excluded.generation, fill = excluded.fill',
  fillsBetween: 'SELECT fill, generation FROM fills WHERE campaign_id = ? AND shard_id = ? AND seq BETWEEN ? AND ? ORDER BY seq',
  ledgerHead: 'SELECT committed_seq AS seq FROM ledger_heads WHERE campaign_id = ? AND shard_id = ?',
  setLedgerHead:
    'INSERT INTO ledger_heads (campaign_id, shard_id, committed_seq) VALUES (?, ?, ?) ' +
    'ON CONFLICT (campaign_id, shard_id) DO UPDATE SET committed_seq = excluded.committed_seq',
  // Committed fills only: at or below the shard's head (none without one).
  fillsAfter:
    'SELECT seq AS key, fill AS text FROM fills WHERE campaign_id = @campaignId AND shard_id = @shardId AND seq > @after AND seq <= ' +
    'coalesce((SELECT committed_seq FROM ledger_heads WHERE campaign_id = @campaignId AND shard_id = @shardId), -1) ORDER BY seq',
  getCheckpoint: 'SELECT checkpoint FROM checkpoints WHERE campaign_id = ? AND shard_id = ?',
  upsertCheckpoint:
    'INSERT INTO checkpoints (campaign_id, shard_id, generation, last_fill_seq, checkpoint) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (campaign_id, shard_id) DO UPDATE SET generation = excluded.generation, ' +
    'last_fill_seq = excluded.last_fill_seq, checkpoint = excluded.checkpoint',
  insertEvent: 'INSERT INTO events (campaign_id, at, event) VALUES (?, ?, ?)',
  listEvents: 'SELECT event FROM events WHERE campaign_id = ? ORDER BY id',
} as const;

type Statements = Record<keyof typeof SQL, Statement>;

/** A stored row read back (a `raw` statement's row): its key (a fill's `seq`, a heartbeat's `id`) and its stored text. */
type StoredRow = readonly [key: number, text: string];

/**
 * One shard's rows of one table read ahead (`SqliteCampaignStore.readAhead`): each row's key, its
 * stored text and the record parsed from it, in key order.
 */
class RowsAhead<T> {
  private rows: StoredRow[] = [];
  private values: T[] = [];

  /** The key of the last row kept, -1 before any. */
  get last(): number {
    return this.rows.at(-1)?.[0] ?? -1;
  }

  /** Keeps `rows` (the rows after `last`), parsed; stops, keeping what it read, at one `parse` refuses. */
  extend(rows: readonly StoredRow[], parse: (row: StoredRow) => T): void {
    for (const row of rows) {
      let value: T;
      try {
        value = parse(row);
      } catch {
        return;
      }
      this.rows.push(row);
      this.values.push(value);
    }
  }

  /**
   * The records of `rows` (every row now, in key order): a kept record for a row whose key and text
   * are the very ones it was parsed from, else `parse`d (and refused) as ever; the rows are kept as they are now.
   */
  reread(rows: StoredRow[], parse: (row: StoredRow) => T): T[] {
    const values = new Array<T>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as StoredRow;
      const kept = this.rows[i];
      // Strings compare by content: a row whose text changed in any byte is parsed again.
      values[i] = kept !== undefined && kept[0] === row[0] && kept[1] === row[1] ? (this.values[i] as T) : parse(row);
    }
    this.rows = rows;
    this.values = values;
    return values.slice();
  }
}

/** A shard's ledger and heartbeats read ahead. */
interface ShardAhead {
  fills: RowsAhead<Fill>;
  heartbeats: RowsAhead<Heartbeat>;
}

/**
 * The campaign store in an embedded SQLite file (WAL mode), shared by the control plane and the
 * engine processes of a local fleet. It keeps the guarantees the DynamoDB adapter gives:
 * campaigns are created atomically with their shards and at most once per idempotency key,
 * control-plane updates are compare-and-set on `version`, and task writes (heartbeats, fills,
 * checkpoints) are fenced by `generation` and by the writer that claimed it (`ShardRecord.writer`,
 * `ShardPersistence` in `core/ports.ts`) and committed all or nothing.
 *
 * Every write runs in a `BEGIN IMMEDIATE` transaction, so concurrent writers from other
 * processes queue on the file lock (up to a 10 s busy timeout) instead of failing.
 */
export class SqliteCampaignStore implements CampaignStore {
  /** The connection, shared with the schedule store of the same file (`new SqliteScheduleStore(store.database, clock)`). */
  readonly database: SqliteDatabase;
  private readonly sql: Statements;
  /** The shards read ahead (`readAhead`), by `campaignId` and `shardId`; none unless asked for. */
  private readonly ahead = new Map<string, ShardAhead>();

  /**
   * Opens (and creates, with its folder, when missing) the store at `path`, or uses a connection
   * already open.
   * @param clock stamps heartbeats (`receivedAt`) and control-plane updates (`updatedAt`).
   * @param options.mustExist open only an existing file (an engine task: a missing store means its
   *   control plane's is gone or elsewhere, and a fresh empty one would take its writes silently).
   * @param options.walAutocheckpointPages the connection's `wal_autocheckpoint` (`SqliteDatabase`).
   * @throws StoreUnavailableError when the file cannot be opened (or, with `mustExist`, does not exist).
   */
  constructor(
    path: string | SqliteDatabase,
    private readonly clock: Clock,
    options: { mustExist?: boolean; walAutocheckpointPages?: number } = {},
  ) {
    this.database = typeof path === 'string' ? new SqliteDatabase(path, options) : path;
    this.sql = this.database.prepare(SQL);
  }

  /** The file this store is in (`:memory:` for none). */
  get path(): string {
    return this.database.path;
  }

  /** The connection's lock wait (ms): `SqliteDatabase.setLockWait`. */
  setLockWait(ms: number): void {
    this.database.setLockWait(ms);
  }

  /** A PASSIVE WAL checkpoint of the file: `SqliteDatabase.checkpointWal`. */
  checkpointWal(): { busy: number; walFrames: number; checkpointed: number } {
    return this.database.checkpointWal();
  }

  /** Closes the file. The store (every port `forTask` returned, and a schedule store on its connection) is unusable afterwards. */
  close(): void {
    this.database.close();
  }

  /**
   * For a task's writes: the file at `path` is still the one this store opened.
   * @throws StoreReplacedError when it was deleted or replaced (another file, or a new one, at the path).
   */
  private checkSameFile(key: ShardKey, generation: number): void {
    const change = this.database.fileChange();
    if (change !== undefined) throw new StoreReplacedError(key.shardId, generation, this.path, change);
  }

  async createCampaign(campaign: CampaignRecord, shards: ShardRecord[]): Promise<{ campaign: CampaignRecord; created: boolean }> {
    const record = validateRecord(CampaignRecordSchema, campaign, `campaign ${campaign.campaignId}`);
    const shardRecords = shards.map((shard) => validateRecord(ShardRecordSchema, shard, `shard ${shard.campaignId}/${shard.shardId}`));
    refuseForeignShards(record, shardRecords);
    return this.database.write(() => {
      if (record.idempotencyKey !== undefined) {
        const existing = this.sql.campaignByIdempotencyKey.get(record.idempotencyKey) as RecordRow | undefined;
        if (existing) return { campaign: this.parseCampaign(existing.record), created: false };
      }
      if (this.sql.getCampaign.get(record.campaignId)) {
        throw new AlreadyExistsError(`campaign ${record.campaignId} already exists in ${this.path}; choose another campaignId`);
      }
      this.sql.insertCampaign.run(record.campaignId, record.idempotencyKey ?? null, record.createdAt, record.version, JSON.stringify(record));
      refuseRepeatedShardIds(record, shardRecords);
      for (const shard of shardRecords) this.sql.insertShard.run(...shardColumns(shard));
      return { campaign: record, created: true };
    });
  }

  async getCampaign(campaignId: string): Promise<CampaignRecord | undefined> {
    const row = this.sql.getCampaign.get(campaignId) as RecordRow | undefined;
    return row ? this.parseCampaign(row.record) : undefined;
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    return (this.sql.listCampaigns.all() as RecordRow[]).map((row) => this.parseCampaign(row.record));
  }

  async listLiveCampaigns(): Promise<CampaignRecord[]> {
    return (await this.listCampaigns()).filter((c) => !isTerminalCampaign(c.status));
  }

  async updateCampaign(campaignId: string, expectedVersion: number, patch: CampaignPatch): Promise<CampaignRecord> {
    return this.database.write(() => {
      const row = this.sql.getCampaign.get(campaignId) as RecordRow | undefined;
      if (!row) throw new NotFoundError(`campaign ${campaignId} does not exist in ${this.path}`);
      const current = this.parseCampaign(row.record);
      checkVersion(`campaign ${campaignId}`, current.version, expectedVersion);
      const next = validateRecord(
        CampaignRecordSchema,
        {
          ...current,
          updatedAt: this.clock.now(),
          ...patch,
          campaignId: current.campaignId,
          config: current.config,
          symbols: current.symbols,
          shardCount: current.shardCount,
          createdAt: current.createdAt,
          version: current.version + 1,
        },
        `campaign ${campaignId} update`,
      );
      try {
        this.sql.updateCampaign.run(next.idempotencyKey ?? null, next.version, JSON.stringify(next), campaignId, expectedVersion);
      } catch (error) {
        if (isConstraintViolation(error, 'SQLITE_CONSTRAINT_UNIQUE')) {
          throw new AlreadyExistsError(`campaign ${campaignId}: idempotency key ${next.idempotencyKey} is already used by another campaign`);
        }
        throw error;
      }
      return next;
    });
  }

  async getShard(key: ShardKey): Promise<ShardRecord | undefined> {
    const row = this.sql.getShard.get(key.campaignId, key.shardId) as RecordRow | undefined;
    return row ? this.parseShard(row.record) : undefined;
  }

  async listShards(campaignId: string): Promise<ShardRecord[]> {
    return (this.sql.listShards.all(campaignId) as RecordRow[]).map((row) => this.parseShard(row.record));
  }

  async listActiveShards(): Promise<ShardRecord[]> {
    return (this.sql.listActiveShards.all() as RecordRow[]).map((row) => this.parseShard(row.record));
  }

  async updateShard(key: ShardKey, expectedVersion: number, patch: ShardPatch): Promise<ShardRecord> {
    const name = `shard ${key.campaignId}/${key.shardId}`;
    return this.database.write(() => {
      const row = this.sql.getShard.get(key.campaignId, key.shardId) as RecordRow | undefined;
      if (!row) throw new NotFoundError(`${name} does not exist in ${this.path}`);
      const current = this.parseShard(row.record);
      checkVersion(name, current.version, expectedVersion);
      const next = validateRecord(
        ShardRecordSchema,
        {
          ...current,
          updatedAt: this.clock.now(),
          ...patch,
          campaignId: current.campaignId,
          shardId: current.shardId,
          index: current.index,
          symbols: current.symbols,
          heartbeat: current.heartbeat,
          writer: current.writer,
          version: current.version + 1,
        },
        `${name} update`,
      );
      const [campaignId, shardId, , status, active, generation, version, record] = shardColumns(next);
      this.sql.updateShard.run(status, active, generation, version, record, campaignId, shardId, expectedVersion);
      return next;
    });
  }

  forTask(shard: ShardKey, generation: number, writer: string = newWriterId()): ShardPersistence {
    const store = this;
    const key = { campaignId: shard.campaignId, shardId: shard.shardId };
    const ticksSince = new TicksSince();
    return {
      key,
      generation,
      writer,
      async restore(): Promise<RestorePoint> {
        store.checkSameFile(key, generation);
        return store.claimAndRestore(key, generation, writer);
      },
      async heartbeat(progress: Progress): Promise<void> {
        store.checkSameFile(key, generation);
        store.heartbeat(key, generation, writer, progress, ticksSince);
      },
      async commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
        store.checkSameFile(key, generation);
        store.commit(key, generation, writer, fills, checkpoint);
      },
    };
  }

  /**
   * Every committed fill of the shard, in `seq` order. After a `readAhead` of the shard, every
   * committed row is still read, and a fill parsed ahead is taken only for a row whose `seq` and
   * stored text are the very ones it was parsed from: the answer is exactly what the store holds
   * now (a row rewritten or removed since is read as it is now, a corrupted one refused as ever).
   */
  async readLedger(key: ShardKey): Promise<Fill[]> {
    const rows = this.fillRowsAfter(key, -1);
    const parse = (row: StoredRow) => this.fillOf(key, row);
    return this.ahead.get(aheadId(key))?.fills.reread(rows, parse) ?? rows.map(parse);
  }

  /** Every heartbeat of the shard, oldest first; after a `readAhead`, read as `readLedger` reads the ledger. */
  async readHeartbeats(key: ShardKey): Promise<Heartbeat[]> {
    const rows = this.heartbeatRowsAfter(key, -1);
    const parse = (row: StoredRow) => this.parseHeartbeat(key, row[1]);
    return this.ahead.get(aheadId(key))?.heartbeats.reread(rows, parse) ?? rows.map(parse);
  }

  /**
   * Reads the shard's committed ledger and its heartbeats ahead of a `readLedger` and
   * `readHeartbeats` to come, for a caller idle meanwhile (`arbfleet run` while its engines run: its
   * report then parses only the fills and heartbeats written since, not the campaign's whole ledger
   * at the end). Parses the rows written after the last ones read ahead and keeps each record with
   * its row's key and text; the reads take a kept record only for an unchanged row. Stops, keeping
   * what it read, at a row that does not parse: the reads refuse it in the usual words. Held until
   * the store is closed.
   */
  readAhead(key: ShardKey): void {
    const id = aheadId(key);
    const kept = this.ahead.get(id) ?? { fills: new RowsAhead<Fill>(), heartbeats: new RowsAhead<Heartbeat>() };
    this.ahead.set(id, kept);
    kept.fills.extend(this.fillRowsAfter(key, kept.fills.last), (row) => this.fillOf(key, row));
    kept.heartbeats.extend(this.heartbeatRowsAfter(key, kept.heartbeats.last), (row) => this.parseHeartbeat(key, row[1]));
  }

  async readCheckpoint(key: ShardKey): Promise<Checkpoint | undefined> {
    return this.checkpointOf(key) ?? undefined;
  }

  async appendEvents(events: LifecycleEvent[]): Promise<void> {
    const valid = events.map((event) => validateRecord(LifecycleEventSchema, event, `event ${event.type} of campaign ${event.campaignId}`));
    if (valid.length === 0) return;
    this.database.write(() => {
      for (const event of valid) this.sql.insertEvent.run(event.campaignId, event.at, JSON.stringify(event));
    });
  }

  async listEvents(campaignId: string): Promise<LifecycleEvent[]> {
    const rows = this.sql.listEvents.all(campaignId) as { event: string }[];
    return rows.map((row) => this.database.parseStored(LifecycleEventSchema, row.event, `event of campaign ${campaignId}`));
  }

  /**
   * The claim, then the restore point, in one write transaction: the shard's writer becomes
   * `writer` (compare-and-set on the generation, refused on a closed shard; any earlier writer of
   * it is fenced from now on), and the checkpoint and ledger are read after it.
   */
  private claimAndRestore(key: ShardKey, generation: number, writer: string): RestorePoint {
    const claim = JSON.stringify(validateRecord(ShardWriterSchema, { id: writer, generation, claimedAt: this.clock.now() }, `claim of shard ${key.shardId}`));
    return this.database.write(() => {
      const result = this.sql.claimShard.run(claim, key.campaignId, key.shardId, generation);
      if (result.changes === 0) {
        const row = this.fenceOf(key);
        if (row?.generation === generation && TERMINAL_SHARD_STATUSES.has(row.status)) throw new ShardClosedError(key.shardId, generation, row.status);
        this.throwFenced(key, generation, writer);
      }
      return this.restorePoint(key);
    });
  }

  /** Fenced heartbeat: one conditional UPDATE (generation and writer) plus the history row, in one transaction. */
  private heartbeat(key: ShardKey, generation: number, writer: string, progress: Progress, ticks: TicksSince): void {
    const receivedAt = this.clock.now();
    const ticksSince = ticks.next(progress, receivedAt);
    const heartbeat = validateRecord(HeartbeatSchema, { generation, writer, receivedAt, ticksSince, progress }, `heartbeat of shard ${key.shardId}`);
    const json = JSON.stringify(heartbeat);
    this.database.write(() => {
      const result = this.sql.heartbeat.run(json, progress.rssBytes, key.campaignId, key.shardId, generation, writer);
      if (result.changes === 0) this.throwFenced(key, generation, writer);
      this.sql.insertHeartbeat.run(key.campaignId, key.shardId, generation, heartbeat.receivedAt, json);
    });
  }

  /**
   * Fenced commit: generation check, fills, the ledger's head and the checkpoint in one
   * transaction (all or nothing). Exactly once: a fill already committed with the same content (a
   * retried commit that had landed) is skipped; a different one under its `seq` is a
   * `LedgerConflictError`. The rest must continue the ledger from its head, one by one, or the
   * commit is a `LedgerGapError`. The head (`ledger_heads.committed_seq`) is the commit point
   * every read honours, as on DynamoDB (`ledger-reconcile.ts`): one transaction never leaves
   * fills above it, but a file that holds some (written by anything else) reads the same way,
   * and a newer generation writes over them.
   */
  private commit(key: ShardKey, generation: number, writer: string, fills: readonly Fill[], checkpoint: Checkpoint | null): void {
    const name = `shard ${key.campaignId}/${key.shardId}`;
    const validFills = fills.map((fill) => validateFill(fill, name));
    const validCheckpoint = checkpoint ? validateRecord(CheckpointSchema, checkpoint, `${name} checkpoint`) : null;
    refuseRepeatedSeqs(name, validFills);
    this.database.write(() => {
      const fence = this.fenceOf(key);
      if (!fence || fence.generation !== generation || holderBesides(fence, writer) !== undefined) this.throwFenced(key, generation, writer);
      const committedSeq = this.committedSeq(key);
      const { toWrite, covered } = reconcileCommit(key.shardId, validFills, this.storedFillsFor(key, validFills), { committedSeq, generation, writer });
      refuseGaps(key.shardId, committedSeq, covered);
      for (const fill of toWrite) this.sql.writeFill.run(key.campaignId, key.shardId, fill.seq, generation, JSON.stringify(fill));
      if (covered.length > 0) this.sql.setLedgerHead.run(key.campaignId, key.shardId, (covered[covered.length - 1] as Fill).seq);
      if (validCheckpoint) {
        this.sql.upsertCheckpoint.run(key.campaignId, key.shardId, validCheckpoint.generation, validCheckpoint.lastFillSeq, JSON.stringify(validCheckpoint));
      }
    });
  }

  /** The stored fills a commit may repeat, orphans included: those between its lowest and highest `seq`, with the generation that wrote each. */
  private storedFillsFor(key: ShardKey, fills: readonly Fill[]): StoredFill[] {
    const range = seqRange(fills);
    if (range === undefined) return [];
    const rows = this.sql.fillsBetween.all(key.campaignId, key.shardId, range.low, range.high) as { fill: string; generation: number }[];
    return rows.map((row) => ({
      fill: this.database.parseStoredFill(row.fill, `fill of shard ${key.campaignId}/${key.shardId}`),
      writerGeneration: row.generation,
    }));
  }

  /** The shard's head: the highest seq its last finished commit covers, -1 before the first. */
  private committedSeq(key: ShardKey): number {
    const row = this.sql.ledgerHead.get(key.campaignId, key.shardId) as { seq: number } | undefined;
    return row?.seq ?? -1;
  }

  /** The last checkpoint and the committed fills after it, read from one snapshot. */
  private restorePoint(key: ShardKey): RestorePoint {
    return this.database.snapshot(() => {
      const checkpoint = this.checkpointOf(key);
      return { checkpoint, ledgerTail: this.fillsAfter(key, checkpoint?.lastFillSeq ?? -1) };
    });
  }

  private checkpointOf(key: ShardKey): Checkpoint | null {
    const row = this.sql.getCheckpoint.get(key.campaignId, key.shardId) as { checkpoint: string } | undefined;
    if (!row) return null;
    return this.database.parseStored(CheckpointSchema, row.checkpoint, `checkpoint of shard ${key.campaignId}/${key.shardId}`);
  }

  private fillsAfter(key: ShardKey, afterSeq: number): Fill[] {
    return this.fillRowsAfter(key, afterSeq).map((row) => this.fillOf(key, row));
  }

  /**
   * The committed fills rows after `afterSeq`, in `seq` order (none above the shard's head), as
   * arrays (`raw`): better-sqlite3 makes an object per row otherwise, 4-5 times the read's cost.
   */
  private fillRowsAfter(key: ShardKey, afterSeq: number): StoredRow[] {
    return this.sql.fillsAfter.raw(true).all({ campaignId: key.campaignId, shardId: key.shardId, after: afterSeq }) as StoredRow[];
  }

  /** The heartbeats rows after `afterId`, oldest first. */
  private heartbeatRowsAfter(key: ShardKey, afterId: number): StoredRow[] {
    return this.sql.heartbeatsAfter.raw(true).all(key.campaignId, key.shardId, afterId) as StoredRow[];
  }

  private parseHeartbeat(key: ShardKey, text: string): Heartbeat {
    return this.database.parseStored(HeartbeatSchema, text, `heartbeat of shard ${key.campaignId}/${key.shardId}`);
  }

  /**
   * A fills row read back: its stored fill, whose `seq` must be the row's (a row whose fill names
   * another seq was edited by hand: it is refused, not read as the fill it says it is; a tester's
   * row 3 saying seq 999 passed "Ledger exact").
   */
  private fillOf(key: ShardKey, row: StoredRow): Fill {
    const fill = this.database.parseStoredFill(row[1], `fill of shard ${key.campaignId}/${key.shardId}`);
    if (fill.seq !== row[0]) {
      throw new Error(
        `campaign store ${this.database.path}: a stored fill of shard ${key.campaignId}/${key.shardId} does not match its row (seq: the row's ${row[0]}, the fill's ${fill.seq})`,
      );
    }
    return fill;
  }

  private fenceOf(key: ShardKey): FenceRow | undefined {
    return this.sql.shardFence.get(key.campaignId, key.shardId) as FenceRow | undefined;
  }

  /** Throws the error that explains why a fenced write changed nothing: the shard is gone, its generation moved on, or another writer holds it. */
  private throwFenced(key: ShardKey, generation: number, writer: string): never {
    const row = this.fenceOf(key);
    if (!row) throw new NotFoundError(`shard ${key.campaignId}/${key.shardId} does not exist in ${this.path}`);
    const holder = row.generation === generation ? holderBesides(row, writer) : undefined;
    throw new FencedOutError(key.shardId, generation, row.generation, holder === undefined ? undefined : { self: writer, holder });
  }

  private parseCampaign(json: string): CampaignRecord {
    return this.database.parseStored(CampaignRecordSchema, json, 'campaign record');
  }

  private parseShard(json: string): ShardRecord {
    return this.database.parseStored(ShardRecordSchema, json, 'shard record');
  }
}

/** A shard's fence as `shardFence` reads it: its generation and its last claim (nulls before the first). */
interface FenceRow {
  generation: number;
  status: ShardStatus;
  writer: string | null;
  writerGeneration: number | null;
}

/** The writer holding the shard when it is not `writer` (`shardHolderBesides`, on a fence row). */
function holderBesides(row: FenceRow, writer: string): string | undefined {
  const claimed =
    row.writer === null || row.writerGeneration === null ? undefined : { id: row.writer, generation: row.writerGeneration, claimedAt: asEpochMs(0) };
  return shardHolderBesides(claimed, row.generation, writer);
}

/** The column values of a shard row, in `insertShard`'s order. */
function shardColumns(shard: ShardRecord): [string, string, number, string, number, number, number, string] {
  return [
    shard.campaignId,
    shard.shardId,
    shard.index,
    shard.status,
    TERMINAL_SHARD_STATUSES.has(shard.status) ? 0 : 1,
    shard.generation,
    shard.version,
    JSON.stringify(shard),
  ];
}

/** The key of a shard read ahead (`SqliteCampaignStore.readAhead`). */
function aheadId(key: ShardKey): string {
  return `${key.campaignId}\n${key.shardId}`;
}
