import { performance } from 'node:perf_hooks';
import { type EpochMs, systemClock } from '../../core/clock.js';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import { fillCashMicros, MICROS, type Fill } from '../../core/model/fill.js';
import type { VenueQuality } from '../../core/model/progress.js';
import { micros } from '../../core/model/units.js';
import type { RestorePoint } from '../../core/ports.js';
import { BookTable, VENUE_A, VENUE_B } from './book/book-table.js';
import { FX_HELD, FxGuard } from './book/fx-guard.js';
import { classifyQuote, classifyRate, QUALITY_A, QUALITY_B, QUALITY_FX, QUOTE_OK, QuoteQuality, SKIP_FX_JUMP } from './book/quote-quality.js';
import { bookLevelsFor, executionSettingsOf } from './execution/execution-model.js';
import { PaperExecution } from './execution/paper-execution.js';
import type { QuoteSink } from '../../core/data/market-feed.js';
import type { QuoteRecord } from '../../core/data/quote-record.js';
import { FillBuffer, REASON_CAMPAIGN_END } from './ledger/fill-buffer.js';
import { LatencyHistogram } from './latency/latency-histogram.js';
import { Portfolio, SLOT_ENTERING, SLOT_FREE, SLOT_OPEN } from './portfolio/portfolio.js';
import { ALLOWED, dataLimitsOf, REJECT_LEDGER_FULL, RiskLimits } from './risk/risk-limits.js';
import { BASELINE_EWMA, BASELINE_NONE, clearsBuyA, clearsSellA, PremiumBaseline, premiumOf } from './strategy/premium.js';
import { clearsEntry, entryFactor, exitReason, midSpreadBps, NO_EXIT, type ExitThresholds } from './strategy/spread.js';

/** How many fills may wait for a commit; the runner commits long before this fills up. */
export const DEFAULT_FILL_CAPACITY = 1 << 16;
/** One tick in this many is timed for the latency histogram. */
export const DEFAULT_LATENCY_SAMPLE_EVERY = 8;

/** What one engine trades: the campaign and this shard's symbols (a subset, in order). */
export interface EngineSpec {
  campaign: Campaign;
  /** Base assets of this shard, in the order the feed numbers them. */
  symbols: readonly string[];
  generation: number;
  fillCapacity?: number;
  /** Time one tick in this many (a power of two; 1 times every tick). Default 8. */
  latencySampleEvery?: number;
  /** The wall clock, ms since the epoch: read once per trade decision (a fill's `wallTs`), never per tick. Default: the system clock. */
  wallClock?: () => number;
}

/**
 * The arbitrage engine of one shard: book → FX-converted spread → strategy → risk → paper
 * execution → portfolio → fill buffer, one market update at a time. `onQuote` is the per-tick
 * path: synchronous, no allocation, no logging, no exceptions; it measures its own latency.
 *
 * Data-quality gates (issue 9): a crossed, zero, negative or non-finite quote is skipped and
 * counted per venue (`quality`), never fatal; an FX print jumping more than `fxJumpBps` is held
 * (`FxGuard`); no entry while either venue's quote of the symbol is older than `maxQuoteAge` or
 * the FX rate older than `maxFxAge` (event time: the quote's own time against the update being
 * processed), refusals counted by reason (`risk.refusals()`). Exits are also evaluated on the
 * runner's timers (`onTimer`), so max holding fires on a quiet symbol; a close priced on a quote
 * older than `maxQuoteAge` is flagged `staleQuote` in the ledger and counted (`staleCloses`).
 * The entry and exit rule follow `strategy.premiumBaseline` (`strategy/premium.ts`).
 *
 * Times: the engine runs on the feed's event time (a replay's recorded time, in either clock), so
 * a fill's `eventTs` is the time of the update (or timer turn) decided on, the same as its `ts`;
 * `quoteTsA`/`quoteTsB` are the event times of the two venues' quotes the decision was priced on
 * (read off the book's typed arrays by `PaperExecution`, so the report can judge both legs' ages);
 * `wallTs` comes from `EngineSpec.wallClock`, read once per trade, never per tick.
 *
 * Simultaneous updates (issue 19): every update stamped at the same time is applied before the
 * engine decides on any of them. An update only moves the book and marks its symbol; the marked
 * symbols are decided (exits, then at most one entry each, in the order their first update came)
 * once time moves on: when an update or FX rate stamped at another time arrives, when the runner
 * says the feed has nothing more at that time (`settle`), at a timer turn (`onTimer`: every
 * update up to the turn was delivered), and before `drainFills`/`closeAll`. So two venues' candles closing at the same
 * instant are decided together, never one against the other's previous candle. The same rule
 * holds for a live feed, whose `ts` is the arrival time: updates are grouped by arrival time and
 * the runner settles after each drained batch, so a live decision is taken on every arrival, on
 * what had arrived by then (a trader cannot wait for a frame that has not come), and frames that
 * arrived in the same millisecond are applied together.
 */
export class Engine implements QuoteSink {
  readonly symbols: readonly string[];
  readonly generation: number;
  readonly book: BookTable;
  readonly portfolio: Portfolio;
  readonly risk: RiskLimits;
  readonly fills: FillBuffer;
  readonly latency = new LatencyHistogram();
  readonly symbolLatency: LatencyHistogram[];
  readonly ticksBySymbol: Float64Array;
  totalTicks = 0;
  /** Updates taken and skipped, per venue and the FX rate, and their arrival lag. */
  readonly quality: QuoteQuality;
  /** The FX rate's jump gate; the accepted rate is `book.fxRate`. */
  readonly fx: FxGuard;
  readonly baseline: PremiumBaseline;
  /** Closes priced on a quote older than `maxQuoteAge`, over the shard's life. */
  staleCloses = 0;
  /** Venue B's updates taken in this generation (venue A's: `totalTicks` minus these). */
  private venueBTicks = 0;
  private readonly execution: PaperExecution;
  private readonly wallClock: () => number;
  private readonly maxQuoteAgeMs: number;
  /** A premium baseline is set (`strategy.premiumBaseline` not `none`): the premium-aware rule decides. */
  private readonly premiumRule: boolean;
  /** (entryBps + both taker fees) / 10⁴: the gross edge an entry needs. */
  private readonly entryFactor: number;
  private readonly orderNotional: number;
  private readonly exits: ExitThresholds;
  /** 1 − fee and 1 + fee per venue, for marking exits without dividing. */
  private readonly keepA: number;
  private readonly keepB: number;
  private readonly payA: number;
  private readonly payB: number;
  /** Ticks counted before this generation started (from the checkpoint). */
  restoredTicks = 0;
  private readonly restoredTicksBySymbol: number[] = [];
  /** xorshift32 state choosing which ticks are timed; `sampleMask` = sampling period − 1. */
  private sampler = 0x2545f491;
  private readonly sampleMask: number;
  /** Symbols updated at `groupAt` and not yet decided on, in the order their first update came; `inGroup` marks them. */
  private readonly groupSymbols: Int32Array;
  private readonly inGroup: Uint8Array;
  private groupSize = 0;
  /** Event time of the updates waiting in the group (meaningless while `groupSize` is 0). */
  private groupAt = 0;

  constructor(spec: EngineSpec) {
    const { config } = spec.campaign;
    const n = spec.symbols.length;
    this.symbols = spec.symbols;
    this.generation = spec.generation;
    const execution = executionSettingsOf(config.execution);
    this.book = new BookTable(n, spec.campaign.fxRate, bookLevelsFor(execution.model));
    this.portfolio = new Portfolio(n, config.risk.maxOpenTradesPerSymbol);
    this.risk = new RiskLimits(config.risk, config.strategy.orderNotional, n, dataLimitsOf(config.strategy));
    this.fx = new FxGuard(this.book, config.strategy.fxJumpBps);
    this.baseline = new PremiumBaseline(config.strategy.premiumBaseline, n);
    this.maxQuoteAgeMs = config.strategy.maxQuoteAge * 1000;
    this.quality = new QuoteQuality(dataLimitsOf(config.strategy));
    this.premiumRule = this.baseline.kind !== BASELINE_NONE;
    this.wallClock = spec.wallClock ?? systemClock.now;
    this.fills = new FillBuffer(spec.fillCapacity ?? DEFAULT_FILL_CAPACITY);
    this.symbolLatency = Array.from({ length: n }, () => new LatencyHistogram());
    this.ticksBySymbol = new Float64Array(n);
    this.groupSymbols = new Int32Array(n);
    this.inGroup = new Uint8Array(n);
    const every = spec.latencySampleEvery ?? DEFAULT_LATENCY_SAMPLE_EVERY;
    if (!Number.isInteger(Math.log2(every))) throw new Error(`latencySampleEvery must be a power of two, got ${every}`);
    this.sampleMask = every - 1;
    this.entryFactor = entryFactor(config.strategy.entryBps, config.venues.a.takerFeeBps + config.venues.b.takerFeeBps);
    this.orderNotional = config.strategy.orderNotional;
    this.keepA = 1 - config.venues.a.takerFeeBps / 1e4;
    this.keepB = 1 - config.venues.b.takerFeeBps / 1e4;
    this.payA = 1 + config.venues.a.takerFeeBps / 1e4;
    this.payB = 1 + config.venues.b.takerFeeBps / 1e4;
    this.exits = {
      exitBps: config.strategy.exitBps,
      takeProfitBps: config.strategy.takeProfitBps,
      stopLossBps: config.strategy.stopLossBps,
      maxHoldingMs: config.strategy.maxHolding * 1000,
    };
    this.execution = new PaperExecution(
      this.book,
      this.fills,
      this.portfolio,
      { feeABps: config.venues.a.takerFeeBps, feeBBps: config.venues.b.takerFeeBps },
      this.orderNotional,
      this.risk,
      execution,
    );
  }

  /**
   * One market update: the per-tick path. Its latency (update in → decision out) is timed on a
   * random sample of ticks: a `performance.now()` pair costs about as much as the whole
   * decision, so timing every tick would halve throughput to measure it.
   */
  onQuote(instrument: number, bid: number, ask: number, ts: number, exchangeTs = Number.NaN): void {
    let x = this.sampler;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.sampler = x;
    if ((x & this.sampleMask) !== 0) {
      this.handleQuote(instrument, bid, ask, ts, exchangeTs);
      return;
    }
    const started = performance.now();
    this.handleQuote(instrument, bid, ask, ts, exchangeTs);
    const elapsed = performance.now() - started;
    this.latency.recordMs(elapsed);
    (this.symbolLatency[instrument >> 1] as LatencyHistogram).recordMs(elapsed);
  }

  /**
   * The quote is stamped with the venue's exchange time when given (`exchangeTs`, NaN otherwise)
   * and not after its arrival `ts`: a late frame is as old as the venue says, while a venue clock
   * ahead of ours cannot make a quote fresher than its arrival. Without one, the arrival (live) or
   * the recorded time (replay) stands. The stamp is what `maxQuoteAge`, `quoteTsA`/`quoteTsB` and
   * the report's ages read; the arrival lag is counted in `quality` (`QuoteQuality.arrived`).
   */
  private handleQuote(instrument: number, bid: number, ask: number, ts: number, exchangeTs: number): void {
    // One test lets a good quote through (0 < bid ≤ ask < ∞ is false for NaN); the rest is classified.
    if (!(bid > 0 && bid <= ask && ask < Infinity)) {
      // QUALITY_A and QUALITY_B are VENUE_A and VENUE_B: the venue bit of the instrument.
      this.quality.skip(instrument & 1, classifyQuote(bid, ask));
      return;
    }
    // An update stamped at another time closes the group waiting: it is decided on the book as it stood.
    if (this.groupSize > 0 && ts !== this.groupAt) this.decideGroup();
    // Legs in flight due before this update fill on the book as it stood (`execution.latency`).
    if (this.execution.inFlight > 0) this.execution.settleDue(ts, false);
    const symbol = instrument >> 1;
    // NaN < ts is false: no exchange time keeps the arrival.
    // biome-ignore lint/complexity/useMathMinMax: Math.min(NaN, ts) is NaN; without an exchange time the arrival must stand.
    this.book.update(instrument, bid, ask, exchangeTs < ts ? exchangeTs : ts);
    if (exchangeTs === exchangeTs) this.quality.arrived(instrument & 1, ts, exchangeTs);
    this.venueBTicks += instrument & 1; // venue A's are the rest; last update times are read off the book (`venueQuality`)
    (this.ticksBySymbol[symbol] as number)++;
    this.totalTicks++;
    if (!this.book.hasBothSides(symbol)) return;
    this.groupAt = ts;
    if (this.inGroup[symbol] === 0) {
      this.inGroup[symbol] = 1;
      this.groupSymbols[this.groupSize++] = symbol;
    }
  }

  /** When the next leg in flight is due (engine time, ms; Infinity when none): a live runner wakes then to fill it (`execution.latency`). */
  fillDueAt(): number {
    return this.execution.nextDueAt();
  }

  /** Whether updates wait for their group to be decided (`settle`): the runner does not commit in the middle of a group. */
  get waiting(): boolean {
    return this.groupSize > 0;
  }

  /**
   * Decides the updates waiting in the group if they are stamped before `nextAt`, the time of
   * the feed's next update (`MarketFeed.nextTickAt`): the feed has nothing more at their time, so
   * every simultaneous update has been applied. Default: decide now, whatever comes next.
   */
  settle(nextAt = Infinity): void {
    if (this.groupSize > 0 && this.groupAt < nextAt) this.decideGroup();
  }

  /** Decides each symbol of the group at the group's time, in the order their first update came. */
  private decideGroup(): void {
    const ts = this.groupAt;
    const size = this.groupSize;
    this.groupSize = 0;
    for (let k = 0; k < size; k++) {
      const symbol = this.groupSymbols[k] as number;
      this.inGroup[symbol] = 0;
      this.decide(symbol, ts);
    }
  }

  /**
   * The recorded book levels of the update of `instrument` the feed delivers next (issue 19): held
   * for it by the book (`BookTable.stage`), read only by the `top-size` and `depth` models.
   */
  onLevels(instrument: number, record: QuoteRecord): void {
    this.book.stage(instrument, record);
  }

  /**
   * A new FX rate stamped `ts` (event time; NaN when unknown, e.g. a rate set by hand, which then
   * never ages). A non-finite or non-positive rate is skipped and counted; a jump beyond
   * `fxJumpBps` is held until confirmed and counted as `fx-jump` (`FxGuard`).
   */
  onFx(rate: number, ts = Number.NaN, exchangeTs = Number.NaN): void {
    if (this.groupSize > 0 && ts !== this.groupAt) this.decideGroup();
    const verdict = classifyRate(rate);
    if (verdict !== QUOTE_OK) {
      this.quality.skip(QUALITY_FX, verdict);
      return;
    }
    // Stamped as quotes are (`handleQuote`): the venue's exchange time when given and not after the arrival.
    // biome-ignore lint/complexity/useMathMinMax: Math.min(NaN, ts) is NaN; without an exchange time the arrival must stand.
    const at = exchangeTs < ts ? exchangeTs : ts;
    if (exchangeTs === exchangeTs && ts === ts) this.quality.arrived(QUALITY_FX, ts, exchangeTs);
    if (this.fx.offer(rate, at) === FX_HELD) {
      this.quality.skip(QUALITY_FX, SKIP_FX_JUMP);
      return;
    }
    this.quality.taken(QUALITY_FX, at);
  }

  /**
   * Evaluates the exits of every open trade at engine time `now`: the runner calls it on its
   * timers, so max holding fires for a symbol whose quotes have stopped. Allocation-free.
   * The caller has delivered every update stamped up to `now` (the runner's turn), so the updates
   * still waiting are decided first. Legs in flight due by `now` fill (`execution.latency`); with
   * `complete` false, only those due before it: a live feed stamps updates with their arrival, so
   * one stamped `now` may still come after this turn and must reach the book first.
   */
  onTimer(now: number, complete = true): void {
    if (this.groupSize > 0) this.decideGroup();
    if (this.execution.inFlight > 0) this.execution.settleDue(now, complete);
    const p = this.portfolio;
    if (p.totalOpen === 0) return;
    for (let symbol = 0; symbol < this.symbols.length; symbol++) {
      if ((p.openCount[symbol] as number) > 0 && this.book.hasBothSides(symbol)) this.exitsAt(symbol, now);
    }
  }

  /**
   * The earliest engine time at which a timer turn (`onTimer`) could do anything the last one did
   * not: an open trade's max holding running out (the other exits read only the book, the FX rate
   * and the baseline, which change by updates, and updates make turns of their own). `-Infinity`
   * while a slot is neither free nor open (legs in flight: every turn matters), `Infinity` with no
   * trade open. The runner's virtual loop jumps to it (issue 19); O(slots), once per turn, never per tick.
   */
  timerDueAt(): number {
    const p = this.portfolio;
    let due = Infinity;
    for (let slot = 0; slot < p.open.length; slot++) {
      const state = p.open[slot];
      if (state === SLOT_FREE) continue;
      if (state !== SLOT_OPEN) return -Infinity;
      const at = (p.openedAt[slot] as number) + this.exits.maxHoldingMs;
      if (at < due) due = at;
    }
    return due;
  }

  /**
   * Exits first (they always fire), then at most one entry for the symbol. Prices are compared
   * in venue A's currency (venue B's times the FX rate), which spares per-tick divisions. With a
   * premium baseline (`strategy/premium.ts`) the baseline observes first and the entry test is the
   * premium's against the baseline.
   */
  private decide(symbol: number, ts: number): void {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const bidA = this.book.bid[iA] as number;
    const askA = this.book.ask[iA] as number;
    const bidB = (this.book.bid[iA + 1] as number) * fx;
    const askB = (this.book.ask[iA + 1] as number) * fx;
    if (!this.premiumRule) {
      if ((this.portfolio.openCount[symbol] as number) > 0) this.checkExits(symbol, ts, bidA, askA, bidB, askB);
      if (clearsEntry(bidB, askA, this.entryFactor)) this.tryEnter(symbol, VENUE_A, ts);
      else if (clearsEntry(bidA, askB, this.entryFactor)) this.tryEnter(symbol, VENUE_B, ts);
      return;
    }
    if (this.baseline.kind === BASELINE_EWMA && this.quoteAge(iA, ts) <= this.maxQuoteAgeMs && this.quoteAge(iA + 1, ts) <= this.maxQuoteAgeMs) {
      this.baseline.observe(symbol, premiumOf((bidA + askA) / 2, (bidB + askB) / 2) * 1e4, ts);
    }
    if ((this.portfolio.openCount[symbol] as number) > 0) this.checkExits(symbol, ts, bidA, askA, bidB, askB);
    const b = (this.baseline.value[symbol] as number) * 1e-4;
    if (clearsSellA(bidA, askB, b, this.entryFactor)) this.tryEnter(symbol, VENUE_B, ts);
    else if (clearsBuyA(askA, bidB, b, this.entryFactor)) this.tryEnter(symbol, VENUE_A, ts);
  }

  /** The symbol's exits at time `ts` on the current book (the timers' path). */
  private exitsAt(symbol: number, ts: number): void {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const bidB = (this.book.bid[iA + 1] as number) * fx;
    const askB = (this.book.ask[iA + 1] as number) * fx;
    this.checkExits(symbol, ts, this.book.bid[iA] as number, this.book.ask[iA] as number, bidB, askB);
  }

  /** Event-time age of an instrument's quote at `ts`, ms. */
  private quoteAge(instrument: number, ts: number): number {
    return ts - (this.book.updatedAt[instrument] as number);
  }

  /**
   * Marks each open trade of the symbol to the book (prices in venue A's currency here) and
   * closes it when a rule says so. The reversion test uses the mid spread in the trade's
   * direction (`none`) or the premium's deviation from the baseline in the trade's direction
   * (`premium.ts`). The mark is plain floating point; the exact, rounded cash of the exit legs is
   * computed only for a trade that actually closes.
   */
  private checkExits(symbol: number, ts: number, bidA: number, askA: number, bidB: number, askB: number): void {
    const p = this.portfolio;
    const first = symbol * p.slotsPerSymbol;
    const fx = this.book.fxRate;
    const withBaseline = this.premiumRule;
    // Deviation of the premium from its baseline, bps (positive: A rich); NaN before an ewma baseline exists.
    const deviation = withBaseline ? premiumOf((bidA + askA) / 2, (bidB + askB) / 2) * 1e4 - (this.baseline.value[symbol] as number) : 0;
    for (let slot = first; slot < first + p.slotsPerSymbol; slot++) {
      // Open trades only: an entry or exit in flight (`execution.latency`) is not decided again.
      if (p.open[slot] !== SLOT_OPEN) continue;
      const qty = p.qty[slot] as number;
      const qtyB = p.qtyB[slot] as number;
      const boughtA = p.buyVenue[slot] === VENUE_A;
      // Exit legs: sell where we bought, buy back where we sold, each paying its taker fee.
      const exitValue = boughtA ? qty * bidA * this.keepA - qtyB * askB * this.payB : qtyB * bidB * this.keepB - qty * askA * this.payA;
      const pnlBps = (((p.entryCashMicros[slot] as number) / MICROS + exitValue / fx) / (p.notional[slot] as number)) * 1e4;
      const spread = withBaseline ? (boughtA ? -deviation : deviation) : boughtA ? midSpreadBps(bidB, askB, bidA, askA) : midSpreadBps(bidA, askA, bidB, askB);
      const reason = exitReason(pnlBps, spread, ts - (p.openedAt[slot] as number), this.exits);
      // With the ledger buffer full the exit waits for the next tick, after the runner's commit.
      if (reason !== NO_EXIT && this.execution.hasRoomForTrade()) this.close(slot, symbol, reason, ts);
    }
  }

  /** Closes one trade at the current book, flagging it when either venue's quote is older than `maxQuoteAge`. */
  private close(slot: number, symbol: number, reason: number, ts: number): void {
    const iA = symbol * 2;
    const stale = this.quoteAge(iA, ts) > this.maxQuoteAgeMs || this.quoteAge(iA + 1, ts) > this.maxQuoteAgeMs;
    if (stale) this.staleCloses++;
    this.execution.exit(slot, symbol, reason, ts, ts, this.wallClock(), stale);
  }

  /** Data gates, then risk limits, then room in the ledger buffer; a refusal is counted by reason. */
  private tryEnter(symbol: number, buyVenue: number, ts: number): void {
    const iA = symbol * 2;
    let verdict = this.risk.checkData(this.quoteAge(iA, ts), this.quoteAge(iA + 1, ts), ts - this.fx.acceptedAt, this.fx.isHeld());
    if (verdict === ALLOWED) verdict = this.risk.check(this.portfolio, symbol, this.orderNotional);
    if (verdict === ALLOWED && !this.fills.hasRoom(2)) verdict = REJECT_LEDGER_FULL;
    if (verdict !== ALLOWED) {
      this.risk.reject(symbol, verdict);
      return;
    }
    // The execution model may still find no size to take (`no-size`).
    verdict = this.execution.enter(symbol, buyVenue, this.portfolio.freeSlot(symbol), ts, ts, this.wallClock());
    if (verdict !== ALLOWED) this.risk.reject(symbol, verdict);
  }

  /**
   * Closes every open trade at the current book (the campaign's end); closes on stale quotes are
   * flagged. A trade whose symbol has had no quote on one of the venues in this generation (one
   * restored by a generation that reached the end before its first quotes) has no price to close
   * at: it stays open, in the final checkpoint, as a stop leaves trades (a close at price 0 was a
   * fill the store refuses, found by the simulation's real-runner seeds, e.g. seed 42).
   */
  closeAll(ts: number): void {
    this.settle();
    // Legs still in flight fill at the last book first.
    this.execution.settleAll(ts);
    const p = this.portfolio;
    for (let slot = 0; slot < p.open.length; slot++) {
      if (p.open[slot] === SLOT_FREE) continue;
      const symbol = (slot / p.slotsPerSymbol) | 0;
      if (!this.book.hasBothSides(symbol)) continue;
      this.close(slot, symbol, REASON_CAMPAIGN_END, ts);
    }
    // The closes' legs cannot wait for their latency past the end either.
    this.execution.settleAll(ts);
  }

  /**
   * One venue's data quality (`QUALITY_A`, `QUALITY_B` or `QUALITY_FX`) over the shard's life
   * (`quality` holds what a checkpoint restored and the skips). The per-tick path only counts
   * venue B's updates; venue A's and the last update times are worked out here, off that path.
   */
  venueQuality(venue: number): VenueQuality {
    if (venue === QUALITY_FX) return this.quality.venue(venue);
    for (let i = venue; i < this.book.ask.length; i += 2) {
      if ((this.book.ask[i] as number) > 0) this.quality.noteLatest(venue, this.book.updatedAt[i] as number);
    }
    const quality = this.quality.venue(venue);
    quality.updates += venue === QUALITY_B ? this.venueBTicks : this.totalTicks - this.venueBTicks;
    return quality;
  }

  /** The symbol's premium, bps: (midA / fx) / midB − 1 at the accepted FX rate; NaN before both venues quote. */
  premiumBps(symbol: number): number {
    if (!this.book.hasBothSides(symbol)) return Number.NaN;
    const iA = symbol * 2;
    const fx = this.book.fxRate;
    const midA = ((this.book.bid[iA] as number) + (this.book.ask[iA] as number)) / 2;
    const midB = ((this.book.bid[iA + 1] as number) + (this.book.ask[iA + 1] as number)) / 2;
    return premiumOf(midA, midB * fx) * 1e4;
  }

  /** The symbol's premium baseline, bps: 0 for `none`, NaN before an `ewma` baseline's first observation. */
  baselineBps(symbol: number): number {
    return this.baseline.value[symbol] as number;
  }

  /** Open trades marked to the current book, after exit fees, micro-units of the reporting currency (an integer: a sum of `cashMicros`). */
  unrealizedPnlMicros(): number {
    const p = this.portfolio;
    let micros = 0;
    for (let slot = 0; slot < p.open.length; slot++) {
      if (p.open[slot] === 1) micros += (p.entryCashMicros[slot] as number) + this.execution.exitCash(slot, (slot / p.slotsPerSymbol) | 0);
    }
    return micros;
  }

  /** Ticks of one symbol over the shard's whole life, across generations. */
  symbolTicks(symbol: number): number {
    return (this.restoredTicksBySymbol[symbol] ?? 0) + (this.ticksBySymbol[symbol] as number);
  }

  /** Ticks over the shard's whole life, across generations. */
  ticks(): number {
    return this.restoredTicks + this.totalTicks;
  }

  /** Takes the buffered fills out as ledger records, once the updates still waiting are decided (`settle`). */
  drainFills(): Fill[] {
    this.settle();
    return this.fills.drain(this.symbols, this.generation);
  }

  /**
   * The resumable state. Call it right after `drainFills()`: the checkpoint covers every fill up
   * to `nextSeq - 1`, so committing both together keeps ledger and checkpoint in step.
   */
  checkpoint(feedState: Record<string, unknown>, writtenAt: EpochMs): Checkpoint {
    const p = this.portfolio;
    const openTrades: Checkpoint['openTrades'] = [];
    for (let slot = 0; slot < p.open.length; slot++) {
      // An entry in flight has no fill in the ledger yet: not an open trade, but an order in flight (below).
      if (p.open[slot] === SLOT_FREE || p.open[slot] === SLOT_ENTERING) continue;
      openTrades.push({
        tradeId: p.tradeId[slot] as number,
        symbol: this.symbols[(slot / p.slotsPerSymbol) | 0] as string,
        buyVenue: p.buyVenue[slot] === VENUE_A ? 'A' : 'B',
        qty: p.qty[slot] as number,
        ...(p.qtyB[slot] !== p.qty[slot] ? { qtyB: p.qtyB[slot] as number } : {}),
        // Kept when a leg filled short of the order (`filledNotional`), so a restore measures the trade on the same notional.
        ...(p.ordered[slot] !== Math.max(p.qty[slot] as number, p.qtyB[slot] as number) ? { orderedQty: p.ordered[slot] as number } : {}),
        entryPriceA: p.entryPriceA[slot] as number,
        entryPriceB: p.entryPriceB[slot] as number,
        entryCashMicros: p.entryCashMicros[slot] as number,
        openedAt: p.openedAt[slot] as EpochMs,
      });
    }
    // Orders decided but not filled on both venues yet (a venue's latency): `execution/in-flight-orders.ts`.
    const inFlight = this.execution.inFlightOrders(this.symbols);
    return {
      version: 1,
      generation: this.generation,
      writtenAt,
      lastFillSeq: this.fills.nextSeq - 1,
      nextTradeId: p.nextTradeId,
      fillsA: p.fillsA,
      fillsB: p.fillsB,
      symbols: this.symbols.map((symbol, i) => ({
        symbol,
        ticks: this.symbolTicks(i),
        trades: p.trades[i] as number,
        tradesClosed: p.tradesClosed[i] as number,
        rejectedEntries: this.risk.rejectedBySymbol[i] as number,
        realizedPnlMicros: micros(p.realizedMicros[i] as number, 'checkpoint.symbols[].realizedPnlMicros'),
        ...(this.baseline.kind === BASELINE_EWMA && !Number.isNaN(this.baseline.value[i] as number)
          ? { baselineBps: this.baselineBps(i), baselineAt: this.baseline.at[i] as number }
          : {}),
      })),
      openTrades,
      feed: feedState,
      fx: { rate: this.book.fxRate, ...(this.fx.observed && !Number.isNaN(this.fx.acceptedAt) ? { at: this.fx.acceptedAt } : {}) },
      refusals: this.risk.refusals(),
      staleCloses: this.staleCloses,
      venues: { a: this.venueQuality(QUALITY_A), b: this.venueQuality(QUALITY_B), fx: this.venueQuality(QUALITY_FX) },
      ...(inFlight.length > 0 ? { inFlight } : {}),
    };
  }

  /**
   * Puts the engine back where a checkpoint plus the ledger tail left it: the same open trades,
   * counters and P&L. Returns the feed state to restore (or null for a fresh shard).
   */
  restore(point: RestorePoint): Record<string, unknown> | null {
    const { checkpoint, ledgerTail } = point;
    const p = this.portfolio;
    const index = new Map(this.symbols.map((s, i) => [s, i]));
    const symbolOf = (symbol: string): number => {
      const i = index.get(symbol);
      if (i === undefined) throw new Error(`restore: symbol ${symbol} is not in this shard (${this.symbols.join(',')})`);
      return i;
    };
    if (checkpoint) {
      for (const s of checkpoint.symbols) {
        const i = symbolOf(s.symbol);
        this.restoredTicksBySymbol[i] = s.ticks;
        this.restoredTicks += s.ticks;
        p.trades[i] = s.trades;
        p.tradesClosed[i] = s.tradesClosed;
        p.realizedMicros[i] = s.realizedPnlMicros;
        this.risk.rejectedBySymbol[i] = s.rejectedEntries;
        p.totalTrades += s.trades;
        p.totalClosed += s.tradesClosed;
        p.realizedTotalMicros += s.realizedPnlMicros;
        this.risk.totalRejected += s.rejectedEntries;
        if (s.baselineBps !== undefined && s.baselineAt !== undefined) this.baseline.restore(i, s.baselineBps, s.baselineAt);
      }
      if (checkpoint.fx) this.fx.restore(checkpoint.fx.rate, checkpoint.fx.at);
      if (checkpoint.refusals) this.risk.restoreRefusals(checkpoint.refusals);
      this.staleCloses = checkpoint.staleCloses ?? 0;
      if (checkpoint.venues) {
        this.quality.restore(QUALITY_A, checkpoint.venues.a);
        this.quality.restore(QUALITY_B, checkpoint.venues.b);
        this.quality.restore(QUALITY_FX, checkpoint.venues.fx);
      }
      for (const t of checkpoint.openTrades) {
        const symbol = symbolOf(t.symbol);
        const slot = p.freeSlot(symbol);
        if (slot < 0) throw new Error(`restore: more open trades on ${t.symbol} than maxOpenTradesPerSymbol allows`);
        p.occupy(
          slot,
          t.tradeId,
          t.buyVenue === 'A' ? VENUE_A : VENUE_B,
          t.qty,
          t.entryPriceA,
          t.entryPriceB,
          t.entryCashMicros,
          this.orderNotional,
          t.openedAt,
          t.qtyB ?? t.qty,
          // Absent (filled in full, or a checkpoint written before the field): the larger leg, so the whole orderNotional.
          t.orderedQty,
        );
      }
      for (const order of checkpoint.inFlight ?? []) this.execution.restoreInFlight(order, symbolOf(order.symbol));
      p.fillsA = checkpoint.fillsA;
      p.fillsB = checkpoint.fillsB;
      p.nextTradeId = checkpoint.nextTradeId;
      this.fills.nextSeq = checkpoint.lastFillSeq + 1;
    }
    this.replayTail(ledgerTail, symbolOf);
    return checkpoint ? checkpoint.feed : null;
  }

  /** Applies fills committed after the checkpoint, trade by trade (two legs at a time). */
  private replayTail(tail: readonly Fill[], symbolOf: (symbol: string) => number): void {
    const p = this.portfolio;
    for (let i = 0; i < tail.length; i += 2) {
      const a = tail[i] as Fill;
      const b = tail[i + 1];
      if (!b || b.tradeId !== a.tradeId || b.kind !== a.kind || b.venue === a.venue) {
        throw new Error(`restore: ledger tail fill seq ${a.seq} is not followed by the other leg of trade ${a.tradeId}`);
      }
      const [legA, legB] = a.venue === 'A' ? [a, b] : [b, a];
      const symbol = symbolOf(a.symbol);
      const cash = fillCashMicros(legA) + fillCashMicros(legB);
      // A trade the checkpoint held in flight that the tail shows completed is not in flight any more.
      if (this.execution.inFlight > 0) this.execution.dropCompleted(a.kind, symbol, a.eventTs ?? Number.NaN, a.tradeId);
      if (a.kind === 'OPEN') {
        const slot = p.freeSlot(symbol);
        if (slot < 0) throw new Error(`restore: trade ${a.tradeId} does not fit in ${a.symbol}'s open-trade slots`);
        const openedAt = Math.max(legA.ts, legB.ts);
        // An opening fill's orderedQty is the entry's order quantity (absent without execution detail: the plain top model filled in full).
        p.occupy(
          slot,
          a.tradeId,
          legA.side === 'BUY' ? VENUE_A : VENUE_B,
          legA.qty,
          legA.price,
          legB.price,
          cash,
          this.orderNotional,
          openedAt,
          legB.qty,
          legA.orderedQty ?? legB.orderedQty,
        );
        p.countOpened(slot);
      } else {
        const slot = p.slotOf(a.tradeId, symbol);
        if (slot < 0) throw new Error(`restore: ledger tail closes trade ${a.tradeId}, which is not open`);
        p.closeTrade(slot, cash);
      }
      this.fills.nextSeq = Math.max(this.fills.nextSeq, b.seq + 1, a.seq + 1);
    }
  }
}
