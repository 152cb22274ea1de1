import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { ValidationError } from '../../errors.js';

/** The header of the canonical replay CSV (`replay-feed.ts`) as older recordings have it: arrival time only. */
export const CANONICAL_HEADER = 'ts,symbol,venue,bid,ask';
/** The header a recording is started with: both times, the arrival (`ts`) and the venue's own (`exchange_ts`). */
export const RECORDED_HEADER = 'ts,symbol,venue,bid,ask,exchange_ts';

/**
 * Writes what a live feed receives as the canonical replay CSV (`ts,symbol,venue,bid,ask,exchange_ts`,
 * FX rows `ts,FX,,rate,,exchange_ts`; `replay-feed.ts`), in the order the engine is handed it, so
 * that the file replays the session exactly: `ts` is the feed's ms of arrival (what the engine's
 * time follows), `exchange_ts` the venue's own event time in ms (empty when there is none: a
 * Binance quote before its connection's first clock frame, a fixed FX rate); numbers are written as JavaScript prints them (which
 * parse back to the same doubles). The replay feed hands both times to the engine again, so the
 * stale-quote gate and the arrival lag come out as they did live.
 *
 * Rows are buffered and appended every `flushMs` with one `write` (a few kilobytes a second on
 * the busiest shard: microseconds of the event loop), and once more, synchronously, when the
 * process exits (a `process.exit` after the run waits for no asynchronous write). An existing
 * file is appended to (its header is checked); one recorded before exchange times were kept
 * (`CANONICAL_HEADER`) is appended to in its own five columns; a new or empty one gets `RECORDED_HEADER`.
 *
 * @throws ValidationError (`feed.record`) when the file cannot be opened or holds something else.
 */
export class ReplayRecorder {
  private readonly fd: number;
  private pending: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();
  private closed = false;
  /** Whether rows carry the `exchange_ts` column (false when appending to an older five-column file). */
  private readonly withExchangeTs: boolean;
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
    if (fstatSync(this.fd).size === 0) {
      writeSync(this.fd, `${RECORDED_HEADER}\n`);
      this.withExchangeTs = true;
    } else this.withExchangeTs = checkHeader(this.fd, path) === RECORDED_HEADER;
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    process.on('exit', this.onExit);
  }

  /** One quote arrived at `ts` with the venue's `exchangeTs` (NaN: none, written empty). */
  quote(ts: number, symbol: string, venue: 'A' | 'B', bid: number, ask: number, exchangeTs = Number.NaN): void {
    this.pending.push(`${ts},${symbol},${venue},${bid},${ask}${this.exchangeCell(exchangeTs)}\n`);
    this.rows++;
  }

  fx(ts: number, rate: number, exchangeTs = Number.NaN): void {
    this.pending.push(`${ts},FX,,${rate},${this.exchangeCell(exchangeTs)}\n`);
    this.rows++;
  }

  private exchangeCell(exchangeTs: number): string {
    if (!this.withExchangeTs) return '';
    return Number.isFinite(exchangeTs) ? `,${exchangeTs}` : ',';
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

/** The file's header, one of the two this recorder writes; anything else is refused. */
function checkHeader(fd: number, path: string): string {
  const head = Buffer.alloc(RECORDED_HEADER.length + 2);
  const read = readSync(fd, head, 0, head.length, 0);
  const firstLine = head.subarray(0, read).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (firstLine !== CANONICAL_HEADER && firstLine !== RECORDED_HEADER) {
    closeSync(fd);
    throw new ValidationError([
      {
        path: 'feed.record',
        message: `${path} exists and is not a canonical replay file (first line "${firstLine}", expected "${RECORDED_HEADER}" or "${CANONICAL_HEADER}"): give a new path`,
      },
    ]);
  }
  return firstLine;
}
