import { getHeapStatistics } from 'node:v8';
import type { Progress, SymbolProgress, VenueQuality } from '../../../core/model/progress.js';
import { epochMs, micros } from '../../../core/model/units.js';
import { QUALITY_A, QUALITY_B, QUALITY_FX } from '../book/quote-quality.js';
import type { Engine } from '../engine.js';
import type { LatencyHistogram } from '../latency/latency-histogram.js';
import type { Logger } from '../../../core/log.js';

/** Memory of the process, for heartbeats (injected so tests can fake a leak or a fixed size). */
export type MemoryProbe = () => { rssBytes: number; heapUsedBytes: number };

/**
 * The process's resident set and V8's used heap, each read on its own: `process.memoryUsage()`
 * also totals external and array-buffer memory, which cost about 0.5 ms a call in a running engine
 * (100 ms over a backtest's 200 heartbeats; `rss()` and the heap statistics 0.02 ms together).
 */
export const processMemory: MemoryProbe = () => ({ rssBytes: process.memoryUsage.rss(), heapUsedBytes: getHeapStatistics().used_heap_size });

/** Updates a feed skipped before they reached the engine, by reason, for one venue. */
export interface FeedSkips {
  skipped: Readonly<Record<string, number>>;
}

/**
 * The feed's own skip counts per venue (`a`, `b`, `fx`), merged into `Progress.venues` beside the
 * engine's. A feed counts what it skips itself (a malformed frame, a crossed line it drops); the
 * engine counts what reached it and was unusable; nothing is counted twice.
 */
export type FeedQuality = () => { a?: FeedSkips; b?: FeedSkips; fx?: FeedSkips } | undefined;

/**
 * The feed's quality provider, if it has one: a `quality()` method, or a live feed's
 * `venueStates()` (whose per-venue states carry `skipped`). Undefined for feeds that skip nothing.
 */
export function feedQualityOf(feed: object): FeedQuality | undefined {
  const f = feed as { quality?: FeedQuality; venueStates?: FeedQuality };
  if (typeof f.quality === 'function') return () => f.quality?.call(feed);
  if (typeof f.venueStates === 'function') return () => f.venueStates?.call(feed);
  return undefined;
}

/**
 * Turns the engine's counters into heartbeat progress and per-symbol monitor lines (the seed
 * report's `[D74-3_MONITOR]` lines, with latency, premium and quote ages), plus one data-quality
 * line per monitor turn. Runs on the runner's timers, never per tick.
 */
export class ShardMonitor {
  private lastTicks: number;
  private lastAt: number;
  private readonly lastSymbolTicks: Float64Array;
  private ticksPerSec = 0;

  constructor(
    private readonly engine: Engine,
    private readonly startedAt: number,
    private readonly memory: MemoryProbe = processMemory,
    private readonly feedQuality?: FeedQuality,
  ) {
    this.lastTicks = engine.ticks();
    this.lastAt = startedAt;
    this.lastSymbolTicks = Float64Array.from(engine.ticksBySymbol);
  }

  /** The heartbeat payload at `now`. */
  progress(now: number, lastFillSeq: number): Progress {
    const e = this.engine;
    const p = e.portfolio;
    const ticks = e.ticks();
    const seconds = (now - this.lastAt) / 1000;
    if (seconds > 0) {
      this.ticksPerSec = (ticks - this.lastTicks) / seconds;
      this.lastTicks = ticks;
      this.lastAt = now;
    }
    const mem = this.memory();
    return {
      at: epochMs(now, 'progress.at'),
      uptimeSec: Math.max(0, (now - this.startedAt) / 1000),
      ticks,
      ticksPerSec: round(this.ticksPerSec),
      trades: p.totalTrades,
      tradesClosed: p.totalClosed,
      openTrades: p.totalOpen,
      fillsA: p.fillsA,
      fillsB: p.fillsB,
      lastFillSeq,
      rejectedEntries: e.risk.totalRejected,
      realizedPnlMicros: micros(p.realizedTotalMicros, 'progress.realizedPnlMicros'),
      unrealizedPnlMicros: micros(e.unrealizedPnlMicros(), 'progress.unrealizedPnlMicros'),
      latencyP50Us: round(e.latency.quantileUs(0.5)),
      latencyP99Us: round(e.latency.quantileUs(0.99)),
      latencyMaxUs: round(e.latency.maxNs / 1000),
      rssBytes: mem.rssBytes,
      heapUsedBytes: mem.heapUsedBytes,
      symbols: this.symbols(),
      venues: this.venues(),
      refusals: e.risk.refusals(),
      staleCloses: e.staleCloses,
    };
  }

  symbols(): SymbolProgress[] {
    const e = this.engine;
    const p = e.portfolio;
    return e.symbols.map((symbol, i) => ({
      symbol,
      ticks: e.symbolTicks(i),
      trades: p.trades[i] as number,
      openTrades: p.openCount[i] as number,
      realizedPnlMicros: micros(p.realizedMicros[i] as number, 'progress.symbols[].realizedPnlMicros'),
      latencyP99Us: round((e.symbolLatency[i] as LatencyHistogram).quantileUs(0.99)),
      ...this.premium(i),
    }));
  }

  /** Per venue: the engine's counts, with the feed's own skips added reason by reason. */
  venues(): NonNullable<Progress['venues']> {
    const e = this.engine;
    const feed = this.feedQuality?.();
    return {
      a: merge(e.venueQuality(QUALITY_A), feed?.a),
      b: merge(e.venueQuality(QUALITY_B), feed?.b),
      fx: merge(e.venueQuality(QUALITY_FX), feed?.fx),
    };
  }

  /** Premium, baseline and deviation of one symbol, bps (rounded to 0.001); fields absent while unknown. */
  private premium(symbol: number): Pick<SymbolProgress, 'premiumBps' | 'baselineBps' | 'deviationBps'> {
    const premium = this.engine.premiumBps(symbol);
    const baseline = this.engine.baselineBps(symbol);
    return {
      ...(Number.isFinite(premium) ? { premiumBps: round(premium) } : {}),
      ...(Number.isFinite(baseline) ? { baselineBps: round(baseline) } : {}),
      ...(Number.isFinite(premium) && Number.isFinite(baseline) ? { deviationBps: round(premium - baseline) } : {}),
    };
  }

  /**
   * Logs one monitor line per symbol (ticks, trades, elapsed, ticks/s over the interval, latency
   * p50/p99, premium/baseline/deviation in bps, each venue's quote age in s at `now`) and one
   * `data quality` line (per venue: updates, last update age, skipped by reason, what quotes are
   * aged by and the arrival lag against the venue's clock, `lagFields`; refusals by reason;
   * closes on stale quotes). Quote ages are by exchange time where the venue gives one.
   */
  logSymbols(log: Logger, now: number, intervalSec: number): void {
    const e = this.engine;
    const elapsedSec = round((now - this.startedAt) / 1000);
    e.symbols.forEach((symbol, i) => {
      const ticks = e.ticksBySymbol[i] as number;
      const histogram = e.symbolLatency[i];
      log.log('info', 'monitor', {
        symbol,
        ticks: e.symbolTicks(i),
        trades: e.portfolio.trades[i] as number,
        open: e.portfolio.openCount[i] as number,
        elapsedSec,
        ticksPerSec: round((ticks - (this.lastSymbolTicks[i] as number)) / intervalSec),
        p50Us: round(histogram?.quantileUs(0.5) ?? 0),
        p99Us: round(histogram?.quantileUs(0.99) ?? 0),
        ...this.premium(i),
        ...ageField('quoteAgeASec', now, e.book.updatedAt[i * 2] as number),
        ...ageField('quoteAgeBSec', now, e.book.updatedAt[i * 2 + 1] as number),
      });
      this.lastSymbolTicks[i] = ticks;
    });
    const venues = this.venues();
    const line = (v: VenueQuality) => ({
      updates: v.updates,
      ...(v.lastUpdateAt === undefined ? {} : ageField('ageSec', now, v.lastUpdateAt)),
      skipped: nonZero(v.skipped),
      ...lagFields(v),
    });
    log.log('info', 'data quality', {
      a: line(venues.a),
      b: line(venues.b),
      fx: line(venues.fx),
      refusals: nonZero(e.risk.refusals()),
      staleCloses: e.staleCloses,
    });
  }
}

function merge(engine: VenueQuality, feed: FeedSkips | undefined): VenueQuality {
  if (!feed) return engine;
  const skipped = { ...engine.skipped };
  for (const [reason, n] of Object.entries(feed.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
  return { ...engine, skipped };
}

/**
 * A venue's arrival lag for the monitor line, when its updates carried exchange times
 * (`VenueLag`): `timeBy: 'exchange'` (its quotes are aged by the venue's own time), lag
 * p50/p99/max and the clock offset estimate (ms), late frames and bursts. Nothing for a venue
 * that gave none (aged by arrival live, by recorded time in a replay), but late counts a
 * checkpoint kept.
 */
function lagFields(v: VenueQuality): Record<string, string | number> {
  const lag = v.lag;
  if (!lag) return {};
  if (lag.samples === 0) return { lateFrames: lag.lateFrames, lateBursts: lag.lateBursts };
  return {
    timeBy: 'exchange',
    lagP50Ms: round(lag.p50Ms ?? 0),
    lagP99Ms: round(lag.p99Ms ?? 0),
    lagMaxMs: round(lag.maxMs ?? 0),
    ...(lag.clockOffsetMs === undefined ? {} : { clockOffsetMs: round(lag.clockOffsetMs) }),
    lateFrames: lag.lateFrames,
    lateBursts: lag.lateBursts,
  };
}

function ageField(name: string, now: number, at: number): Record<string, number> {
  return at > 0 ? { [name]: round((now - at) / 1000) } : {};
}

function nonZero(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
