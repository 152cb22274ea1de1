import { cashMicros } from '../../../core/model/fill.js';
import { VENUE_A, VENUE_B, type BookTable } from '../book/book-table.js';
import { REASON_ENTRY, type FillBuffer } from '../ledger/fill-buffer.js';
import type { Portfolio } from '../portfolio/portfolio.js';

/** Taker fees of the two venues, in bps. */
export interface VenueFees {
  feeABps: number;
  feeBBps: number;
}

/**
 * Paper execution at the top of the book: every trade is two legs, one fill per venue, both for
 * the same quantity, each charged its venue's taker fee. Fills go to the buffer, positions to
 * the portfolio; nothing allocates.
 */
export class PaperExecution {
  private readonly feeA: number;
  private readonly feeB: number;

  constructor(
    private readonly book: BookTable,
    private readonly fills: FillBuffer,
    private readonly portfolio: Portfolio,
    fees: VenueFees,
    private readonly orderNotional: number,
  ) {
    this.feeA = fees.feeABps * 1e-4;
    this.feeB = fees.feeBBps * 1e-4;
  }

  /**
   * Opens a trade on `symbol` in `slot`: buys on `buyVenue`, sells on the other. `ts` engine
   * time, `eventTs` the recorded time of the update decided on, `wallTs` the decision's wall clock.
   * Both legs carry the event times of the two venues' quotes they were priced on (`quoteTsA`,
   * `quoteTsB`, read off the book).
   */
  enter(symbol: number, buyVenue: number, slot: number, ts: number, eventTs: number, wallTs: number): void {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const iB = iA + 1;
    const buyA = buyVenue === VENUE_A;
    const priceA = buyA ? (this.book.ask[iA] as number) : (this.book.bid[iA] as number);
    const priceB = buyA ? (this.book.bid[iB] as number) : (this.book.ask[iB] as number);
    // The notional is spent on the leg that buys, converted to the reporting currency.
    const qty = this.orderNotional / (buyA ? priceA / fx : priceB);
    const feeA = qty * priceA * this.feeA;
    const feeB = qty * priceB * this.feeB;
    const tradeId = this.portfolio.nextTradeId;
    const quoteTsA = this.book.updatedAt[iA] as number;
    const quoteTsB = this.book.updatedAt[iB] as number;
    this.fills.push(tradeId, symbol, VENUE_A, !buyA, false, REASON_ENTRY, qty, priceA, feeA, fx, ts, eventTs, wallTs, quoteTsA, quoteTsB, false);
    this.fills.push(tradeId, symbol, VENUE_B, buyA, false, REASON_ENTRY, qty, priceB, feeB, fx, ts, eventTs, wallTs, quoteTsA, quoteTsB, false);
    const cash = cashMicros(fx, !buyA, qty, priceA, feeA) + cashMicros(1, buyA, qty, priceB, feeB);
    this.portfolio.openTrade(slot, tradeId, buyVenue, qty, priceA, priceB, cash, this.orderNotional, ts);
  }

  /** The cash the exit legs of the trade in `slot` would bring at the current book (micros). */
  exitCash(slot: number, symbol: number): number {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const qty = this.portfolio.qty[slot] as number;
    if (this.portfolio.buyVenue[slot] === VENUE_A) {
      const bidA = this.book.bid[iA] as number;
      const askB = this.book.ask[iA + 1] as number;
      return cashMicros(fx, true, qty, bidA, qty * bidA * this.feeA) + cashMicros(1, false, qty, askB, qty * askB * this.feeB);
    }
    const askA = this.book.ask[iA] as number;
    const bidB = this.book.bid[iA + 1] as number;
    return cashMicros(fx, false, qty, askA, qty * askA * this.feeA) + cashMicros(1, true, qty, bidB, qty * bidB * this.feeB);
  }

  /**
   * Closes the trade in `slot` at the current book; `exitCash` is `exitCash(slot, symbol)`.
   * `staleQuote` flags both legs: a price older than `strategy.maxQuoteAge` was used. Both legs
   * carry the event times of the quotes they were priced on (`quoteTsA`, `quoteTsB`).
   */
  exit(slot: number, symbol: number, reason: number, ts: number, exitCash: number, eventTs: number, wallTs: number, staleQuote: boolean): void {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const qty = this.portfolio.qty[slot] as number;
    const tradeId = this.portfolio.tradeId[slot] as number;
    const sellA = this.portfolio.buyVenue[slot] === VENUE_A;
    const priceA = sellA ? (this.book.bid[iA] as number) : (this.book.ask[iA] as number);
    const priceB = sellA ? (this.book.ask[iA + 1] as number) : (this.book.bid[iA + 1] as number);
    const quoteTsA = this.book.updatedAt[iA] as number;
    const quoteTsB = this.book.updatedAt[iA + 1] as number;
    this.fills.push(
      tradeId,
      symbol,
      VENUE_A,
      sellA,
      true,
      reason,
      qty,
      priceA,
      qty * priceA * this.feeA,
      fx,
      ts,
      eventTs,
      wallTs,
      quoteTsA,
      quoteTsB,
      staleQuote,
    );
    this.fills.push(
      tradeId,
      symbol,
      VENUE_B,
      !sellA,
      true,
      reason,
      qty,
      priceB,
      qty * priceB * this.feeB,
      fx,
      ts,
      eventTs,
      wallTs,
      quoteTsA,
      quoteTsB,
      staleQuote,
    );
    this.portfolio.closeTrade(slot, exitCash);
  }
}
