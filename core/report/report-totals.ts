/**
 * Totals per shard and for the whole campaign. What the ledger holds comes from the ledger, never
 * from an engine's word: trades opened and closed, fills per venue (`ledgerCountsOf`) and realised
 * P&L (`ledgerPnlMicros`), folded as the Trading section and `arbfleet trades` fold them; what a
 * heartbeat claimed for them is only compared with it, by the ledger check (`ledger-check.ts`, the
 * "Ledger exact" row). Only the engine can say how many ticks it took and how fast its loop was:
 * those come from its latest heartbeat (engines restore their counters from the checkpoint on
 * restart, so the latest heartbeat of the latest generation counts the shard's whole life) and the
 * renderers label them engine-reported. Latency follows `LATENCY_RULE`.
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
  const figures = ledgerFiguresOf(ledger, 'totals.realizedPnl.micros');
  return {
    ticks,
    ticksPerSec: perSecond(ticks, ranSec),
    ...figures.counts,
    realizedPnl: { micros: figures.pnlMicros, currency },
    latencyUs: shardLatency(history),
    peakRssBytes: peakRss,
    // Restarts that happened: an incident the shard failed on (a spent budget, bad input) raised no generation.
    restarts: shard.restarts.filter((r) => r.fromGeneration < shard.generation).length,
  };
}

/** What one shard's ledger holds, counted: trades opened and closed, fills per venue. */
export interface LedgerCounts {
  /** Trades in the ledger: the distinct `tradeId`s of its fills (a trade is its fills with one `tradeId`). */
  trades: number;
  /** Of which closed: a CLOSE leg of it is committed (the rule of `ledgerPnlMicros` and the agent's `closed-trades.ts`). */
  tradesClosed: number;
  /** Ledger rows on venue A, and on venue B (a duplicated row counts: the ledger check names it). */
  fillsA: number;
  fillsB: number;
}

/** Counts one shard's committed fills (`seq` order) into trades by the one fold (`foldTrades`). */
export function ledgerCountsOf(ledger: readonly Fill[]): LedgerCounts {
  return foldLedger(ledger).counts;
}

/**
 * Realised P&L of one shard's ledger in integer micro-units: `fillCashMicros` summed over every fill
 * of every closed trade (a trade: the fills of one `tradeId`; closed: it has a CLOSE leg), folded as
 * the Trading section and `arbfleet trades` fold them (`foldTrades`), so the three agree to the micro.
 */
export function ledgerPnlMicros(ledger: readonly Fill[]): Micros {
  return micros(foldLedger(ledger).pnl, 'totals.realizedPnl.micros');
}

/**
 * `ledgerCountsOf` and `ledgerPnlMicros` of one ledger from one fold over it (the shard totals and
 * the ledger check each read both: 17,236 fills for 3 months of 5-minute candles).
 * @param field names the P&L in the error when it is not a safe integer of micro-units.
 */
export function ledgerFiguresOf(ledger: readonly Fill[], field: string): { counts: LedgerCounts; pnlMicros: Micros } {
  const { counts, pnl } = foldLedger(ledger);
  return { counts, pnlMicros: micros(pnl, field) };
}

/** The counts and the P&L sum (micro-units, not yet checked) of one ledger, in one fold. */
function foldLedger(ledger: readonly Fill[]): { counts: LedgerCounts; pnl: number } {
  let fillsA = 0;
  const trades = foldTrades(
    { ledger },
    () => ({ closed: false, cash: 0 }),
    (t, fill) => {
      t.cash += fillCashMicros(fill);
      if (fill.venue === 'A') fillsA++;
      if (fill.kind === 'CLOSE') t.closed = true;
    },
  );
  let tradesClosed = 0;
  let pnl = 0;
  for (const t of trades) {
    if (!t.closed) continue;
    tradesClosed++;
    pnl += t.cash;
  }
  return { counts: { trades: trades.length, tradesClosed, fillsA, fillsB: ledger.length - fillsA }, pnl };
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
