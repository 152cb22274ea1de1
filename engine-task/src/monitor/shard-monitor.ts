import { MICROS } from '../../../core/model/fill.js';
import type { Progress, SymbolProgress } from '../../../core/model/progress.js';
import type { Engine } from '../engine.js';
import type { LatencyHistogram } from './latency-histogram.js';
import type { Logger } from '../../../core/log.js';

/** Memory of the process, for heartbeats (injected so tests can fake a leak or a fixed size). */
export type MemoryProbe = () => { rssBytes: number; heapUsedBytes: number };

export const processMemory: MemoryProbe = () => {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
};

/**
 * Turns the engine's counters into heartbeat progress and per-symbol monitor lines (the seed
 * report's `[D74-3_MONITOR]` lines, with latency). Runs on the runner's timers, never per tick.
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
      at: now,
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
      realizedPnl: round(p.realizedTotal()),
      realizedPnlMicros: p.realizedTotalMicros,
      unrealizedPnl: round(e.unrealizedPnl()),
      latencyP50Us: round(e.latency.quantileUs(0.5)),
      latencyP99Us: round(e.latency.quantileUs(0.99)),
      latencyMaxUs: round(e.latency.maxNs / 1000),
      rssBytes: mem.rssBytes,
      heapUsedBytes: mem.heapUsedBytes,
      symbols: this.symbols(),
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
      realizedPnl: round((p.realizedMicros[i] as number) / MICROS),
      latencyP99Us: round((e.symbolLatency[i] as LatencyHistogram).quantileUs(0.99)),
    }));
  }

  /** Logs one monitor line per symbol: ticks, trades, elapsed, ticks/s over the interval, latency p50/p99. */
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
      });
      this.lastSymbolTicks[i] = ticks;
    });
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
