import type { Fill, FillReason } from '../../../core/model/fill.js';

/** Fill reasons by code, as the buffer stores them. */
export const REASONS: readonly FillReason[] = ['ENTRY', 'REVERSION', 'TAKE_PROFIT', 'STOP_LOSS', 'MAX_HOLDING', 'CAMPAIGN_END'];
export const REASON_ENTRY = 0;
export const REASON_REVERSION = 1;
export const REASON_TAKE_PROFIT = 2;
export const REASON_STOP_LOSS = 3;
export const REASON_MAX_HOLDING = 4;
export const REASON_CAMPAIGN_END = 5;

/**
 * Fills waiting to be committed to the ledger, in preallocated typed arrays so the per-tick path
 * never allocates. The runner drains them into `Fill` objects when it commits (off the hot path).
 * `seq` numbers are assigned here, gap-free, continuing from the restored ledger.
 */
export class FillBuffer {
  private readonly seq: Float64Array;
  private readonly tradeId: Float64Array;
  private readonly symbol: Int32Array;
  private readonly venue: Uint8Array;
  private readonly sell: Uint8Array;
  private readonly close: Uint8Array;
  private readonly reason: Uint8Array;
  private readonly qty: Float64Array;
  private readonly price: Float64Array;
  private readonly fee: Float64Array;
  private readonly fxRate: Float64Array;
  private readonly ts: Float64Array;
  private readonly eventTs: Float64Array;
  private readonly wallTs: Float64Array;
  private readonly quoteTsA: Float64Array;
  private readonly quoteTsB: Float64Array;
  private readonly staleQuote: Uint8Array;
  /** Execution detail (`detail`): NaN / 0 when a fill has none. */
  private readonly decisionPrice: Float64Array;
  private readonly orderedQty: Float64Array;
  private readonly unsized: Uint8Array;
  /** An exit's quantity taken beyond the displayed book; NaN when not measured. */
  private readonly beyondBook: Float64Array;
  size = 0;
  /** The `seq` the next fill gets. */
  nextSeq: number;

  constructor(
    readonly capacity: number,
    nextSeq = 0,
  ) {
    this.seq = new Float64Array(capacity);
    this.tradeId = new Float64Array(capacity);
    this.symbol = new Int32Array(capacity);
    this.venue = new Uint8Array(capacity);
    this.sell = new Uint8Array(capacity);
    this.close = new Uint8Array(capacity);
    this.reason = new Uint8Array(capacity);
    this.qty = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.fee = new Float64Array(capacity);
    this.fxRate = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.eventTs = new Float64Array(capacity);
    this.wallTs = new Float64Array(capacity);
    this.quoteTsA = new Float64Array(capacity);
    this.quoteTsB = new Float64Array(capacity);
    this.staleQuote = new Uint8Array(capacity);
    this.decisionPrice = new Float64Array(capacity);
    this.orderedQty = new Float64Array(capacity);
    this.unsized = new Uint8Array(capacity);
    this.beyondBook = new Float64Array(capacity);
    this.nextSeq = nextSeq;
  }

  /** Room for `n` more fills? A trade needs two at a time. */
  hasRoom(n: number): boolean {
    return this.size + n <= this.capacity;
  }

  /**
   * Buffers one fill. `ts` is engine time, `eventTs` the recorded time of the update (or timer)
   * the decision was made on, `wallTs` the wall clock of the decision; `quoteTsA`/`quoteTsB` the
   * event times (ms) of venue A's and venue B's quotes of the symbol the decision priced (so the
   * report can judge both legs' ages against `strategy.maxQuoteAge`); `staleQuote` flags a close
   * priced on a quote older than `strategy.maxQuoteAge`.
   */
  push(
    tradeId: number,
    symbol: number,
    venue: number,
    isSell: boolean,
    isClose: boolean,
    reason: number,
    qty: number,
    price: number,
    fee: number,
    fxRate: number,
    ts: number,
    eventTs: number,
    wallTs: number,
    quoteTsA: number,
    quoteTsB: number,
    staleQuote: boolean,
  ): void {
    const i = this.size++;
    this.seq[i] = this.nextSeq++;
    this.tradeId[i] = tradeId;
    this.symbol[i] = symbol;
    this.venue[i] = venue;
    this.sell[i] = isSell ? 1 : 0;
    this.close[i] = isClose ? 1 : 0;
    this.reason[i] = reason;
    this.qty[i] = qty;
    this.price[i] = price;
    this.fee[i] = fee;
    this.fxRate[i] = fxRate;
    this.ts[i] = ts;
    this.eventTs[i] = eventTs;
    this.wallTs[i] = wallTs;
    this.quoteTsA[i] = quoteTsA;
    this.quoteTsB[i] = quoteTsB;
    this.staleQuote[i] = staleQuote ? 1 : 0;
    this.decisionPrice[i] = Number.NaN;
  }

  /**
   * Adds execution detail to the fill pushed last (issue 19): the venue's top price at the
   * decision, the quantity the leg was meant to fill, whether the book had no recorded size, and
   * for an exit under `top-size`/`depth` on a sized book the quantity it took beyond the displayed
   * book (base asset, 0 when none: `beyondBookQty`); NaN when not measured (the field is left out).
   */
  detail(decisionPrice: number, orderedQty: number, unsized: boolean, beyondBookQty: number): void {
    const i = this.size - 1;
    this.decisionPrice[i] = decisionPrice;
    this.orderedQty[i] = orderedQty;
    this.unsized[i] = unsized ? 1 : 0;
    this.beyondBook[i] = beyondBookQty;
  }

  /** Takes every buffered fill out as ledger records. */
  drain(symbols: readonly string[], generation: number): Fill[] {
    const fills: Fill[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) {
      fills[i] = {
        seq: this.seq[i] as number,
        tradeId: this.tradeId[i] as number,
        symbol: symbols[this.symbol[i] as number] as string,
        venue: this.venue[i] === 0 ? 'A' : 'B',
        side: this.sell[i] === 1 ? 'SELL' : 'BUY',
        kind: this.close[i] === 1 ? 'CLOSE' : 'OPEN',
        reason: REASONS[this.reason[i] as number] as FillReason,
        qty: this.qty[i] as number,
        price: this.price[i] as number,
        fee: this.fee[i] as number,
        fxRate: this.fxRate[i] as number,
        ts: this.ts[i] as number,
        eventTs: this.eventTs[i] as number,
        wallTs: this.wallTs[i] as number,
        quoteTsA: this.quoteTsA[i] as number,
        quoteTsB: this.quoteTsB[i] as number,
        ...(this.staleQuote[i] === 1 ? { staleQuote: true } : {}),
        ...(Number.isNaN(this.decisionPrice[i]) ? {} : { decisionPrice: this.decisionPrice[i] as number, orderedQty: this.orderedQty[i] as number }),
        ...(this.unsized[i] === 1 && !Number.isNaN(this.decisionPrice[i]) ? { unsized: true } : {}),
        ...(Number.isNaN(this.decisionPrice[i]) || Number.isNaN(this.beyondBook[i]) ? {} : { beyondBookQty: this.beyondBook[i] as number }),
        generation,
      };
    }
    this.size = 0;
    return fills;
  }
}
