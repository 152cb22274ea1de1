import type { QuoteRecord, RecordVenue } from './quote-record.js';

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
  private readonly symbol: string[];
  private readonly venue: RecordVenue[];
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
    this.symbol = new Array<string>(capacity).fill('');
    this.venue = new Array<RecordVenue>(capacity).fill('A');
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
    this.bid[slot] = r.bid;
    this.ask[slot] = r.ask;
    this.line[slot] = line;
    this.symbol[slot] = r.symbol;
    this.venue[slot] = r.venue;
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
    out.bid = this.bid[h] as number;
    out.ask = this.ask[h] as number;
    out.symbol = this.symbol[h] as string;
    out.venue = this.venue[h] as RecordVenue;
    this.releasedTs = out.ts;
    this.head = (h + 1) % this.capacity;
    this.size--;
    return this.line[h] as number;
  }

  private copy(from: number, to: number): void {
    this.ts[to] = this.ts[from] as number;
    this.bid[to] = this.bid[from] as number;
    this.ask[to] = this.ask[from] as number;
    this.line[to] = this.line[from] as number;
    this.symbol[to] = this.symbol[from] as string;
    this.venue[to] = this.venue[from] as RecordVenue;
  }
}
