import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { StoreUnavailableError } from '../errors.js';
import { CONTROL_PLANE_LOCK_WAIT_SEC } from '../fleet/timeouts.js';
import type { Fill } from '../model/fill.js';
import { parseStoredFill, parseStoredRecord } from '../model/record-codec.js';
import { makeFolder } from './make-folder.js';

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
 * An engine's connection checkpoints the WAL only once it holds this many pages (32 MiB at the
 * 4 KiB page): the control plane checkpoints it every `CONTROL_PLANE_WAL_CHECKPOINT_MS` (PASSIVE,
 * on its own core, `LocalFleet`), so an engine's commit does not copy the WAL back on its loop
 * (3 months of 5-minute candles: its 17,236 fills committed in batches of 2,048 through this store
 * took 254–270 ms with the checkpoints on the commits, 143–152 ms without in two of three runs
 * (318 ms in the third), a micro-bench on a loaded machine). The bound stays for an engine whose
 * control plane is gone.
 */
export const ENGINE_WAL_AUTOCHECKPOINT_PAGES = 8192;

/** How often a local control plane checkpoints its store's WAL while it runs (ms; `checkpointWal`, PASSIVE: it never waits on a lock). */
export const CONTROL_PLANE_WAL_CHECKPOINT_MS = 1000;

/**
 * `journal_size_limit`: a WAL that grew past this (a reader held a snapshot while the engines kept
 * committing, so no checkpoint could finish: 3.7 to 12.2 MB in 30 s, and it stayed) is truncated
 * back to it the next time the WAL is reset after a complete checkpoint.
 */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Records are JSON columns; the key, status, generation and version columns beside them exist
 * only for conditions and indexes. `shards_active` is a partial index: the watchdog reads it
 * without ever scanning terminal shards. The campaign store (`sqlite-campaign-store.ts`) uses
 * every table but `schedules`, the schedule store (`sqlite-schedule-store.ts`) that one only.
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

/** A prepared statement of this connection. */
export type Statement = Database.Statement<unknown[], unknown>;

/** A row that is one JSON record column. */
export interface RecordRow {
  record: string;
}

/**
 * One connection to the fleet's SQLite file (WAL mode), shared by the stores over it: the
 * campaign store (`SqliteCampaignStore`) and the schedule store (`SqliteScheduleStore`) of a
 * process use the same connection, so `:memory:` holds both, and the control plane and the
 * engine processes of a local fleet each open their own on the same file.
 *
 * Every write runs in a `BEGIN IMMEDIATE` transaction (`write`), so concurrent writers from other
 * processes queue on the file lock (up to a 10 s busy timeout) instead of failing.
 */
export class SqliteDatabase {
  private readonly db: Database.Database;
  /** Device and inode of the file as opened (absent in memory): a task's writes check it is still the one at `path`. */
  private readonly opened: { dev: number; ino: number } | undefined;
  /** Names the file in the errors of records read back (`campaign store <path>: a stored …`). */
  private readonly where: string;

  /**
   * Opens (and creates, with its folder, when missing) the file at `path`, creating or upgrading
   * its tables.
   * @param options.mustExist open only an existing file (an engine task: a missing store means its
   *   control plane's is gone or elsewhere, and a fresh empty one would take its writes silently).
   * @param options.walAutocheckpointPages this connection's `wal_autocheckpoint` (pages; default
   *   `WAL_AUTOCHECKPOINT_PAGES`, an engine's `ENGINE_WAL_AUTOCHECKPOINT_PAGES`).
   * @throws StoreUnavailableError when the file cannot be opened (or, with `mustExist`, does not exist).
   * @throws Error when the file's schema version is newer than this build's.
   */
  constructor(
    readonly path: string,
    options: { mustExist?: boolean; walAutocheckpointPages?: number } = {},
  ) {
    this.db = openDatabase(path, options.mustExist === true, options.walAutocheckpointPages ?? WAL_AUTOCHECKPOINT_PAGES);
    this.opened = fileIdentity(path);
    this.where = `campaign store ${path}`;
  }

  /** Prepares each statement of `sql` once, by name. */
  prepare<K extends string>(sql: Readonly<Record<K, string>>): Record<K, Statement> {
    const entries = Object.entries(sql).map(([name, text]) => [name, this.db.prepare(text as string)]);
    return Object.fromEntries(entries) as Record<K, Statement>;
  }

  /** Runs `fn` in a write transaction taken up front, so it waits for other writers rather than failing. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Runs `fn` in a (deferred) transaction: its reads see one snapshot. */
  snapshot<T>(fn: () => T): T {
    return this.db.transaction(fn)();
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
   * What became of the file this connection opened: `deleted` (nothing at `path`), `replaced`
   * (another file there), or undefined when it is still the one (always, in memory).
   */
  fileChange(): 'deleted' | 'replaced' | undefined {
    if (this.opened === undefined) return undefined;
    const now = fileIdentity(this.path);
    if (now === undefined) return 'deleted';
    return now.dev !== this.opened.dev || now.ino !== this.opened.ino ? 'replaced' : undefined;
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

  /** Closes the file. Every store over this connection is unusable afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Reads a stored JSON column back through its schema (`parseStoredRecord`, naming this file). */
  parseStored<S extends z.ZodType>(schema: S, json: string, what: string): z.infer<S> {
    return parseStoredRecord(schema, JSON.parse(json), what, this.where);
  }

  /** Reads a stored fill column back (`parseStoredFill`: zod only for a fill `isFill` refuses). */
  parseStoredFill(json: string, what: string): Fill {
    return parseStoredFill(JSON.parse(json), what, this.where);
  }
}

/** Whether `error` is SQLite's constraint failure `code` (such as `SQLITE_CONSTRAINT_UNIQUE`). */
export function isConstraintViolation(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && error.code === code;
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

function openDatabase(path: string, mustExist: boolean, walAutocheckpointPages: number): Database.Database {
  if (!mustExist && path !== ':memory:' && path !== '') makeFolder(dirname(path));
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
  db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.round(walAutocheckpointPages))}`);
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
