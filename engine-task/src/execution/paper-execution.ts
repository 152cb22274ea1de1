import type { InFlightLeg, InFlightOrder } from '../../../core/model/checkpoint.js';
import { cashMicros } from '../../../core/model/fill.js';
import { VENUE_A, VENUE_B, type BookTable } from '../book/book-table.js';
import { REASON_ENTRY, REASONS, type FillBuffer } from '../ledger/fill-buffer.js';
import { SLOT_CLOSING, SLOT_ENTERING, type Portfolio } from '../portfolio/portfolio.js';
import { ALLOWED, REJECT_LEDGER_FULL, REJECT_LEGS_MISSED, REJECT_NO_SIZE, type RiskLimits } from '../risk/risk-limits.js';
import { MODEL_TOP, PLAIN_TOP, Take, take, type ExecutionSettings } from './execution-model.js';
import { keepBook, putBook } from './in-flight-orders.js';

/** Taker fees of the two venues, in bps. */
export interface VenueFees {
  feeABps: number;
  feeBBps: number;
}

const NONE = 0;
const ENTRY = 1;
const EXIT = 2;

/**
 * Paper execution: every trade is two legs, one fill per venue, each charged its venue's taker
 * fee, made under the campaign's execution model (`execution-model.ts` states the rules: `top`,
 * `top-size`, `depth`, latency, leg risk, liquidity consumption). Fills go to the buffer,
 * positions to the portfolio; nothing allocates.
 *
 * With a latency, a decision's legs are in flight until engine time reaches `decision +
 * latency` of their venue: the engine calls `settleDue` before applying each update (legs due
 * before it fill against the book as it stands, which is the venue's book at their due time) and
 * on its timers; `settleAll` fills what is still in flight at the campaign's end, at the last
 * book. A trade's two fills go to the ledger together once both legs have filled, so a trade's
 * legs stay next to each other. An order in flight when a checkpoint is taken goes into it
 * (`inFlightOrders`) and comes back in flight on restore (`restoreInFlight`): `in-flight-orders.ts`
 * states the rule.
 */
export class PaperExecution {
  private readonly feeA: number;
  private readonly feeB: number;
  private readonly model: number;
  private readonly latencyA: number;
  private readonly latencyB: number;
  /** Fills carry `decisionPrice`, `orderedQty` and `unsized`: any model but `top` without latency. */
  readonly detailed: boolean;
  private readonly taken = new Take();
  /** Legs on their way, by portfolio slot: `NONE`, `ENTRY` or `EXIT`. */
  private readonly pending: Uint8Array;
  /** When each leg fills (engine time, ms); Infinity once it has. */
  private readonly dueA: Float64Array;
  private readonly dueB: Float64Array;
  private readonly qtyA: Float64Array;
  private readonly qtyB: Float64Array;
  private readonly pxA: Float64Array;
  private readonly pxB: Float64Array;
  private readonly tsA: Float64Array;
  private readonly tsB: Float64Array;
  /** Bit 0: venue A's leg found no recorded size; bit 1: venue B's. */
  private readonly unsized: Uint8Array;
  /** What each exit leg took beyond the displayed book (base asset, `Take.beyond`); NaN when not measured (entries, `top`, unsized). */
  private readonly beyondA: Float64Array;
  private readonly beyondB: Float64Array;
  private readonly decisionTs: Float64Array;
  private readonly decisionWall: Float64Array;
  private readonly decisionPxA: Float64Array;
  private readonly decisionPxB: Float64Array;
  private readonly quoteTsA: Float64Array;
  private readonly quoteTsB: Float64Array;
  /** The quantity each leg was sent for (the trade's size at the decision), and the strategy's order quantity. */
  private readonly sent: Float64Array;
  private readonly ordered: Float64Array;
  private readonly reason: Uint8Array;
  private readonly stale: Uint8Array;
  /** Trades with legs in flight, and the earliest time one of their legs is due. */
  inFlight = 0;
  private nextDue = Infinity;

  constructor(
    private readonly book: BookTable,
    private readonly fills: FillBuffer,
    private readonly portfolio: Portfolio,
    fees: VenueFees,
    private readonly orderNotional: number,
    private readonly risk?: RiskLimits,
    settings: ExecutionSettings = PLAIN_TOP,
  ) {
    this.feeA = fees.feeABps * 1e-4;
    this.feeB = fees.feeBBps * 1e-4;
    this.model = settings.model;
    this.latencyA = settings.latencyAMs;
    this.latencyB = settings.latencyBMs;
    this.detailed = settings.model !== MODEL_TOP || settings.latencyAMs > 0 || settings.latencyBMs > 0;
    const slots = portfolio.open.length;
    this.pending = new Uint8Array(slots);
    this.dueA = new Float64Array(slots);
    this.dueB = new Float64Array(slots);
    this.qtyA = new Float64Array(slots);
    this.qtyB = new Float64Array(slots);
    this.pxA = new Float64Array(slots);
    this.pxB = new Float64Array(slots);
    this.tsA = new Float64Array(slots);
    this.tsB = new Float64Array(slots);
    this.unsized = new Uint8Array(slots);
    this.beyondA = new Float64Array(slots);
    this.beyondB = new Float64Array(slots);
    this.decisionTs = new Float64Array(slots);
    this.decisionWall = new Float64Array(slots);
    this.decisionPxA = new Float64Array(slots);
    this.decisionPxB = new Float64Array(slots);
    this.quoteTsA = new Float64Array(slots);
    this.quoteTsB = new Float64Array(slots);
    this.sent = new Float64Array(slots);
    this.ordered = new Float64Array(slots);
    this.reason = new Uint8Array(slots);
    this.stale = new Uint8Array(slots);
  }

  /** When the next leg in flight is due (engine time, ms); Infinity when none is: a live runner wakes then to fill it. */
  nextDueAt(): number {
    return this.inFlight > 0 ? this.nextDue : Infinity;
  }

  /** Whether the ledger buffer has room for one more trade's two fills beside those of every trade in flight. */
  hasRoomForTrade(): boolean {
    return this.fills.hasRoom(2 * (this.inFlight + 1));
  }

  /**
   * Opens a trade on `symbol` in the free `slot`: buys on `buyVenue`, sells on the other. `ts`
   * engine time, `eventTs` the recorded time of the update decided on, `wallTs` the decision's
   * wall clock. Returns `ALLOWED`, or why no trade was sent (`no-size`: a venue shows nothing
   * left to take; `ledger-full`). Both legs carry the event times of the two venues' quotes the
   * decision was priced on (`quoteTsA`, `quoteTsB`, read off the book).
   */
  enter(symbol: number, buyVenue: number, slot: number, ts: number, eventTs: number, wallTs: number): number {
    if (!this.hasRoomForTrade()) return REJECT_LEDGER_FULL;
    const book = this.book;
    const fx = book.fxRate;
    const iA = symbol * 2;
    const buyA = buyVenue === VENUE_A;
    const topA = buyA ? (book.ask[iA] as number) : (book.bid[iA] as number);
    const topB = buyA ? (book.bid[iA + 1] as number) : (book.ask[iA + 1] as number);
    // The notional is spent on the leg that buys, converted to the reporting currency.
    const ordered = this.orderNotional / (buyA ? topA / fx : topB);
    let qty = ordered;
    if (this.model !== MODEL_TOP) {
      this.takeFrom(iA, buyA, ordered, false);
      const fromA = this.taken.qty;
      this.takeFrom(iA + 1, !buyA, ordered, false);
      qty = Math.min(fromA, this.taken.qty);
      if (!(qty > 0)) return REJECT_NO_SIZE;
    }
    this.pending[slot] = ENTRY;
    this.decisionTs[slot] = eventTs;
    this.decisionWall[slot] = wallTs;
    this.decisionPxA[slot] = topA;
    this.decisionPxB[slot] = topB;
    this.quoteTsA[slot] = book.updatedAt[iA] as number;
    this.quoteTsB[slot] = book.updatedAt[iA + 1] as number;
    this.sent[slot] = qty;
    this.ordered[slot] = ordered;
    this.reason[slot] = REASON_ENTRY;
    this.stale[slot] = 0;
    this.unsized[slot] = 0;
    this.portfolio.buyVenue[slot] = buyVenue;
    if (!this.send(slot, symbol, ts)) {
      this.portfolio.reserve(slot, this.orderNotional);
      this.await(slot);
    }
    return ALLOWED;
  }

  /**
   * Sends both legs of the trade in `slot` at `ts`: a leg whose venue has no latency fills now,
   * the other when due. True when both have filled and the trade is complete (opened or closed).
   */
  private send(slot: number, symbol: number, ts: number): boolean {
    this.dueA[slot] = ts + this.latencyA;
    this.dueB[slot] = ts + this.latencyB;
    if (this.latencyA === 0) this.fillLeg(slot, symbol, VENUE_A, ts);
    if (this.latencyB === 0) this.fillLeg(slot, symbol, VENUE_B, ts);
    if (this.dueA[slot] !== Infinity || this.dueB[slot] !== Infinity) return false;
    this.complete(slot, symbol);
    return true;
  }

  /** The cash the exit legs of the trade in `slot` would bring at the current top of book (micros). */
  exitCash(slot: number, symbol: number): number {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const qty = this.portfolio.qty[slot] as number;
    const qtyB = this.portfolio.qtyB[slot] as number;
    if (this.portfolio.buyVenue[slot] === VENUE_A) {
      const bidA = this.book.bid[iA] as number;
      const askB = this.book.ask[iA + 1] as number;
      return cashMicros(fx, true, qty, bidA, qty * bidA * this.feeA) + cashMicros(1, false, qtyB, askB, qtyB * askB * this.feeB);
    }
    const askA = this.book.ask[iA] as number;
    const bidB = this.book.bid[iA + 1] as number;
    return cashMicros(fx, false, qty, askA, qty * askA * this.feeA) + cashMicros(1, true, qtyB, bidB, qtyB * bidB * this.feeB);
  }

  /**
   * Closes the trade in `slot` (its legs fill now, or when their latency has passed: the slot is
   * `SLOT_CLOSING` meanwhile). Exits always fill in full (`execution-model.ts`). `staleQuote`
   * flags both legs: a price older than `strategy.maxQuoteAge` was used. Both legs carry the
   * event times of the quotes decided on (`quoteTsA`, `quoteTsB`).
   */
  exit(slot: number, symbol: number, reason: number, ts: number, eventTs: number, wallTs: number, staleQuote: boolean): void {
    const book = this.book;
    const iA = symbol * 2;
    const sellA = this.portfolio.buyVenue[slot] === VENUE_A;
    this.pending[slot] = EXIT;
    this.decisionTs[slot] = eventTs;
    this.decisionWall[slot] = wallTs;
    this.decisionPxA[slot] = sellA ? (book.bid[iA] as number) : (book.ask[iA] as number);
    this.decisionPxB[slot] = sellA ? (book.ask[iA + 1] as number) : (book.bid[iA + 1] as number);
    this.quoteTsA[slot] = book.updatedAt[iA] as number;
    this.quoteTsB[slot] = book.updatedAt[iA + 1] as number;
    this.reason[slot] = reason;
    this.stale[slot] = staleQuote ? 1 : 0;
    this.unsized[slot] = 0;
    if (!this.send(slot, symbol, ts)) {
      this.portfolio.open[slot] = SLOT_CLOSING;
      this.await(slot);
    }
  }

  /**
   * Fills the legs due before `now` (at `now` too when `inclusive`: a timer turn, after which no
   * update stamped `now` can come) against the book as it stands. Call before applying an
   * update stamped `now`. One comparison when nothing is due.
   */
  settleDue(now: number, inclusive: boolean): void {
    if (now < this.nextDue || (now === this.nextDue && !inclusive)) return;
    this.settle(now, inclusive, false);
  }

  /** Fills every leg still in flight at the current book, stamped `now` (the campaign's end). */
  settleAll(now: number): void {
    if (this.inFlight > 0) this.settle(now, true, true);
  }

  /**
   * The orders in flight, for a checkpoint (`in-flight-orders.ts`): each leg filled or still due,
   * a due leg with its venue's book as it stands. Off the tick path (allocates); empty when none.
   */
  inFlightOrders(symbols: readonly string[]): InFlightOrder[] {
    const orders: InFlightOrder[] = [];
    if (this.inFlight === 0) return orders;
    const p = this.portfolio;
    for (let slot = 0; slot < this.pending.length; slot++) {
      const state = this.pending[slot];
      if (state === NONE) continue;
      const symbol = (slot / p.slotsPerSymbol) | 0;
      const order: InFlightOrder = {
        kind: state === ENTRY ? 'OPEN' : 'CLOSE',
        symbol: symbols[symbol] as string,
        buyVenue: p.buyVenue[slot] === VENUE_A ? 'A' : 'B',
        reason: REASONS[this.reason[slot] as number] ?? 'ENTRY',
        decidedAt: this.decisionTs[slot] as number,
        decidedWall: this.decisionWall[slot] as number,
        decisionPriceA: this.decisionPxA[slot] as number,
        decisionPriceB: this.decisionPxB[slot] as number,
        quoteTsA: this.quoteTsA[slot] as number,
        quoteTsB: this.quoteTsB[slot] as number,
        sent: this.sent[slot] as number,
        ordered: this.ordered[slot] as number,
        staleQuote: this.stale[slot] === 1,
        a: this.legOf(slot, symbol, VENUE_A),
        b: this.legOf(slot, symbol, VENUE_B),
      };
      if (state === EXIT) order.tradeId = p.tradeId[slot] as number;
      orders.push(order);
    }
    return orders;
  }

  private legOf(slot: number, symbol: number, venue: number): InFlightLeg {
    const due = (venue === VENUE_A ? this.dueA[slot] : this.dueB[slot]) as number;
    if (due !== Infinity) {
      const book = keepBook(this.book, symbol * 2 + venue);
      return book === undefined ? { due } : { due, book };
    }
    const unsized = ((this.unsized[slot] as number) & (venue === VENUE_A ? 1 : 2)) !== 0;
    const beyond = (venue === VENUE_A ? this.beyondA[slot] : this.beyondB[slot]) as number;
    return {
      qty: (venue === VENUE_A ? this.qtyA[slot] : this.qtyB[slot]) as number,
      price: (venue === VENUE_A ? this.pxA[slot] : this.pxB[slot]) as number,
      ts: (venue === VENUE_A ? this.tsA[slot] : this.tsB[slot]) as number,
      ...(unsized ? { unsized } : {}),
      ...(Number.isNaN(beyond) ? {} : { beyondBookQty: beyond }),
    };
  }

  /**
   * Puts an order of a checkpoint back in flight (`in-flight-orders.ts`) for `symbol`: an `OPEN`
   * in a free slot, held as an entry is; a `CLOSE` on its open trade, which must already be
   * restored. A due leg's kept book is put back unless this engine has quoted that instrument.
   * @throws Error naming the order when it has no slot to go to.
   */
  restoreInFlight(order: InFlightOrder, symbol: number): void {
    const p = this.portfolio;
    const entry = order.kind === 'OPEN';
    const slot = entry ? p.freeSlot(symbol) : p.slotOf(order.tradeId ?? -1, symbol);
    if (slot < 0) {
      throw new Error(
        entry
          ? `restore: the entry in flight on ${order.symbol} decided at ${order.decidedAt} does not fit in its open-trade slots`
          : `restore: the exit in flight closes trade ${order.tradeId} of ${order.symbol}, which is not open`,
      );
    }
    this.pending[slot] = entry ? ENTRY : EXIT;
    p.buyVenue[slot] = order.buyVenue === 'A' ? VENUE_A : VENUE_B;
    this.decisionTs[slot] = order.decidedAt;
    this.decisionWall[slot] = order.decidedWall;
    this.decisionPxA[slot] = order.decisionPriceA;
    this.decisionPxB[slot] = order.decisionPriceB;
    this.quoteTsA[slot] = order.quoteTsA;
    this.quoteTsB[slot] = order.quoteTsB;
    this.sent[slot] = order.sent;
    this.ordered[slot] = order.ordered;
    this.reason[slot] = Math.max(0, REASONS.indexOf(order.reason));
    this.stale[slot] = order.staleQuote ? 1 : 0;
    this.unsized[slot] = 0;
    this.restoreLeg(slot, symbol, VENUE_A, order.a);
    this.restoreLeg(slot, symbol, VENUE_B, order.b);
    if (entry) p.reserve(slot, this.orderNotional);
    else p.open[slot] = SLOT_CLOSING;
    this.await(slot);
  }

  private restoreLeg(slot: number, symbol: number, venue: number, leg: InFlightLeg): void {
    const a = venue === VENUE_A;
    if ('due' in leg) {
      if (a) this.dueA[slot] = leg.due;
      else this.dueB[slot] = leg.due;
      if (leg.book !== undefined) putBook(this.book, symbol * 2 + venue, leg.book);
      return;
    }
    if (a) {
      this.dueA[slot] = Infinity;
      this.qtyA[slot] = leg.qty;
      this.pxA[slot] = leg.price;
      this.tsA[slot] = leg.ts;
    } else {
      this.dueB[slot] = Infinity;
      this.qtyB[slot] = leg.qty;
      this.pxB[slot] = leg.price;
      this.tsB[slot] = leg.ts;
    }
    if (leg.unsized === true) this.unsized[slot] = (this.unsized[slot] as number) | (a ? 1 : 2);
    if (a) this.beyondA[slot] = leg.beyondBookQty ?? Number.NaN;
    else this.beyondB[slot] = leg.beyondBookQty ?? Number.NaN;
  }

  /**
   * Drops a restored order the ledger tail shows completed (`Engine.restore`): the entry in flight
   * on `symbol` decided at `decidedAt` (`kind` OPEN), or the exit of `tradeId` (CLOSE). True when
   * one was dropped; its slot is released (an entry) or left to the tail's close (an exit).
   */
  dropCompleted(kind: 'OPEN' | 'CLOSE', symbol: number, decidedAt: number, tradeId: number): boolean {
    const p = this.portfolio;
    const first = symbol * p.slotsPerSymbol;
    for (let slot = first; slot < first + p.slotsPerSymbol; slot++) {
      const state = this.pending[slot];
      const match = kind === 'OPEN' ? state === ENTRY && this.decisionTs[slot] === decidedAt : state === EXIT && p.tradeId[slot] === tradeId;
      if (!match) continue;
      this.pending[slot] = NONE;
      this.dueA[slot] = Infinity;
      this.dueB[slot] = Infinity;
      this.inFlight--;
      if (kind === 'OPEN') p.release(slot);
      return true;
    }
    return false;
  }

  private settle(now: number, inclusive: boolean, all: boolean): void {
    const p = this.portfolio;
    let next = Infinity;
    for (let slot = 0; slot < this.pending.length; slot++) {
      if (this.pending[slot] === NONE) continue;
      const symbol = (slot / p.slotsPerSymbol) | 0;
      const dueA = this.dueA[slot] as number;
      const dueB = this.dueB[slot] as number;
      // Legs fill in the order they are due.
      const first = dueB < dueA ? VENUE_B : VENUE_A;
      this.settleLeg(slot, symbol, first, now, inclusive, all);
      this.settleLeg(slot, symbol, first === VENUE_A ? VENUE_B : VENUE_A, now, inclusive, all);
      if (this.dueA[slot] === Infinity && this.dueB[slot] === Infinity) {
        this.inFlight--;
        this.complete(slot, symbol);
      } else {
        const left = Math.min(this.dueA[slot] as number, this.dueB[slot] as number);
        if (left < next) next = left;
      }
    }
    this.nextDue = next;
  }

  /** Fills one leg if it is due (every leg still in flight when `all`, stamped no later than `now`). */
  private settleLeg(slot: number, symbol: number, venue: number, now: number, inclusive: boolean, all: boolean): void {
    const due = (venue === VENUE_A ? this.dueA[slot] : this.dueB[slot]) as number;
    if (due === Infinity) return;
    if (all || due < now || (inclusive && due === now)) this.fillLeg(slot, symbol, venue, Math.min(due, now));
  }

  private await(slot: number): void {
    this.inFlight++;
    const due = Math.min(this.dueA[slot] as number, this.dueB[slot] as number);
    if (due < this.nextDue) this.nextDue = due;
  }

  /** Takes from one side of an instrument's book into `this.taken` without consuming it. */
  private takeFrom(instrument: number, buys: boolean, want: number, fillRest: boolean): void {
    const book = this.book;
    const L = book.levels;
    if (this.model === MODEL_TOP)
      take(
        MODEL_TOP,
        book.askPx,
        book.askSz,
        0,
        0,
        buys,
        0,
        buys ? (book.ask[instrument] as number) : (book.bid[instrument] as number),
        want,
        fillRest,
        this.taken,
      );
    else
      take(
        this.model,
        buys ? book.askPx : book.bidPx,
        buys ? book.askSz : book.bidSz,
        instrument * L,
        (buys ? book.askCount : book.bidCount)[instrument] as number,
        buys,
        (buys ? book.takenAsk : book.takenBid)[instrument] as number,
        (buys ? book.ask : book.bid)[instrument] as number,
        want,
        fillRest,
        this.taken,
      );
  }

  /** Fills one leg of the trade in `slot` against its venue's book now, consuming what it takes; stamped `ts`. */
  private fillLeg(slot: number, symbol: number, venue: number, ts: number): void {
    const entry = this.pending[slot] === ENTRY;
    const boughtA = this.portfolio.buyVenue[slot] === VENUE_A;
    // An entry buys on the buy venue; an exit sells there and buys back on the other.
    const buys = entry === (venue === VENUE_A ? boughtA : !boughtA);
    const instrument = symbol * 2 + venue;
    const want = entry ? (this.sent[slot] as number) : venue === VENUE_A ? (this.portfolio.qty[slot] as number) : (this.portfolio.qtyB[slot] as number);
    this.takeFrom(instrument, buys, want, !entry);
    const t = this.taken;
    const book = this.book;
    if (this.model !== MODEL_TOP && !t.unsized) {
      if (buys) (book.takenAsk[instrument] as number) += t.qty;
      else (book.takenBid[instrument] as number) += t.qty;
    }
    // One level taken: its price exactly (the plain rule's fills stay bit for bit); more: the volume-weighted mean.
    const top = buys ? (book.ask[instrument] as number) : (book.bid[instrument] as number);
    const price = t.qty > 0 && t.cost !== t.qty * top ? t.cost / t.qty : top;
    if (venue === VENUE_A) {
      this.qtyA[slot] = t.qty;
      this.pxA[slot] = price;
      this.tsA[slot] = ts;
      this.dueA[slot] = Infinity;
    } else {
      this.qtyB[slot] = t.qty;
      this.pxB[slot] = price;
      this.tsB[slot] = ts;
      this.dueB[slot] = Infinity;
    }
    if (t.unsized) this.unsized[slot] = (this.unsized[slot] as number) | (venue === VENUE_A ? 1 : 2);
    // An exit under a sized model on a sized book: what it took beyond the displayed book (0 when none); else not measured.
    const beyond = entry || this.model === MODEL_TOP || t.unsized ? Number.NaN : t.beyond;
    if (venue === VENUE_A) this.beyondA[slot] = beyond;
    else this.beyondB[slot] = beyond;
  }

  /** Both legs have filled: the trade's two fills go to the ledger and the portfolio opens or closes it. */
  private complete(slot: number, symbol: number): void {
    const entry = this.pending[slot] === ENTRY;
    this.pending[slot] = NONE;
    const p = this.portfolio;
    const qtyA = this.qtyA[slot] as number;
    const qtyB = this.qtyB[slot] as number;
    if (entry && !(qtyA > 0) && !(qtyB > 0)) {
      // Both legs found nothing: no position, no fills; counted as a refused entry.
      if (p.open[slot] === SLOT_ENTERING) p.release(slot);
      this.risk?.reject(symbol, REJECT_LEGS_MISSED);
      return;
    }
    const fx = this.book.fxRate;
    const priceA = this.pxA[slot] as number;
    const priceB = this.pxB[slot] as number;
    const feeA = qtyA * priceA * this.feeA;
    const feeB = qtyB * priceB * this.feeB;
    const boughtA = p.buyVenue[slot] === VENUE_A;
    // Venue A's leg sells when the trade bought on B (entry) or bought on A (exit).
    const sellA = entry ? !boughtA : boughtA;
    const tradeId = entry ? p.nextTradeId : (p.tradeId[slot] as number);
    const reason = this.reason[slot] as number;
    const decided = this.decisionTs[slot] as number;
    const wall = this.decisionWall[slot] as number;
    const qA = this.quoteTsA[slot] as number;
    const qB = this.quoteTsB[slot] as number;
    const stale = this.stale[slot] === 1;
    this.fills.push(tradeId, symbol, VENUE_A, sellA, !entry, reason, qtyA, priceA, feeA, fx, this.tsA[slot] as number, decided, wall, qA, qB, stale);
    if (this.detailed)
      this.fills.detail(
        this.decisionPxA[slot] as number,
        entry ? (this.ordered[slot] as number) : qtyA,
        ((this.unsized[slot] as number) & 1) !== 0,
        this.beyondA[slot] as number,
      );
    this.fills.push(tradeId, symbol, VENUE_B, !sellA, !entry, reason, qtyB, priceB, feeB, fx, this.tsB[slot] as number, decided, wall, qA, qB, stale);
    if (this.detailed)
      this.fills.detail(
        this.decisionPxB[slot] as number,
        entry ? (this.ordered[slot] as number) : qtyB,
        ((this.unsized[slot] as number) & 2) !== 0,
        this.beyondB[slot] as number,
      );
    const cash = cashMicros(fx, sellA, qtyA, priceA, feeA) + cashMicros(1, !sellA, qtyB, priceB, feeB);
    if (entry) {
      const openedAt = Math.max(this.tsA[slot] as number, this.tsB[slot] as number);
      // Its P&L in bps is measured on the part of the order that filled (`filledNotional`: the larger leg's).
      p.occupy(slot, tradeId, boughtA ? VENUE_A : VENUE_B, qtyA, priceA, priceB, cash, this.orderNotional, openedAt, qtyB, this.ordered[slot] as number);
      p.countOpened(slot);
    } else p.closeTrade(slot, cash);
  }
}
