/** The instrument number of an FX update in the ring (quotes are `symbol * 2 + venue`). */
export const FX_INSTRUMENT = -1;

/**
 * A fixed-size first-in first-out queue of market updates between the sockets (which push as
 * frames arrive) and the engine (which takes them in `emitUntil`): typed arrays, allocated once.
 * When full, the oldest update is dropped and counted in `overflowed`: a shard that falls this
 * far behind has stale quotes anyway, and memory stays bounded.
 */
export class QuoteRing {
  private readonly ts: Float64Array;
  /** The venue's own event time of each update (NaN when the venue gives none). */
  private readonly exchangeTs: Float64Array;
  private readonly instrument: Int32Array;
  private readonly bid: Float64Array;
  private readonly ask: Float64Array;
  private readonly mask: number;
  private head = 0;
  private tail = 0;
  /** Updates dropped because the ring was full. */
  overflowed = 0;

  /** `capacity` is rounded up to a power of two. */
  constructor(capacity = 65_536) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
    this.mask = size - 1;
    this.ts = new Float64Array(size);
    this.exchangeTs = new Float64Array(size);
    this.instrument = new Int32Array(size);
    this.bid = new Float64Array(size);
    this.ask = new Float64Array(size);
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** Queues one update arrived at `ts` (the feed's clock), with the venue's own `exchangeTs` (NaN when none). */
  push(ts: number, instrument: number, bid: number, ask: number, exchangeTs = Number.NaN): void {
    if (this.tail - this.head > this.mask) {
      this.head++;
      this.overflowed++;
    }
    const i = this.tail & this.mask;
    this.ts[i] = ts;
    this.exchangeTs[i] = exchangeTs;
    this.instrument[i] = instrument;
    this.bid[i] = bid;
    this.ask[i] = ask;
    this.tail++;
  }

  /** The time of the oldest update, or `Infinity` when empty. */
  peekTs(): number {
    return this.head < this.tail ? (this.ts[this.head & this.mask] as number) : Infinity;
  }

  /**
   * Hands updates stamped at or before `untilMs`, oldest first (in arrival order), at most `max`,
   * to `sink` with their arrival time and exchange time (`instrument` `FX_INSTRUMENT` goes to
   * `onFx` with the rate in `bid`). Returns how many.
   */
  drain(
    untilMs: number,
    max: number,
    sink: { onQuote(i: number, b: number, a: number, ts: number, exchangeTs: number): void; onFx(rate: number, ts: number, exchangeTs: number): void },
  ): number {
    let n = 0;
    while (n < max && this.head < this.tail) {
      const i = this.head & this.mask;
      const ts = this.ts[i] as number;
      if (ts > untilMs) break;
      const instrument = this.instrument[i] as number;
      const exchangeTs = this.exchangeTs[i] as number;
      if (instrument === FX_INSTRUMENT) sink.onFx(this.bid[i] as number, ts, exchangeTs);
      else sink.onQuote(instrument, this.bid[i] as number, this.ask[i] as number, ts, exchangeTs);
      this.head++;
      n++;
    }
    return n;
  }
}
