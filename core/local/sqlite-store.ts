import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import { toFieldIssues } from '../config/zod-issues.js';
import { isTerminalCampaign } from '../fleet/campaign-lifecycle.js';
import { TicksSince } from '../fleet/ticks-since.js';
import {
  AlreadyExistsError,
  FencedOutError,
  NotFoundError,
  ProgrammingError,
  ShardClosedError,
  StoreReplacedError,
  StoreUnavailableError,
  ValidationError,
  VersionConflictError,
} from '../errors.js';
import {
  CampaignRecordSchema,
  HeartbeatSchema,
  LifecycleEventSchema,
  ShardRecordSchema,
  ShardWriterSchema,
  type CampaignRecord,
  type Heartbeat,
  type LifecycleEvent,
  type ShardRecord,
  type ShardStatus,
} from '../model/records.js';
import { CheckpointSchema, type Checkpoint } from '../model/checkpoint.js';
import { FillSchema, type Fill } from '../model/fill.js';
import { isFill } from '../model/fill-check.js';
import { reconcileCommit, refuseGaps, refuseRepeatedSeqs, seqRange, type StoredFill } from '../model/ledger-reconcile.js';
import type { Progress } from '../model/progress.js';
import { newWriterId, shardHolderBesides } from '../model/shard-writer.js';
import { CONTROL_PLANE_LOCK_WAIT_SEC } from '../fleet/timeouts.js';
import type { CampaignPatch, CampaignStore, RestorePoint, ScheduleStore, ShardKey, ShardPatch, ShardPersistence } from '../ports.js';
import { ScheduleRecordSchema, type SchedulePatch, type ScheduleRecord } from '../model/schedule-record.js';

/**
 * The schema this build writes (`PRAGMA user_version`); a file from a newer build is refused.
 * 2 added `ledger_heads` (the commit point); a version-1 file gets each shard's head at its last
 * stored seq when opened (its commits were single transactions: every stored fill was committed).
 */
const SCHEMA_VERSION = 2;

/**
 * How long the control plane's connection waits for another process's write lock before failing
 * with SQLITE_BUSY (`CONTROL_PLANE_LOCK_WAIT_SEC`); an engine's connection waits far less
 * (`setLockWait`, `ShardTimeouts.engineLockWaitSec`): see `core/fleet/timeouts.ts`.
 */
const BUSY_TIMEOUT_MS = CONTROL_PLANE_LOCK_WAIT_SEC * 1000;

/**
 * The WAL is checkpointed once it holds this many pages (SQLite's default, stated: 4 MiB at the
 * 4 KiB page), so in steady use the WAL file stays under about 4 MiB plus one transaction.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;

/**
 * `journal_size_limit`: a WAL that grew past this (a reader held a snapshot while the engines kept
 * committing, so no checkpoint could finish: 3.7 to 12.2 MB in 30 s, and it stayed) is truncated
 * back to it the next time the WAL is reset after a complete checkpoint.
 */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/** Shard statuses that leave the active-shard index (nothing more happens to such a shard). */
const TERMINAL_SHARD_STATUSES: ReadonlySet<ShardStatus> = new Set(['COMPLETED', 'FAILED']);

/**
 * Records are JSON columns; the key, status, generation and version columns beside them exist
 * only for conditions and indexes. `shards_active` is a partial index: the watchdog reads it
 * without ever scanning terminal shards.
 */
const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS campaigns (
  campaign_id     TEXT PRIMARY KEY,
  idempotency_key TEXT UNIQUE,
  created_at      INTEGER NOT NULL,
  version         INTEGER NOT NULL,
  record          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shards (
  campaign_id TEXT NOT NULL,
  shard_id    TEXT NOT NULL,
  shard_index INTEGER NOT NULL,
  status      TEXT NOT NULL,
  active      INTEGER NOT NULL,
  generation  INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  record      TEXT NOT NULL,
  PRIMARY KEY (campaign_id, shard_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS shards_active ON shards (campaign_id, shard_index) WHERE active = 1;
CREATE TABLE IF NOT EXISTS fills (
  campaign_id TEXT NOT NULL,
  shard_id    TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  generation  INTEGER NOT NULL,
  fill        TEXT NOT NULL,
  PRIMARY KEY (campaign_id, shard_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_heads (
  campaign_id   TEXT NOT NULL,
  shard_id      TEXT NOT NULL,
  committed_seq INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, shard_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  campaign_id   TEXT NOT NULL,
  shard_id      TEXT NOT NULL,
  generation    INTEGER NOT NULL,
  last_fill_seq INTEGER NOT NULL,
  checkpoint    TEXT NOT NULL,
  PRIMARY KEY (campaign_id, shard_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS heartbeats (
  id          INTEGER PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  shard_id    TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  heartbeat   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS heartbeats_by_shard ON heartbeats (campaign_id, shard_id, id);
CREATE TABLE IF NOT EXISTS events (
  id          INTEGER PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  at          INTEGER NOT NULL,
  event       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_campaign ON events (campaign_id, id);
CREATE TABLE IF NOT EXISTS schedules (
  schedule_id TEXT PRIMARY KEY,
  deleted     INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  record      TEXT NOT NULL
) WITHOUT ROWID;
`;

/** Every statement the store runs, prepared once per connection. */
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
  readHeartbeats: 'SELECT heartbeat FROM heartbeats WHERE campaign_id = ? AND shard_id = ? ORDER BY id',
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
    'SELECT fill FROM fills WHERE campaign_id = @campaignId AND shard_id = @shardId AND seq > @after AND seq <= ' +
    'coalesce((SELECT committed_seq FROM ledger_heads WHERE campaign_id = @campaignId AND shard_id = @shardId), -1) ORDER BY seq',
  getCheckpoint: 'SELECT checkpoint FROM checkpoints WHERE campaign_id = ? AND shard_id = ?',
  upsertCheckpoint:
    'INSERT INTO checkpoints (campaign_id, shard_id, generation, last_fill_seq, checkpoint) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (campaign_id, shard_id) DO UPDATE SET generation = excluded.generation, ' +
    'last_fill_seq = excluded.last_fill_seq, checkpoint = excluded.checkpoint',
  insertEvent: 'INSERT INTO events (campaign_id, at, event) VALUES (?, ?, ?)',
  listEvents: 'SELECT event FROM events WHERE campaign_id = ? ORDER BY id',
  getSchedule: 'SELECT record FROM schedules WHERE schedule_id = ?',
  listSchedules: 'SELECT record FROM schedules WHERE deleted = 0 ORDER BY schedule_id',
  putSchedule: 'INSERT OR REPLACE INTO schedules (schedule_id, deleted, version, record) VALUES (?, ?, ?, ?)',
  updateSchedule: 'UPDATE schedules SET deleted = ?, version = ?, record = ? WHERE schedule_id = ? AND version = ?',
} as const;

type Statement = Database.Statement<unknown[], unknown>;
type Statements = Record<keyof typeof SQL, Statement>;

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
export class SqliteCampaignStore implements CampaignStore, ScheduleStore {
  private readonly db: Database.Database;
  private readonly sql: Statements;
  /** Device and inode of the file as opened (absent in memory): a task's writes check it is still the one at `path`. */
  private readonly opened: { dev: number; ino: number } | undefined;

  /**
   * Opens (and creates, with its folder, when missing) the store at `path`.
   * @param clock stamps heartbeats (`receivedAt`) and control-plane updates (`updatedAt`).
   * @param options.mustExist open only an existing file (an engine task: a missing store means its
   *   control plane's is gone or elsewhere, and a fresh empty one would take its writes silently).
   * @throws StoreUnavailableError when the file cannot be opened (or, with `mustExist`, does not exist).
   */
  constructor(
    readonly path: string,
    private readonly clock: Clock,
    options: { mustExist?: boolean } = {},
  ) {
    this.db = openDatabase(path, options.mustExist === true);
    this.sql = prepareStatements(this.db);
    this.opened = fileIdentity(path);
  }

  /**
   * Sets how long this connection waits for another connection's write lock before a write fails
   * with SQLITE_BUSY (ms; SQLite's `busy_timeout`). An engine sets its campaign's
   * `engineLockWaitSec` (`core/fleet/timeouts.ts`) once it has read its config, so that a lock held
   * elsewhere never blocks its loop past its self-fence.
   */
  setLockWait(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
  }

  /**
   * For a task's writes: the file at `path` is still the one this store opened.
   * @throws StoreReplacedError when it was deleted or replaced (another file, or a new one, at the path).
   */
  private checkSameFile(key: ShardKey, generation: number): void {
    if (this.opened === undefined) return;
    const now = fileIdentity(this.path);
    if (now === undefined) throw new StoreReplacedError(key.shardId, generation, this.path, 'deleted');
    if (now.dev !== this.opened.dev || now.ino !== this.opened.ino) throw new StoreReplacedError(key.shardId, generation, this.path, 'replaced');
  }

  /**
   * A PASSIVE WAL checkpoint (`PRAGMA wal_checkpoint(PASSIVE)`): copies into the database every
   * frame no reader still needs, without waiting for any lock, so the control plane's loop never
   * blocks on it. Once a checkpoint has copied the whole WAL, the next write starts the WAL over
   * and truncates its file to {@link WAL_SIZE_LIMIT_BYTES}. What `arbfleet serve` runs every
   * `WAL_CHECKPOINT_INTERVAL_MS`; an in-memory store has no WAL (all zeros).
   * @returns `busy` 1 when a lock kept it from running at all; `walFrames` in the WAL, of which
   *   `checkpointed` were copied (all of them when nothing holds an old snapshot).
   */
  checkpointWal(): { busy: number; walFrames: number; checkpointed: number } {
    const [row] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    return { busy: row?.busy ?? 0, walFrames: Math.max(0, row?.log ?? 0), checkpointed: Math.max(0, row?.checkpointed ?? 0) };
  }

  /** Closes the file. The store (and every port `forTask` returned) is unusable afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  async createCampaign(campaign: CampaignRecord, shards: ShardRecord[]): Promise<{ campaign: CampaignRecord; created: boolean }> {
    const record = validate(CampaignRecordSchema, campaign, `campaign ${campaign.campaignId}`);
    const shardRecords = shards.map((shard) => validate(ShardRecordSchema, shard, `shard ${shard.campaignId}/${shard.shardId}`));
    for (const shard of shardRecords) {
      if (shard.campaignId !== record.campaignId) {
        throw new ValidationError([
          { path: 'campaignId', message: `shard ${shard.shardId} belongs to campaign ${shard.campaignId}, expected ${record.campaignId}` },
        ]);
      }
    }
    return this.write(() => {
      if (record.idempotencyKey !== undefined) {
        const existing = this.sql.campaignByIdempotencyKey.get(record.idempotencyKey) as RecordRow | undefined;
        if (existing) return { campaign: this.parseCampaign(existing.record), created: false };
      }
      if (this.sql.getCampaign.get(record.campaignId)) {
        throw new AlreadyExistsError(`campaign ${record.campaignId} already exists in ${this.path}; choose another campaignId`);
      }
      this.sql.insertCampaign.run(record.campaignId, record.idempotencyKey ?? null, record.createdAt, record.version, JSON.stringify(record));
      const seen = new Set<string>();
      for (const shard of shardRecords) {
        if (seen.has(shard.shardId)) {
          throw new ProgrammingError(`campaign ${record.campaignId}: shard ${shard.shardId} is listed twice; shard ids must be unique`);
        }
        seen.add(shard.shardId);
        this.sql.insertShard.run(...shardColumns(shard));
      }
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
    return this.write(() => {
      const row = this.sql.getCampaign.get(campaignId) as RecordRow | undefined;
      if (!row) throw new NotFoundError(`campaign ${campaignId} does not exist in ${this.path}`);
      const current = this.parseCampaign(row.record);
      checkVersion(`campaign ${campaignId}`, current.version, expectedVersion);
      const next = validate(
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
    return this.write(() => {
      const row = this.sql.getShard.get(key.campaignId, key.shardId) as RecordRow | undefined;
      if (!row) throw new NotFoundError(`${name} does not exist in ${this.path}`);
      const current = this.parseShard(row.record);
      checkVersion(name, current.version, expectedVersion);
      const next = validate(
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

  async readLedger(key: ShardKey): Promise<Fill[]> {
    return this.fillsAfter(key, -1);
  }

  async readHeartbeats(key: ShardKey): Promise<Heartbeat[]> {
    const rows = this.sql.readHeartbeats.all(key.campaignId, key.shardId) as { heartbeat: string }[];
    return rows.map((row) => parseStored(HeartbeatSchema, row.heartbeat, `heartbeat of shard ${key.campaignId}/${key.shardId}`, this.path));
  }

  async readCheckpoint(key: ShardKey): Promise<Checkpoint | undefined> {
    return this.checkpointOf(key) ?? undefined;
  }

  async appendEvents(events: LifecycleEvent[]): Promise<void> {
    const valid = events.map((event) => validate(LifecycleEventSchema, event, `event ${event.type} of campaign ${event.campaignId}`));
    if (valid.length === 0) return;
    this.write(() => {
      for (const event of valid) this.sql.insertEvent.run(event.campaignId, event.at, JSON.stringify(event));
    });
  }

  async listEvents(campaignId: string): Promise<LifecycleEvent[]> {
    const rows = this.sql.listEvents.all(campaignId) as { event: string }[];
    return rows.map((row) => parseStored(LifecycleEventSchema, row.event, `event of campaign ${campaignId}`, this.path));
  }

  async createSchedule(schedule: ScheduleRecord): Promise<ScheduleRecord> {
    const record = validate(ScheduleRecordSchema, schedule, `schedule ${schedule.scheduleId}`);
    return this.write(() => {
      const row = this.sql.getSchedule.get(record.scheduleId) as RecordRow | undefined;
      const existing = row ? this.parseSchedule(row.record) : undefined;
      if (existing && existing.deletedAt === undefined) {
        throw new AlreadyExistsError(`schedule ${record.scheduleId} already exists in ${this.path}; delete it first or choose another name`);
      }
      // A replaced (deleted) schedule's version keeps counting up, so a reader of the old one cannot update the new one.
      const next = existing ? { ...record, version: existing.version + 1 } : record;
      this.sql.putSchedule.run(next.scheduleId, 0, next.version, JSON.stringify(next));
      return next;
    });
  }

  async getSchedule(scheduleId: string): Promise<ScheduleRecord | undefined> {
    const row = this.sql.getSchedule.get(scheduleId) as RecordRow | undefined;
    return row ? this.parseSchedule(row.record) : undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (this.sql.listSchedules.all() as RecordRow[]).map((row) => this.parseSchedule(row.record));
  }

  async updateSchedule(scheduleId: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleRecord> {
    return this.write(() => {
      const row = this.sql.getSchedule.get(scheduleId) as RecordRow | undefined;
      if (!row) throw new NotFoundError(`schedule ${scheduleId} does not exist in ${this.path}`);
      const current = this.parseSchedule(row.record);
      checkVersion(`schedule ${scheduleId}`, current.version, expectedVersion);
      const merged: Record<string, unknown> = { ...current, updatedAt: this.clock.now(), ...patch };
      for (const [field, value] of Object.entries(patch)) if (value === undefined) delete merged[field];
      const next = validate(
        ScheduleRecordSchema,
        { ...merged, scheduleId: current.scheduleId, spec: current.spec, createdAt: current.createdAt, version: current.version + 1 },
        `schedule ${scheduleId} update`,
      );
      this.sql.updateSchedule.run(next.deletedAt === undefined ? 0 : 1, next.version, JSON.stringify(next), scheduleId, expectedVersion);
      return next;
    });
  }

  /**
   * The claim, then the restore point, in one write transaction: the shard's writer becomes
   * `writer` (compare-and-set on the generation, refused on a closed shard; any earlier writer of
   * it is fenced from now on), and the checkpoint and ledger are read after it.
   */
  private claimAndRestore(key: ShardKey, generation: number, writer: string): RestorePoint {
    const claim = JSON.stringify(validate(ShardWriterSchema, { id: writer, generation, claimedAt: this.clock.now() }, `claim of shard ${key.shardId}`));
    return this.write(() => {
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
    const heartbeat = validate(HeartbeatSchema, { generation, writer, receivedAt, ticksSince, progress }, `heartbeat of shard ${key.shardId}`);
    const json = JSON.stringify(heartbeat);
    this.write(() => {
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
    const validFills = fills.map((fill) => validate(FillSchema, fill, `${name} fill seq ${fill.seq}`));
    const validCheckpoint = checkpoint ? validate(CheckpointSchema, checkpoint, `${name} checkpoint`) : null;
    refuseRepeatedSeqs(name, validFills);
    this.write(() => {
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
      fill: parseStoredFill(row.fill, `fill of shard ${key.campaignId}/${key.shardId}`, this.path),
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
    return this.db.transaction(() => {
      const checkpoint = this.checkpointOf(key);
      return { checkpoint, ledgerTail: this.fillsAfter(key, checkpoint?.lastFillSeq ?? -1) };
    })();
  }

  private checkpointOf(key: ShardKey): Checkpoint | null {
    const row = this.sql.getCheckpoint.get(key.campaignId, key.shardId) as { checkpoint: string } | undefined;
    if (!row) return null;
    return parseStored(CheckpointSchema, row.checkpoint, `checkpoint of shard ${key.campaignId}/${key.shardId}`, this.path);
  }

  private fillsAfter(key: ShardKey, afterSeq: number): Fill[] {
    const rows = this.sql.fillsAfter.all({ campaignId: key.campaignId, shardId: key.shardId, after: afterSeq }) as { fill: string }[];
    return rows.map((row) => parseStoredFill(row.fill, `fill of shard ${key.campaignId}/${key.shardId}`, this.path));
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

  /** Runs `fn` in a write transaction taken up front, so it waits for other writers rather than failing. */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private parseCampaign(json: string): CampaignRecord {
    return parseStored(CampaignRecordSchema, json, 'campaign record', this.path);
  }

  private parseSchedule(json: string): ScheduleRecord {
    return parseStored(ScheduleRecordSchema, json, 'schedule record', this.path);
  }

  private parseShard(json: string): ShardRecord {
    return parseStored(ShardRecordSchema, json, 'shard record', this.path);
  }
}

interface RecordRow {
  record: string;
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
  const claimed = row.writer === null || row.writerGeneration === null ? undefined : { id: row.writer, generation: row.writerGeneration, claimedAt: 0 };
  return shardHolderBesides(claimed, row.generation, writer);
}

/** Device and inode of the file at `path`, or undefined when there is none (or for `:memory:`). */
function fileIdentity(path: string): { dev: number; ino: number } | undefined {
  if (path === ':memory:' || path === '') return undefined;
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

function openDatabase(path: string, mustExist: boolean): Database.Database {
  if (!mustExist && path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: mustExist });
  } catch (error) {
    const why = mustExist && !existsSync(path) ? 'no such file (a task opens only the store its control plane made)' : (error as Error).message;
    throw new StoreUnavailableError(`cannot open the campaign store at ${path}: ${why}`, { cause: error });
  }
  // The busy timeout comes first: switching to WAL and creating tables already need the lock.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // WAL housekeeping: a checkpoint once the WAL holds WAL_AUTOCHECKPOINT_PAGES (every connection,
  // engines included, runs it on commit), and a WAL that grew past WAL_SIZE_LIMIT_BYTES while a
  // reader held an old snapshot is truncated back to it when it is next reset.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  db.transaction(() => {
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > SCHEMA_VERSION) {
      throw new Error(
        `campaign store ${path} has schema version ${found}, newer than this build's ${SCHEMA_VERSION}; ` + 'upgrade arbfleet or point it at another file',
      );
    }
    db.exec(SCHEMA_SQL);
    if (found === 1) {
      // Version 1 committed in single transactions: every fill it stored is committed.
      db.exec(
        'INSERT OR IGNORE INTO ledger_heads (campaign_id, shard_id, committed_seq) SELECT campaign_id, shard_id, max(seq) FROM fills GROUP BY campaign_id, shard_id',
      );
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return db;
}

function prepareStatements(db: Database.Database): Statements {
  const entries = Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)]);
  return Object.fromEntries(entries) as Statements;
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

function checkVersion(name: string, stored: number, expected: number): void {
  if (stored !== expected) {
    throw new VersionConflictError(`${name} is at version ${stored}, not ${expected}: someone else updated it first; read it again and retry`);
  }
}

/** Checks a record before it is written, so that nothing unreadable ever reaches the file. */
function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), what);
  return parsed.data;
}

/** Reads a stored JSON column back through its schema; a mismatch means the file was changed by hand or by another build. */
function parseStored<S extends z.ZodType>(schema: S, json: string, what: string, path: string): z.infer<S> {
  return checkStored(schema, JSON.parse(json), what, path);
}

/**
 * A stored fill read back: the hand-written `isFill` (the same yes or no as `FillSchema`, a
 * fraction of its cost: the report reads every fill of the campaign), zod only for a fill it
 * refuses, so a corrupted row is refused in zod's words, naming the field.
 */
function parseStoredFill(json: string, what: string, path: string): Fill {
  const value: unknown = JSON.parse(json);
  return isFill(value) ? value : checkStored(FillSchema, value, what, path);
}

function checkStored<S extends z.ZodType>(schema: S, value: unknown, what: string, path: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error).map((i) => `${i.path || '(root)'}: ${i.message}`);
    throw new Error(`campaign store ${path}: a stored ${what} does not match its schema (${issues.join('; ')})`);
  }
  return parsed.data;
}

function isConstraintViolation(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && error.code === code;
}
