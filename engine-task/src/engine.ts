import { performance } from 'node:perf_hooks';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import { fillCashMicros, MICROS, type Fill } from '../../core/model/fill.js';
import type { RestorePoint } from '../../core/ports.js';
import { BookTable, VENUE_A, VENUE_B } from './book/book-table.js';
import { PaperExecution } from './execution/paper-execution.js';
import type { QuoteSink } from './feed/market-feed.js';
import { FillBuffer, REASON_CAMPAIGN_END } from './ledger/fill-buffer.js';
import { LatencyHistogram } from './monitor/latency-histogram.js';
import { Portfolio } from './portfolio/portfolio.js';
import { ALLOWED, REJECT_LEDGER_FULL, RiskLimits } from './risk/risk-limits.js';
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
}

/**
 * The arbitrage engine of one shard: book → FX-converted spread → strategy → risk → paper
 * execution → portfolio → fill buffer, one market update at a time. `onQuote` is the per-tick
 * path: synchronous, no allocation, no logging, no exceptions; it measures its own latency.
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
  private readonly execution: PaperExecution;
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

  constructor(spec: EngineSpec) {
    const { config } = spec.campaign;
    const n = spec.symbols.length;
    this.symbols = spec.symbols;
    this.generation = spec.generation;
    this.book = new BookTable(n, spec.campaign.fxRate);
    this.portfolio = new Portfolio(n, config.risk.maxOpenTradesPerSymbol);
    this.risk = new RiskLimits(config.risk, config.strategy.orderNotional, n);
    this.fills = new FillBuffer(spec.fillCapacity ?? DEFAULT_FILL_CAPACITY);
    this.symbolLatency = Array.from({ length: n }, () => new LatencyHistogram());
    this.ticksBySymbol = new Float64Array(n);
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
    );
  }

  /**
   * One market update: the per-tick path. Its latency (update in → decision out) is timed on a
   * random sample of ticks: a `performance.now()` pair costs about as much as the whole
   * decision, so timing every tick would halve throughput to measure it.
   */
  onQuote(instrument: number, bid: number, ask: number, ts: number): void {
    let x = this.sampler;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.sampler = x;
    if ((x & this.sampleMask) !== 0) {
      this.handleQuote(instrument, bid, ask, ts);
      return;
    }
    const started = performance.now();
    this.handleQuote(instrument, bid, ask, ts);
    const elapsed = performance.now() - started;
    this.latency.recordMs(elapsed);
    (this.symbolLatency[instrument >> 1] as LatencyHistogram).recordMs(elapsed);
  }

  private handleQuote(instrument: number, bid: number, ask: number, ts: number): void {
    const symbol = instrument >> 1;
    this.book.update(instrument, bid, ask, ts);
    this.ticksBySymbol[symbol]++;
    this.totalTicks++;
    if (this.book.hasBothSides(symbol)) this.decide(symbol, ts);
  }

  onFx(rate: number): void {
    this.book.fxRate = rate;
  }

  /**
   * Exits first (they always fire), then at most one entry for the symbol. Prices are compared
   * in venue A's currency (venue B's times the FX rate), which spares per-tick divisions.
   */
  private decide(symbol: number, ts: number): void {
    const fx = this.book.fxRate;
    const iA = symbol * 2;
    const bidA = this.book.bid[iA] as number;
    const askA = this.book.ask[iA] as number;
    const bidB = (this.book.bid[iA + 1] as number) * fx;
    const askB = (this.book.ask[iA + 1] as number) * fx;
    if ((this.portfolio.openCount[symbol] as number) > 0) this.checkExits(symbol, ts, bidA, askA, bidB, askB);
    if (clearsEntry(bidB, askA, this.entryFactor)) this.tryEnter(symbol, VENUE_A, ts);
    else if (clearsEntry(bidA, askB, this.entryFactor)) this.tryEnter(symbol, VENUE_B, ts);
  }

  /**
   * Marks each open trade of the symbol to the book (prices in venue A's currency here) and
   * closes it when a rule says so. The mark is plain floating point; the exact, rounded cash of
   * the exit legs is computed only for a trade that actually closes.
   */
  private checkExits(symbol: number, ts: number, bidA: number, askA: number, bidB: number, askB: number): void {
    const p = this.portfolio;
    const first = symbol * p.slotsPerSymbol;
    const fx = this.book.fxRate;
    for (let slot = first; slot < first + p.slotsPerSymbol; slot++) {
      if (p.open[slot] === 0) continue;
      const qty = p.qty[slot] as number;
      const boughtA = p.buyVenue[slot] === VENUE_A;
      // Exit legs: sell where we bought, buy back where we sold, each paying its taker fee.
      const exitValue = boughtA
        ? qty * (bidA * this.keepA - askB * this.payB)
        : qty * (bidB * this.keepB - askA * this.payA);
      const pnlBps = ((p.entryCashMicros[slot] as number) / MICROS + exitValue / fx) / (p.notional[slot] as number) * 1e4;
      const spread = boughtA ? midSpreadBps(bidB, askB, bidA, askA) : midSpreadBps(bidA, askA, bidB, askB);
      const reason = exitReason(pnlBps, spread, ts - (p.openedAt[slot] as number), this.exits);
      // With the ledger buffer full the exit waits for the next tick, after the runner's commit.
      if (reason !== NO_EXIT && this.fills.hasRoom(2)) this.execution.exit(slot, symbol, reason, ts, this.execution.exitCash(slot, symbol));
    }
  }

  private tryEnter(symbol: number, buyVenue: number, ts: number): void {
    let verdict = this.risk.check(this.portfolio, symbol, this.orderNotional);
    if (verdict === ALLOWED && !this.fills.hasRoom(2)) verdict = REJECT_LEDGER_FULL;
    if (verdict !== ALLOWED) {
      this.risk.reject(symbol, verdict);
      return;
    }
    this.execution.enter(symbol, buyVenue, this.portfolio.freeSlot(symbol), ts);
  }

  /** Closes every open trade at the current book (the campaign's end). */
  closeAll(ts: number): void {
    const p = this.portfolio;
    for (let slot = 0; slot < p.open.length; slot++) {
      if (p.open[slot] === 0) continue;
      const symbol = (slot / p.slotsPerSymbol) | 0;
      this.execution.exit(slot, symbol, REASON_CAMPAIGN_END, ts, this.execution.exitCash(slot, symbol));
    }
  }

  /** Open trades marked to the current book, after exit fees, in the reporting currency. */
  unrealizedPnl(): number {
    const p = this.portfolio;
    let micros = 0;
    for (let slot = 0; slot < p.open.length; slot++) {
      if (p.open[slot] === 1) micros += (p.entryCashMicros[slot] as number) + this.execution.exitCash(slot, (slot / p.slotsPerSymbol) | 0);
    }
    return micros / MICROS;
  }

  /** Ticks of one symbol over the shard's whole life, across generations. */
  symbolTicks(symbol: number): number {
    return (this.restoredTicksBySymbol[symbol] ?? 0) + (this.ticksBySymbol[symbol] as number);
  }

  /** Ticks over the shard's whole life, across generations. */
  ticks(): number {
    return this.restoredTicks + this.totalTicks;
  }

  /** Takes the buffered fills out as ledger records. */
  drainFills(): Fill[] {
    return this.fills.drain(this.symbols, this.generation);
  }

  /**
   * The resumable state. Call it right after `drainFills()`: the checkpoint covers every fill up
   * to `nextSeq - 1`, so committing both together keeps ledger and checkpoint in step.
   */
  checkpoint(feedState: Record<string, unknown>, writtenAt: number): Checkpoint {
    const p = this.portfolio;
    const openTrades: Checkpoint['openTrades'] = [];
    for (let slot = 0; slot < p.open.length; slot++) {
      if (p.open[slot] === 0) continue;
      openTrades.push({
        tradeId: p.tradeId[slot] as number,
        symbol: this.symbols[(slot / p.slotsPerSymbol) | 0] as string,
        buyVenue: p.buyVenue[slot] === VENUE_A ? 'A' : 'B',
        qty: p.qty[slot] as number,
        entryPriceA: p.entryPriceA[slot] as number,
        entryPriceB: p.entryPriceB[slot] as number,
        entryCashMicros: p.entryCashMicros[slot] as number,
        openedAt: p.openedAt[slot] as number,
      });
    }
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
        realizedPnlMicros: p.realizedMicros[i] as number,
      })),
      openTrades,
      feed: feedState,
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
      }
      for (const t of checkpoint.openTrades) {
        const symbol = symbolOf(t.symbol);
        const slot = p.freeSlot(symbol);
        if (slot < 0) throw new Error(`restore: more open trades on ${t.symbol} than maxOpenTradesPerSymbol allows`);
        p.occupy(slot, t.tradeId, t.buyVenue === 'A' ? VENUE_A : VENUE_B, t.qty, t.entryPriceA, t.entryPriceB, t.entryCashMicros, this.orderNotional, t.openedAt);
      }
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
      if (a.kind === 'OPEN') {
        const slot = p.freeSlot(symbol);
        if (slot < 0) throw new Error(`restore: trade ${a.tradeId} does not fit in ${a.symbol}'s open-trade slots`);
        p.openTrade(slot, a.tradeId, legA.side === 'BUY' ? VENUE_A : VENUE_B, a.qty, legA.price, legB.price, cash, this.orderNotional, a.ts);
      } else {
        const slot = p.slotOf(a.tradeId, symbol);
        if (slot < 0) throw new Error(`restore: ledger tail closes trade ${a.tradeId}, which is not open`);
        p.closeTrade(slot, cash);
      }
      this.fills.nextSeq = Math.max(this.fills.nextSeq, b.seq + 1, a.seq + 1);
    }
  }
}
