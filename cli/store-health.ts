/**
 * The local control plane's view of its own store: whether the SQLite file can still be written
 * (a full disk, a read-only mount, an I/O error) and whether it is still the file the campaign
 * started on (deleted or replaced under it). Either fault, lasting, ends the campaign loudly
 * instead of logging the same error four times a second forever.
 */
import { statSync } from 'node:fs';
import { ArbfleetError } from '../core/errors.js';

/** SQLite result codes and errno codes that mean "the environment", not a bug or a lost race. */
const ENVIRONMENT_CODES = /^(SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)|E(NOSPC|ROFS|IO|ACCES|PERM|DQUOT|NOENT))/;

/** Whether `error` comes from the machine under the store (disk full, read-only, I/O), by its code. */
export function isEnvironmentFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && ENVIRONMENT_CODES.test(code);
}

/** Why the campaign cannot go on over this store. */
export class StoreFaultError extends ArbfleetError {
  override readonly name = 'StoreFaultError';
  readonly kind = 'store-fault';
}

export interface StoreHealthOptions {
  /** Environment faults with no quiet stretch of `quietMs` between them for this long end the campaign (ms; default 20 000). */
  boundMs?: number;
  /** A stretch this long without an environment fault ends a streak (ms; default 5 000). */
  quietMs?: number;
}

/**
 * Tracks environment faults over time and says when to log (1st, 2nd, 4th, 8th… occurrence of a
 * streak: backoff, not every tick) and when the streak has lasted past its bound.
 */
export class StoreHealth {
  private streakStart: number | undefined;
  private lastFaultAt = 0;
  private faults = 0;
  private readonly boundMs: number;
  private readonly quietMs: number;

  constructor(options: StoreHealthOptions = {}) {
    this.boundMs = options.boundMs ?? 20_000;
    this.quietMs = options.quietMs ?? 5_000;
  }

  /**
   * Records an environment fault at `now` (ms).
   * @returns whether to log this one (a power of two within the streak), and the fault that ends the campaign once the streak passed its bound.
   */
  fault(now: number, error: unknown): { log: boolean; fatal?: StoreFaultError } {
    if (this.streakStart === undefined || now - this.lastFaultAt > this.quietMs) {
      this.streakStart = now;
      this.faults = 0;
    }
    this.lastFaultAt = now;
    this.faults += 1;
    const log = (this.faults & (this.faults - 1)) === 0;
    if (now - this.streakStart < this.boundMs) return { log };
    const message = error instanceof Error ? error.message : String(error);
    return {
      log: true,
      fatal: new StoreFaultError(`the store cannot be written for ${Math.round((now - this.streakStart) / 1000)} s (${this.faults} failed steps): ${message}`, {
        cause: error,
      }),
    };
  }
}

/** The identity of a file (device and inode), to notice it was deleted or replaced. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path`, or undefined when there is none. */
export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

/** Why the file at `path` is no longer `opened` (deleted, or another file in its place), or undefined when it still is. */
export function replacedFile(path: string, opened: FileIdentity): string | undefined {
  const now = fileIdentity(path);
  if (now === undefined) return `${path} was deleted while the campaign ran on it`;
  if (now.dev !== opened.dev || now.ino !== opened.ino) return `${path} was replaced by another file while the campaign ran on it`;
  return undefined;
}
