/**
 * Totals per shard and for the whole campaign. Counters come from a shard's latest heartbeat:
 * engines restore their counters from the checkpoint on restart, so the latest heartbeat of the
 * latest generation counts the shard's whole life. Latency follows `LATENCY_RULE`. Realised P&L
 * is the ledger's (`ledgerPnlMicros`), never an engine's word: what a heartbeat claimed is only
 * compared with it, by the ledger check (`ledger-check.ts`, the "Ledger exact" row).
 */
import { type Fill, fillCashMicros, foldTrades } from '../model/fill.js';
import type { Heartbeat, ShardRecord } from '../model/records.js';
import { type Micros, micros, sumMicros } from '../model/units.js';
import { lastHeartbeatPerGeneration } from './heartbeat-history.js';
import type { LatencySummary, ReportTotals } from './report-schema.js';

/** The totals of one shard from its heartbeat history (oldest first) and its ledger (committed fills, in `seq` order). */
export function shardTotals(shard: ShardRecord, history: readonly Heartbeat[], ledger: readonly Fill[], ranSec: number, currency: string): ReportTotals {
  const latest = history.at(-1)?.progress;
  const ticks = latest?.ticks ?? 0;
  const peakRss = history.reduce((peak, h) => Math.max(peak, h.progress.rssBytes), shard.peakRssBytes);
  return {
    ticks,
    ticksPerSec: perSecond(ticks, ranSec),
    trades: latest?.trades ?? 0,
    tradesClosed: latest?.tradesClosed ?? 0,
    fillsA: latest?.fillsA ?? 0,
    fillsB: latest?.fillsB ?? 0,
    realizedPnl: { micros: ledgerPnlMicros(ledger), currency },
    latencyUs: shardLatency(history),
    peakRssBytes: peakRss,
    // Restarts that happened: an incident the shard failed on (a spent budget, bad input) raised no generation.
    restarts: shard.restarts.filter((r) => r.fromGeneration < shard.generation).length,
  };
}

/**
 * Realised P&L of one shard's ledger in integer micro-units: `fillCashMicros` summed over every fill
 * of every closed trade (a trade: the fills of one `tradeId`; closed: it has a CLOSE leg), folded as
 * the Trading section and `arbfleet trades` fold them (`foldTrades`), so the three agree to the micro.
 */
export function ledgerPnlMicros(ledger: readonly Fill[]): Micros {
  const trades = foldTrades(
    { ledger },
    () => ({ closed: false, cash: 0 }),
    (t, fill) => {
      t.cash += fillCashMicros(fill);
      if (fill.kind === 'CLOSE') t.closed = true;
    },
  );
  return micros(
    trades.reduce((total, t) => (t.closed ? total + t.cash : total), 0),
    'totals.realizedPnl.micros',
  );
}

/** The campaign's totals: counters summed, latency and peak RSS the highest of any shard. */
export function campaignTotals(shards: readonly ReportTotals[], ranSec: number, currency: string): ReportTotals {
  const sum = (pick: (t: ReportTotals) => number) => shards.reduce((total, t) => total + pick(t), 0);
  const highest = (pick: (t: ReportTotals) => number) => shards.reduce((top, t) => Math.max(top, pick(t)), 0);
  const ticks = sum((t) => t.ticks);
  return {
    ticks,
    ticksPerSec: perSecond(ticks, ranSec),
    trades: sum((t) => t.trades),
    tradesClosed: sum((t) => t.tradesClosed),
    fillsA: sum((t) => t.fillsA),
    fillsB: sum((t) => t.fillsB),
    // An integer sum of integer micro-units: exact, whatever the number of shards.
    realizedPnl: {
      micros: sumMicros(
        shards.map((t) => t.realizedPnl.micros),
        'totals.realizedPnl.micros',
      ),
      currency,
    },
    latencyUs: {
      p50: highest((t) => t.latencyUs.p50),
      p99: highest((t) => t.latencyUs.p99),
      max: highest((t) => t.latencyUs.max),
    },
    peakRssBytes: highest((t) => t.peakRssBytes),
    restarts: sum((t) => t.restarts),
  };
}

/** p50/p99: highest over the generations' last heartbeats; max: highest any heartbeat reported. */
function shardLatency(history: readonly Heartbeat[]): LatencySummary {
  const finals = lastHeartbeatPerGeneration(history);
  return {
    p50: Math.max(0, ...finals.map((h) => h.progress.latencyP50Us)),
    p99: Math.max(0, ...finals.map((h) => h.progress.latencyP99Us)),
    max: history.reduce((top, h) => Math.max(top, h.progress.latencyMaxUs), 0),
  };
}

function perSecond(count: number, seconds: number): number {
  return seconds > 0 ? Math.round((count / seconds) * 1000) / 1000 : 0;
}
