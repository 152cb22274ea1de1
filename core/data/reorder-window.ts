import { MAX_BOOK_LEVELS, type QuoteRecord, type RecordVenue } from './quote-record.js';

/**
 * A bounded reorder window: holds the last `capacity` records of a file in time order and lets
 * the oldest go once it is full, so a line that arrives up to `capacity` lines late still lands in
 * its place. Sorted input costs one comparison a record (insertion from the tail). A record older
 * than one already let go cannot be placed: `push` returns false for it and the caller counts it.
 */
export class ReorderWindow {
  private readonly ts: Float64Array;
  private readonly bid: Float64Array;
  private readonly ask: Float64Array;
  private readonly line: Float64Array;
  /** The venue's own event time of each record (`QuoteRecord.exchangeTs`, NaN when none). */
  private readonly exchangeTs: Float64Array;
  private readonly symbol: string[];
  private readonly venue: RecordVenue[];
  private readonly bidLevels: Uint8Array;
  private readonly askLevels: Uint8Array;
  /** Book levels of each slot (`MAX_BOOK_LEVELS` a slot: bid prices, bid sizes, ask prices, ask sizes), made at the first sized record. */
  private levels: Float64Array | undefined;
  private head = 0;
  private size = 0;
  /** Time of the last record let go (`-Infinity` before the first). */
  releasedTs = -Infinity;
  /** Records that arrived late but were put in their place. */
  reordered = 0;

  constructor(readonly capacity: number) {
    this.ts = new Float64Array(capacity);
    this.bid = new Float64Array(capacity);
    this.ask = new Float64Array(capacity);
    this.line = new Float64Array(capacity);
    this.exchangeTs = new Float64Array(capacity);
    this.symbol = new Array<string>(capacity).fill('');
    this.venue = new Array<RecordVenue>(capacity).fill('A');
    this.bidLevels = new Uint8Array(capacity);
    this.askLevels = new Uint8Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Adds a record (copied) read at `line`; false when it is older than what was already let go. */
  push(r: QuoteRecord, line: number): boolean {
    if (r.ts < this.releasedTs) return false;
    const cap = this.capacity;
    let i = this.size;
    let slot = (this.head + i) % cap;
    while (i > 0) {
      const prev = (this.head + i - 1) % cap;
      if ((this.ts[prev] as number) <= r.ts) break;
      this.copy(prev, slot);
      slot = prev;
      i--;
    }
    if (i < this.size) this.reordered++;
    this.ts[slot] = r.ts;
    this.exchangeTs[slot] = r.exchangeTs;
    this.bid[slot] = r.bid;
    this.ask[slot] = r.ask;
    this.line[slot] = line;
    this.symbol[slot] = r.symbol;
    this.venue[slot] = r.venue;
    this.bidLevels[slot] = r.bidLevels;
    this.askLevels[slot] = r.askLevels;
    if (r.bidLevels + r.askLevels > 0) {
      this.levels ??= new Float64Array(this.capacity * MAX_BOOK_LEVELS * 4);
      const at = slot * MAX_BOOK_LEVELS * 4;
      this.levels.set(r.bidPx.subarray(0, r.bidLevels), at);
      this.levels.set(r.bidSz.subarray(0, r.bidLevels), at + MAX_BOOK_LEVELS);
      this.levels.set(r.askPx.subarray(0, r.askLevels), at + 2 * MAX_BOOK_LEVELS);
      this.levels.set(r.askSz.subarray(0, r.askLevels), at + 3 * MAX_BOOK_LEVELS);
    }
    this.size++;
    return true;
  }

  /** Time of the oldest record held (Infinity when empty). */
  peekTs(): number {
    return this.size === 0 ? Infinity : (this.ts[this.head] as number);
  }

  /** Moves the oldest record into `out`; returns its line. Call only when `length > 0`. */
  shift(out: QuoteRecord): number {
    const h = this.head;
    out.ts = this.ts[h] as number;
    out.exchangeTs = this.exchangeTs[h] as number;
    out.bid = this.bid[h] as number;
    out.ask = this.ask[h] as number;
    out.symbol = this.symbol[h] as string;
    out.venue = this.venue[h] as RecordVenue;
    out.bidLevels = this.bidLevels[h] as number;
    out.askLevels = this.askLevels[h] as number;
    if (out.bidLevels + out.askLevels > 0 && this.levels !== undefined) {
      const at = h * MAX_BOOK_LEVELS * 4;
      out.bidPx.set(this.levels.subarray(at, at + out.bidLevels));
      out.bidSz.set(this.levels.subarray(at + MAX_BOOK_LEVELS, at + MAX_BOOK_LEVELS + out.bidLevels));
      out.askPx.set(this.levels.subarray(at + 2 * MAX_BOOK_LEVELS, at + 2 * MAX_BOOK_LEVELS + out.askLevels));
      out.askSz.set(this.levels.subarray(at + 3 * MAX_BOOK_LEVELS, at + 3 * MAX_BOOK_LEVELS + out.askLevels));
    }
    this.releasedTs = out.ts;
    this.head = (h + 1) % this.capacity;
    this.size--;
    return this.line[h] as number;
  }

  private copy(from: number, to: number): void {
    this.ts[to] = this.ts[from] as number;
    this.exchangeTs[to] = this.exchangeTs[from] as number;
    this.bid[to] = this.bid[from] as number;
    this.ask[to] = this.ask[from] as number;
    this.line[to] = this.line[from] as number;
    this.symbol[to] = this.symbol[from] as string;
    this.venue[to] = this.venue[from] as RecordVenue;
    this.bidLevels[to] = this.bidLevels[from] as number;
    this.askLevels[to] = this.askLevels[from] as number;
    if (this.levels !== undefined) this.levels.copyWithin(to * MAX_BOOK_LEVELS * 4, from * MAX_BOOK_LEVELS * 4, (from + 1) * MAX_BOOK_LEVELS * 4);
  }
}
