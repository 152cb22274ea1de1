/**
 * One control plane per data folder. `arbfleet serve` and `arbfleet run` (new or `--resume`) each
 * run a watchdog, a launcher and a scheduler over the folder's store: two of them on one folder
 * would each launch the same shard's generation, kill and relaunch the other's engines (each sees
 * the other's children as unknown), and a Ctrl-C of one would stop engines the other watches.
 * Fencing and compare-and-set keep the records consistent, not the processes. So the first to
 * start holds the folder, and a second is refused at start, before it opens the store.
 *
 * The lock is a kernel lock that dies with its holder, a crash or SIGKILL included: SQLite's
 * RESERVED lock (a POSIX `fcntl` byte-range lock) on `<folder>/control-plane.lock`, taken by
 * `BEGIN IMMEDIATE` with no busy wait and held by a transaction left open for the process's life.
 * Chosen over a pid file judged stale (`proper-lockfile`'s mtime refresh, or the pid and its start
 * time): nothing is ever stale, so there is no takeover race between two starts that both judge a
 * dead holder's file stale, no wait for staleness after a SIGKILL, and no pid reuse to guard
 * against; and it needs no package beyond the `better-sqlite3` the store already uses (Node has no
 * `flock`). `fcntl` locks are not inherited across `fork`/`exec`, so the engines a control plane
 * starts never hold it: they outlive a killed control plane and the next one takes them over.
 * Readers (`arbfleet report`, `trades`) never open this file and are never blocked.
 *
 * Who holds it is written beside it once taken (`control-plane.json`: pid, the command, since when
 * and the process's start time from `/proc/<pid>/stat`), read only to name the holder in the
 * refusal, and believed only while that pid runs with the same start time.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../clock.js';
import { ValidationError } from '../errors.js';
import { makeFolder } from './make-folder.js';

/** The lock's file in a data folder: an empty SQLite database whose RESERVED lock is the lock. */
export const CONTROL_PLANE_LOCK_FILE = 'control-plane.lock';

/** Who holds the lock, written beside it: the refusal names them. */
export const CONTROL_PLANE_HOLDER_FILE = 'control-plane.json';

/** How long a refused start waits for a holder that has just taken the lock to write down who it is (ms). */
const HOLDER_RECORD_WAIT_MS = 1_000;

/** What started a control plane: `arbfleet serve`, `arbfleet run` or `arbfleet run --resume`. */
export type ControlPlaneCommand = 'arbfleet serve' | 'arbfleet run' | 'arbfleet run --resume';

/** `control-plane.json`: the holder of a folder's lock. */
export interface ControlPlaneHolder {
  pid: number;
  command: ControlPlaneCommand;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** Field 22 of `/proc/<pid>/stat` (clock ticks since boot), where `/proc` exists: tells a reused pid from the holder. */
  processStart?: string;
}

/**
 * A second control plane on a folder another one holds: bad input for the CLI (exit 2), naming the
 * folder, the option that gave it and the holder (its pid and command), or saying it is unknown.
 */
export class FolderHeldError extends ValidationError {
  constructor(
    readonly folder: string,
    option: string,
    readonly holder: ControlPlaneHolder | undefined,
  ) {
    const who =
      holder === undefined
        ? 'another process (it has not written down who it is in control-plane.json)'
        : `pid ${holder.pid} (${holder.command}, since ${holder.since})`;
    super(
      [
        {
          path: option,
          message:
            `held by another control plane: ${who}. Two control planes on one folder would each launch, kill and relaunch ` +
            "the other one's engines: stop that one first (its engines keep running and the next control plane takes them over), " +
            'or give another folder; arbfleet report and trades read a held folder freely',
        },
      ],
      folder,
    );
  }
}

/** The lock on a data folder, held by this process until `release` or its exit, whichever comes first. */
export class ControlPlaneLock {
  private released = false;

  private constructor(
    readonly folder: string,
    readonly holder: ControlPlaneHolder,
    private readonly db: Database.Database,
  ) {}

  /**
   * Takes the folder's lock for this process, making the folder if missing, or refuses.
   * @param folder the data folder (absolute).
   * @param command what this process was started as (written down for a refused successor).
   * @param option the option that named the folder, for the refusal (`--data`, `--out`, `--resume`).
   * @throws FolderHeldError when another process holds it (exit 2), after opening nothing else.
   * @throws ValidationError naming `option` when the folder cannot be made (exit 2).
   */
  static async take(folder: string, command: ControlPlaneCommand, option: string): Promise<ControlPlaneLock> {
    try {
      makeFolder(folder);
    } catch (error) {
      const { code, path } = error as NodeJS.ErrnoException;
      throw new ValidationError([
        { path: option, message: `cannot make the folder ${path ?? folder} (${code ?? String(error)}): give a folder this user can write` },
      ]);
    }
    const db = new Database(join(folder, CONTROL_PLANE_LOCK_FILE), { timeout: 0 });
    try {
      // No journal file: nothing is ever written, and a killed holder leaves nothing behind.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      db.close();
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      throw new FolderHeldError(folder, option, await heldBy(folder));
    }
    const holder: ControlPlaneHolder = { pid: process.pid, command, since: new Date(systemClock.now()).toISOString(), ...startOf(process.pid) };
    const record = join(folder, CONTROL_PLANE_HOLDER_FILE);
    writeFileSync(`${record}.${process.pid}`, `${JSON.stringify(holder, null, 2)}\n`);
    renameSync(`${record}.${process.pid}`, record);
    return new ControlPlaneLock(folder, holder, db);
  }

  /** Lets the folder go (its record removed first); the process's exit does the same. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(join(this.folder, CONTROL_PLANE_HOLDER_FILE), { force: true });
    this.db.close();
  }
}

/** The holder named in `control-plane.json`, once it names a running process with the recorded start time (waits briefly for a new holder to write it). */
async function heldBy(folder: string): Promise<ControlPlaneHolder | undefined> {
  const deadline = systemClock.now() + HOLDER_RECORD_WAIT_MS;
  for (;;) {
    const holder = readHolder(folder);
    if (holder !== undefined && isRunning(holder)) return holder;
    if (systemClock.now() >= deadline) return undefined;
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

function readHolder(folder: string): ControlPlaneHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(join(folder, CONTROL_PLANE_HOLDER_FILE), 'utf8')) as ControlPlaneHolder;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? holder : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(holder: ControlPlaneHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startOf(holder.pid).processStart;
  return holder.processStart === undefined || now === undefined || now === holder.processStart;
}

/** `{ processStart }` from `/proc/<pid>/stat` (field 22, after the command name, which may hold spaces and parentheses), or nothing. */
function startOf(pid: number): { processStart?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const field = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return field === undefined ? {} : { processStart: field };
  } catch {
    return {};
  }
}
