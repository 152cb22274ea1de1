import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { ValidationError } from '../../errors.js';

/** The header of the canonical replay CSV (`replay-feed.ts`). */
export const CANONICAL_HEADER = 'ts,symbol,venue,bid,ask';

/**
 * Writes what a live feed receives as the canonical replay CSV (`ts,symbol,venue,bid,ask`, FX
 * rows `ts,FX,,rate,`; `replay-feed.ts`), in the order the engine is handed it, so that the
 * file replays the session exactly: times are the feed's ms of arrival, numbers are written as
 * JavaScript prints them (which parse back to the same doubles).
 *
 * Rows are buffered and appended every `flushMs` with one `write` (a few kilobytes a second on
 * the busiest shard: microseconds of the event loop), and once more, synchronously, when the
 * process exits (a `process.exit` after the run waits for no asynchronous write). An existing
 * file is appended to (its header is checked); a new or empty one gets the header.
 *
 * @throws ValidationError (`feed.record`) when the file cannot be opened or holds something else.
 */
export class ReplayRecorder {
  private readonly fd: number;
  private pending: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();
  private closed = false;
  /** Rows written or buffered. */
  rows = 0;

  constructor(
    readonly path: string,
    flushMs = 1000,
  ) {
    try {
      this.fd = openSync(path, 'a+');
    } catch (error) {
      throw new ValidationError([{ path: 'feed.record', message: `cannot open ${path} to record into: ${(error as NodeJS.ErrnoException).code ?? error}` }]);
    }
    if (fstatSync(this.fd).size === 0) writeSync(this.fd, `${CANONICAL_HEADER}\n`);
    else checkHeader(this.fd, path);
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    process.on('exit', this.onExit);
  }

  quote(ts: number, symbol: string, venue: 'A' | 'B', bid: number, ask: number): void {
    this.pending.push(`${ts},${symbol},${venue},${bid},${ask}\n`);
    this.rows++;
  }

  fx(ts: number, rate: number): void {
    this.pending.push(`${ts},FX,,${rate},\n`);
    this.rows++;
  }

  /** Appends what is buffered now. */
  flush(): void {
    if (this.closed || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    writeSync(this.fd, text);
  }

  /** Flushes and closes the file; later rows are dropped. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    closeSync(this.fd);
  }
}

function checkHeader(fd: number, path: string): void {
  const head = Buffer.alloc(CANONICAL_HEADER.length + 2);
  const read = readSync(fd, head, 0, head.length, 0);
  const firstLine = head.subarray(0, read).toString('utf8').split(/\r?\n/)[0];
  if (firstLine !== CANONICAL_HEADER) {
    closeSync(fd);
    throw new ValidationError([
      {
        path: 'feed.record',
        message: `${path} exists and is not a canonical replay file (first line "${firstLine}", expected "${CANONICAL_HEADER}"): give a new path`,
      },
    ]);
  }
}
