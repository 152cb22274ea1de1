/**
 * `npm run bench -- --execution top,top-size,depth`: the engine's per-tick cost under each
 * execution model (issue 19), in one run on the same seeded market: the synthetic feed's quotes,
 * each given a recorded-looking book of `LEVELS` levels a side (sizes from a fixed table, prices one
 * tick apart) handed to the engine by `onLevels` before its quote, as the replay feed does with
 * Upbit's 15 units. The engine is driven directly (no runner): ticks per wall and per CPU second
 * (the latter steadier on a loaded machine), p50/p99 of the sampled tick latency, trades, and the share of entry legs the sizes cut short.
 */
import { performance } from 'node:perf_hooks';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import type { ExecutionModel } from '../../core/config/campaign-config.js';
import type { QuoteSink } from '../../core/data/market-feed.js';
import { emptyRecord } from '../../core/data/quote-record.js';
import { Engine } from '../src/engine.js';
import { SyntheticFeed } from '../src/feed/synthetic-feed.js';

/** Levels a side of the synthetic books (Upbit's order book sends 15). */
export const LEVELS = 15;

export interface ExecutionBenchRow {
  model: ExecutionModel;
  latencyMs: number;
  symbols: number;
  ticks: number;
  ticksPerSec: number;
  /** Ticks per second of this process's CPU time: steadier than wall time on a shared, loaded machine. */
  ticksPerCpuSec: number;
  p50Us: number;
  p99Us: number;
  trades: number;
  /** Entry legs that filled less than the strategy's order quantity, over all entry legs. */
  shortEntryShare: number;
}

/** Runs `ticks` updates of the campaign's synthetic market through an engine under `model` (latency on both venues). */
export function benchExecutionModel(base: Campaign, model: ExecutionModel, latencyMs: number, ticks: number): ExecutionBenchRow {
  const campaign: Campaign = { ...base, config: { ...base.config, execution: { model, latency: { a: latencyMs / 1000, b: latencyMs / 1000 } } } };
  const symbols = campaign.symbols.map((s) => s.base);
  const start = Date.UTC(2026, 0, 1);
  const feed = new SyntheticFeed(campaign.config.feed as never, campaign.symbols, campaign.fxRate, start);
  const engine = new Engine({ campaign, symbols, generation: 0, wallClock: () => start });
  const record = emptyRecord();
  record.bidLevels = LEVELS;
  record.askLevels = LEVELS;
  // Sizes worth 0.3 to 3 orders a level (in the venue's own currency: venue A quotes KRW at the campaign's FX rate), so they bind now and then.
  const factors = Float64Array.from({ length: LEVELS }, (_, k) => 0.3 * (1 + ((k * 7) % 10)));
  const orderA = campaign.config.strategy.orderNotional * campaign.fxRate;
  const orderB = campaign.config.strategy.orderNotional;
  const sink: QuoteSink = {
    onQuote(instrument, bid, ask, ts) {
      const step = bid * 1e-5;
      const units = ((instrument & 1) === 0 ? orderA : orderB) / bid;
      for (let k = 0; k < LEVELS; k++) {
        record.bidPx[k] = bid - k * step;
        record.askPx[k] = ask + k * step;
        record.bidSz[k] = (factors[k] as number) * units;
        record.askSz[k] = (factors[LEVELS - 1 - k] as number) * units;
      }
      engine.onLevels(instrument, record);
      engine.onQuote(instrument, bid, ask, ts);
    },
    onFx(rate, ts) {
      engine.onFx(rate, ts);
    },
  };
  let entries = 0;
  let short = 0;
  const drain = () => {
    for (const f of engine.drainFills()) {
      if (f.kind !== 'OPEN') continue;
      entries++;
      if (f.orderedQty !== undefined && f.qty < f.orderedQty * (1 - 1e-9)) short++;
    }
  };
  // Warm-up, thrown away.
  for (let done = 0; done < Math.min(1_000_000, ticks / 10); ) {
    done += feed.emitUntil(Infinity, 8192, sink);
    engine.onTimer(feed.nextTickAt());
    engine.drainFills();
  }
  engine.latency.reset();
  const ticksBefore = engine.ticks();
  const tradesBefore = engine.portfolio.totalTrades;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let done = 0; done < ticks; ) {
    done += feed.emitUntil(Infinity, 8192, sink);
    engine.onTimer(feed.nextTickAt());
    drain();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const measured = engine.ticks() - ticksBefore;
  return {
    model,
    latencyMs,
    symbols: symbols.length,
    ticks: measured,
    ticksPerSec: Math.round(measured / seconds),
    ticksPerCpuSec: Math.round(measured / cpuSeconds),
    p50Us: engine.latency.quantileUs(0.5),
    p99Us: engine.latency.quantileUs(0.99),
    trades: engine.portfolio.totalTrades - tradesBefore,
    shortEntryShare: entries === 0 ? 0 : Math.round((short / entries) * 1000) / 1000,
  };
}

export function executionTable(rows: readonly ExecutionBenchRow[]): string {
  const lines = [
    ['model', 'latency ms', 'symbols', 'ticks', 'ticks/s', 'ticks/CPU s', 'CPU vs top', 'p50 µs', 'p99 µs', 'trades', 'entry legs short'],
    ...rows.map((r) => {
      const top = rows.find((x) => x.model === 'top' && x.latencyMs === r.latencyMs);
      return [
        r.model,
        String(r.latencyMs),
        String(r.symbols),
        r.ticks.toLocaleString('en-US'),
        r.ticksPerSec.toLocaleString('en-US'),
        r.ticksPerCpuSec.toLocaleString('en-US'),
        top ? `${((r.ticksPerCpuSec / top.ticksPerCpuSec) * 100).toFixed(1)} %` : '-',
        r.p50Us.toFixed(3),
        r.p99Us.toFixed(3),
        String(r.trades),
        `${(r.shortEntryShare * 100).toFixed(1)} %`,
      ];
    }),
  ];
  const widths = (lines[0] as string[]).map((_, c) => Math.max(...lines.map((l) => (l[c] as string).length)));
  return lines.map((l) => l.map((cell, c) => cell.padStart(widths[c] as number)).join('  ')).join('\n');
}
