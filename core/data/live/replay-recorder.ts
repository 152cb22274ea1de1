import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { ValidationError } from '../../errors.js';
import type { RingLevels } from './quote-ring.js';

/** The header of the canonical replay CSV (`replay-feed.ts`) as older recordings have it: arrival time only. */
export const CANONICAL_HEADER = 'ts,symbol,venue,bid,ask';
/** The header a recording is started with: both times, the arrival (`ts`) and the venue's own (`exchange_ts`). */
export const RECORDED_HEADER = 'ts,symbol,venue,bid,ask,exchange_ts';
/**
 * The header of a recording that keeps book levels (a live feed with `levels`, issue 19): both
 * times, the top's sizes and the levels below the top as `price:size|…`, the canonical size
 * columns (`core/data/formats/canonical.ts`), so the session replays with its depth.
 */
export const SIZED_HEADER = 'ts,symbol,venue,bid,ask,exchange_ts,bid_size,ask_size,bids,asks';
const HEADERS = [CANONICAL_HEADER, RECORDED_HEADER, SIZED_HEADER];

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
 * (`CANONICAL_HEADER`) is appended to in its own five columns; a new or empty one gets `RECORDED_HEADER`,
 * or `SIZED_HEADER` when the feed keeps book levels (its rows then carry them).
 *
 * @throws ValidationError (`feed.record`) when the file cannot be opened or holds something else.
 */
export class ReplayRecorder {
  private readonly fd: number;
  private pending: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();
  private closed = false;
  /** Whether rows carry the `exchange_ts` column (false when appending to an older five-column file), and the size columns. */
  private readonly withExchangeTs: boolean;
  private readonly withSizes: boolean;
  /** Rows written or buffered. */
  rows = 0;

  /** `sizes`: a new file gets `SIZED_HEADER` and rows their levels; an existing file is appended to in its own columns. */
  constructor(
    readonly path: string,
    flushMs = 1000,
    sizes = false,
  ) {
    try {
      this.fd = openSync(path, 'a+');
    } catch (error) {
      throw new ValidationError([{ path: 'feed.record', message: `cannot open ${path} to record into: ${(error as NodeJS.ErrnoException).code ?? error}` }]);
    }
    let header: string;
    if (fstatSync(this.fd).size === 0) {
      header = sizes ? SIZED_HEADER : RECORDED_HEADER;
      writeSync(this.fd, `${header}\n`);
    } else header = checkHeader(this.fd, path);
    this.withExchangeTs = header !== CANONICAL_HEADER;
    this.withSizes = header === SIZED_HEADER;
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    process.on('exit', this.onExit);
  }

  /** One quote arrived at `ts` with the venue's `exchangeTs` (NaN: none, written empty) and its levels when the file keeps them (none: empty cells). */
  quote(ts: number, symbol: string, venue: 'A' | 'B', bid: number, ask: number, exchangeTs = Number.NaN, book?: RingLevels): void {
    this.pending.push(`${ts},${symbol},${venue},${bid},${ask}${this.exchangeCell(exchangeTs)}${this.sizeCells(book)}\n`);
    this.rows++;
  }

  fx(ts: number, rate: number, exchangeTs = Number.NaN): void {
    this.pending.push(`${ts},FX,,${rate},${this.exchangeCell(exchangeTs)}${this.sizeCells(undefined)}\n`);
    this.rows++;
  }

  /** `,bid_size,ask_size,bids,asks` for a sized file: the top's sizes and the levels below it (`price:size|…`); empty cells for an unsized quote. */
  private sizeCells(book: RingLevels | undefined): string {
    if (!this.withSizes) return '';
    if (book === undefined || book.bidLevels === 0 || book.askLevels === 0) return ',,,,';
    const below = (px: Float64Array, sz: Float64Array, n: number) => {
      let cell = '';
      for (let k = 1; k < n; k++) cell += `${k > 1 ? '|' : ''}${px[k]}:${sz[k]}`;
      return cell;
    };
    return `,${book.bidSz[0]},${book.askSz[0]},${below(book.bidPx, book.bidSz, book.bidLevels)},${below(book.askPx, book.askSz, book.askLevels)}`;
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
  const head = Buffer.alloc(SIZED_HEADER.length + 2);
  const read = readSync(fd, head, 0, head.length, 0);
  const firstLine = head.subarray(0, read).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!HEADERS.includes(firstLine)) {
    closeSync(fd);
    throw new ValidationError([
      {
        path: 'feed.record',
        message: `${path} exists and is not a canonical replay file (first line "${firstLine}", expected "${RECORDED_HEADER}", "${SIZED_HEADER}" or "${CANONICAL_HEADER}"): give a new path`,
      },
    ]);
  }
  return firstLine;
}
