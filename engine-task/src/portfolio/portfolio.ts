import { MICROS } from '../../../core/model/fill.js';

/**
 * Open trades and P&L of a shard. Trades live in fixed slots (`maxOpenTradesPerSymbol` per
 * symbol) of typed arrays, so opening and closing never allocate. Money is counted in integer
 * micro-units of the reporting currency (venue B's quote), so sums are exact.
 *
 * A slot's `open` state: `SLOT_FREE`, `SLOT_OPEN`, `SLOT_ENTERING` (an entry's legs are on their
 * way: the slot and its notional count against the risk limits, nothing is in the ledger yet) or
 * `SLOT_CLOSING` (an exit's legs are on their way: still open in the ledger and the checkpoint).
 * `qty` is venue A's leg, `qtyB` venue B's: they differ only when a leg filled partly (issue 19).
 * `notional` is what an open trade's P&L in bps is measured on (`filledNotional`).
 */
export const SLOT_FREE = 0;
export const SLOT_OPEN = 1;
export const SLOT_ENTERING = 2;
export const SLOT_CLOSING = 3;

/**
 * The notional an open trade's P&L in bps is measured on (take-profit and stop-loss: the engine's
 * `checkExits`), in the reporting currency: the part of the order that filled,
 * `orderNotional × max(qtyA, qtyB) / ordered`, where `ordered` is the strategy's order quantity
 * (`orderNotional` at the decision's price of the leg that buys) and `qtyA`, `qtyB` what each leg
 * filled. Measured against the whole `orderNotional`, a trade filled 30 % showed a third of its
 * move and stopped out three times too late (issue 19, found by a tester on a crafted book).
 *
 * The larger leg's, when the legs filled differently (leg risk): it is the capital at risk. A
 * missed leg leaves the other one a naked position whose move is the trade's whole P&L, so its
 * bps must be that leg's move (the smaller leg's, 0, would divide by nothing; the two legs' mean
 * would double it). A trade filled in full (every `top` fill) gets `orderNotional` itself, bit for
 * bit. Units: `orderNotional` reporting currency, the quantities base asset; `ordered` ≤ 0 (no
 * order quantity known) counts as filled in full.
 */
export function filledNotional(orderNotional: number, ordered: number, qtyA: number, qtyB: number): number {
  const filled = Math.max(qtyA, qtyB);
  // The ratio first: filled / ordered is exactly 1 when they are equal ((orderNotional × filled) / ordered may not be).
  return ordered > 0 ? orderNotional * (filled / ordered) : orderNotional;
}

export class Portfolio {
  readonly slotsPerSymbol: number;
  readonly open: Uint8Array;
  readonly tradeId: Float64Array;
  /** 0 when the trade bought on venue A (and sold on B), 1 for the reverse. */
  readonly buyVenue: Uint8Array;
  readonly qty: Float64Array;
  readonly qtyB: Float64Array;
  readonly entryPriceA: Float64Array;
  readonly entryPriceB: Float64Array;
  readonly entryCashMicros: Float64Array;
  /** The filled notional of an open trade (`filledNotional`), or the whole order's while its entry is in flight (`reserve`). */
  readonly notional: Float64Array;
  /** The strategy's order quantity of an open trade's entry (base asset): a checkpoint keeps it when a leg filled short of it. */
  readonly ordered: Float64Array;
  readonly openedAt: Float64Array;

  readonly openCount: Int32Array;
  readonly openNotional: Float64Array;
  readonly trades: Float64Array;
  readonly tradesClosed: Float64Array;
  readonly realizedMicros: Float64Array;
  totalOpen = 0;
  totalTrades = 0;
  totalClosed = 0;
  realizedTotalMicros = 0;
  fillsA = 0;
  fillsB = 0;
  nextTradeId = 0;

  constructor(
    readonly symbolCount: number,
    slotsPerSymbol: number,
  ) {
    this.slotsPerSymbol = slotsPerSymbol;
    const slots = symbolCount * slotsPerSymbol;
    this.open = new Uint8Array(slots);
    this.tradeId = new Float64Array(slots);
    this.buyVenue = new Uint8Array(slots);
    this.qty = new Float64Array(slots);
    this.qtyB = new Float64Array(slots);
    this.entryPriceA = new Float64Array(slots);
    this.entryPriceB = new Float64Array(slots);
    this.entryCashMicros = new Float64Array(slots);
    this.notional = new Float64Array(slots);
    this.ordered = new Float64Array(slots);
    this.openedAt = new Float64Array(slots);
    this.openCount = new Int32Array(symbolCount);
    this.openNotional = new Float64Array(symbolCount);
    this.trades = new Float64Array(symbolCount);
    this.tradesClosed = new Float64Array(symbolCount);
    this.realizedMicros = new Float64Array(symbolCount);
  }

  /** A free slot of `symbol`, or -1. */
  freeSlot(symbol: number): number {
    const first = symbol * this.slotsPerSymbol;
    for (let slot = first; slot < first + this.slotsPerSymbol; slot++) if (this.open[slot] === 0) return slot;
    return -1;
  }

  /**
   * Holds `slot` for an entry whose legs are on their way: it counts against the risk limits as
   * an open trade of `notional` would. `occupy` then fills it, or `release` frees it.
   */
  reserve(slot: number, notional: number): void {
    const symbol = (slot / this.slotsPerSymbol) | 0;
    this.open[slot] = SLOT_ENTERING;
    this.notional[slot] = notional;
    (this.openCount[symbol] as number)++;
    (this.openNotional[symbol] as number) += notional;
    this.totalOpen++;
  }

  /** Frees a slot `reserve` held (an entry whose legs both found nothing). */
  release(slot: number): void {
    const symbol = (slot / this.slotsPerSymbol) | 0;
    this.open[slot] = SLOT_FREE;
    (this.openCount[symbol] as number)--;
    (this.openNotional[symbol] as number) -= this.notional[slot] as number;
    if (this.openCount[symbol] === 0) this.openNotional[symbol] = 0;
    this.totalOpen--;
  }

  /**
   * Puts an open trade in `slot` (free, or held by `reserve`) without counting it as new: what a
   * restore does with the open trades of a checkpoint, whose counters already include them; a new
   * trade is then counted by `countOpened`. `qtyB` is venue B's leg when it differs from venue A's
   * `qty`; `ordered` the entry's order quantity (default: the larger leg, filled in full). The
   * trade's notional is the part of `orderNotional` that filled (`filledNotional`).
   */
  occupy(
    slot: number,
    tradeId: number,
    buyVenue: number,
    qty: number,
    entryPriceA: number,
    entryPriceB: number,
    entryCashMicros: number,
    orderNotional: number,
    ts: number,
    qtyB = qty,
    ordered = Math.max(qty, qtyB),
  ): void {
    const notional = filledNotional(orderNotional, ordered, qty, qtyB);
    if (this.open[slot] === SLOT_ENTERING) this.release(slot);
    const symbol = (slot / this.slotsPerSymbol) | 0;
    this.open[slot] = SLOT_OPEN;
    this.qtyB[slot] = qtyB;
    this.tradeId[slot] = tradeId;
    this.buyVenue[slot] = buyVenue;
    this.qty[slot] = qty;
    this.entryPriceA[slot] = entryPriceA;
    this.entryPriceB[slot] = entryPriceB;
    this.entryCashMicros[slot] = entryCashMicros;
    this.notional[slot] = notional;
    this.ordered[slot] = ordered;
    this.openedAt[slot] = ts;
    (this.openCount[symbol] as number)++;
    (this.openNotional[symbol] as number) += notional;
    this.totalOpen++;
    if (tradeId >= this.nextTradeId) this.nextTradeId = tradeId + 1;
  }

  /** Counts the trade `occupy` put in `slot` as a new one: the symbol's trades and both opening fills. */
  countOpened(slot: number): void {
    (this.trades[(slot / this.slotsPerSymbol) | 0] as number)++;
    this.totalTrades++;
    this.fillsA++;
    this.fillsB++;
  }

  /** Closes the trade in `slot` with the exit legs' cash flow; returns its realised P&L (micros). */
  closeTrade(slot: number, exitCashMicros: number): number {
    const symbol = (slot / this.slotsPerSymbol) | 0;
    const pnl = (this.entryCashMicros[slot] as number) + exitCashMicros;
    this.open[slot] = 0;
    (this.openCount[symbol] as number)--;
    (this.openNotional[symbol] as number) -= this.notional[slot] as number;
    if (this.openCount[symbol] === 0) this.openNotional[symbol] = 0;
    (this.tradesClosed[symbol] as number)++;
    (this.realizedMicros[symbol] as number) += pnl;
    this.totalOpen--;
    this.totalClosed++;
    this.realizedTotalMicros += pnl;
    this.fillsA++;
    this.fillsB++;
    return pnl;
  }

  /** The slot holding `tradeId`, or -1. */
  slotOf(tradeId: number, symbol: number): number {
    const first = symbol * this.slotsPerSymbol;
    for (let slot = first; slot < first + this.slotsPerSymbol; slot++) {
      if ((this.open[slot] === SLOT_OPEN || this.open[slot] === SLOT_CLOSING) && this.tradeId[slot] === tradeId) return slot;
    }
    return -1;
  }

  realizedTotal(): number {
    return this.realizedTotalMicros / MICROS;
  }
}
