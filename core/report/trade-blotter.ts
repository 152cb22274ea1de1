/**
 * The trades behind the totals (pure, from the ledgers): one row per trade (the blotter), P&L per
 * symbol, and the risk figures a desk reads first (profit factor, a per-trade Sharpe ratio).
 * Money is summed in integer micro-units (`fillCashMicros`, `Micros`); floats appear only in ratios.
 */
import { type Fill, fillCashMicros, foldTrades, MICROS } from '../model/fill.js';
import { micros } from '../model/units.js';
import type { RiskFigures, SymbolPnlRow, TradeRow } from './trading-schema.js';

/** The rules behind these figures, for the report's notes. */
export const BLOTTER_NOTES = [
  'Trades and P&L per symbol: a trade is its fills with one (shard, tradeId); its P&L is the integer sum of fillCashMicros over its legs, ' +
    "a symbol's P&L the integer sum over its closed trades; best and worst are its highest and lowest trade P&L. Quote ages at entry are " +
    "eventTs − quoteTsA and eventTs − quoteTsB of the OPEN fills (the older leg's), absent for fills recorded before quote times were. " +
    "Filled A / B: each venue's entry quantity, 'of' its order when it filled less (Fill.orderedQty); a leg that filled 0 has no price. " +
    'Unhedged: the entry legs filled different quantities (leg risk: one venue missed or filled part), so |qty A − qty B| on the venue that ' +
    'filled more was a bare position and part of the P&L is its move, not the spread (quantities equal within 1e-9 of the larger are hedged).',
  "Profit factor = gross profit / gross loss over closed trades (sums of the winning and, as a positive number, the losing trades' P&L); " +
    '∞ when there is no losing trade but a profit, n/a without a closed trade or with neither profit nor loss.',
  "Sharpe (per trade, not annualised) = mean(r) / s(r) over the closed trades, where r = trade P&L / entry notional (venue B's OPEN leg, " +
    'qty × price, reporting currency) and s the sample standard deviation (n − 1); no risk-free rate is subtracted; n/a below 2 trades or when every r is equal. ' +
    "Sampled per trade, not per unit of time, so it does not scale with the run's length: multiply by √(trades per year) to annualise.",
];

/**
 * Two legs' quantities agree within this share of the larger (relative): the engine sums a leg's levels
 * in floating point, so two legs sent for the same quantity may differ in the last place.
 */
export const UNHEDGED_TOLERANCE = 1e-9;

/** The venue whose entry leg filled more and by how much, or null when the two agree (or a leg is not in the ledger). */
function unhedgedOf(qtyA: number | null, qtyB: number | null): TradeRow['unhedged'] {
  if (qtyA === null || qtyB === null) return null;
  const gap = Math.abs(qtyA - qtyB);
  if (gap <= UNHEDGED_TOLERANCE * Math.max(qtyA, qtyB)) return null;
  return { venue: qtyA > qtyB ? 'A' : 'B', qty: gap };
}

/** Each trade in the ledgers: closed trades in close order (close ts, shard, tradeId), then open ones by entry. */
export function tradeRowsOf(ledgers: Readonly<Record<string, readonly Fill[]>>): TradeRow[] {
  const rows = foldTrades<Omit<TradeRow, 'pnlMicros'> & { pnlMicros: number; notionalMicros: number }>(
    ledgers,
    (shardId, fill) => ({
      shardId,
      symbol: fill.symbol,
      tradeId: fill.tradeId,
      direction: 'sell-a-buy-b',
      openedAt: Infinity,
      closedAt: null,
      entryA: null,
      entryB: null,
      exitA: null,
      exitB: null,
      qtyA: null,
      qtyB: null,
      orderedQtyA: null,
      orderedQtyB: null,
      unhedged: null,
      quoteAgeASec: null,
      quoteAgeBSec: null,
      exitReason: null,
      pnlMicros: 0,
      returnOnNotional: null,
      notionalMicros: 0,
    }),
    (t, fill) => {
      t.pnlMicros += fillCashMicros(fill);
      if (fill.kind === 'OPEN') {
        t.openedAt = Math.min(t.openedAt, fill.ts);
        const price = fill.qty > 0 ? fill.price : null;
        const ordered = fill.orderedQty ?? null;
        if (fill.venue === 'A') {
          t.entryA = price;
          t.qtyA = fill.qty;
          t.orderedQtyA = ordered;
          t.direction = fill.side === 'SELL' ? 'sell-a-buy-b' : 'buy-a-sell-b';
        } else {
          t.entryB = price;
          t.qtyB = fill.qty;
          t.orderedQtyB = ordered;
          t.notionalMicros = fill.qty * fill.price * MICROS;
        }
        const decidedAt = fill.eventTs ?? fill.ts;
        if (fill.quoteTsA !== undefined) t.quoteAgeASec = Math.max(t.quoteAgeASec ?? -Infinity, (decidedAt - fill.quoteTsA) / 1000);
        if (fill.quoteTsB !== undefined) t.quoteAgeBSec = Math.max(t.quoteAgeBSec ?? -Infinity, (decidedAt - fill.quoteTsB) / 1000);
      } else {
        t.closedAt = Math.max(t.closedAt ?? -Infinity, fill.ts);
        t.exitReason = fill.reason;
        const price = fill.qty > 0 ? fill.price : null;
        if (fill.venue === 'A') t.exitA = price;
        else t.exitB = price;
      }
    },
  );
  const closed = rows.filter((t) => t.closedAt !== null);
  closed.sort((x, y) => (x.closedAt as number) - (y.closedAt as number) || x.shardId.localeCompare(y.shardId) || x.tradeId - y.tradeId);
  const open = rows.filter((t) => t.closedAt === null);
  open.sort((x, y) => x.openedAt - y.openedAt || x.shardId.localeCompare(y.shardId) || x.tradeId - y.tradeId);
  return [...closed, ...open].map(({ notionalMicros, ...row }) => {
    const t = { ...row, unhedged: unhedgedOf(row.qtyA, row.qtyB) };
    if (t.closedAt === null) return { ...t, pnlMicros: null };
    const pnl = micros(t.pnlMicros, 'trades[].pnlMicros');
    return { ...t, pnlMicros: pnl, returnOnNotional: notionalMicros > 0 ? pnl / notionalMicros : null };
  });
}

/** Closed trades per symbol, highest P&L first (then symbol): counts, win rate, exact P&L, best and worst trade. */
export function symbolPnlOf(trades: readonly TradeRow[]): SymbolPnlRow[] {
  const bySymbol = new Map<string, { symbol: string; trades: number; wins: number; pnlMicros: number; bestMicros: number; worstMicros: number }>();
  for (const t of trades) {
    if (t.pnlMicros === null) continue;
    const row = bySymbol.get(t.symbol) ?? { symbol: t.symbol, trades: 0, wins: 0, pnlMicros: 0, bestMicros: t.pnlMicros, worstMicros: t.pnlMicros };
    row.trades++;
    if (t.pnlMicros > 0) row.wins++;
    row.pnlMicros += t.pnlMicros;
    row.bestMicros = Math.max(row.bestMicros, t.pnlMicros);
    row.worstMicros = Math.min(row.worstMicros, t.pnlMicros);
    bySymbol.set(t.symbol, row);
  }
  return [...bySymbol.values()]
    .map((r) => ({
      ...r,
      winRate: r.wins / r.trades,
      pnlMicros: micros(r.pnlMicros, 'bySymbol[].pnlMicros'),
      bestMicros: micros(r.bestMicros, 'bySymbol[].bestMicros'),
      worstMicros: micros(r.worstMicros, 'bySymbol[].worstMicros'),
    }))
    .sort((x, y) => y.pnlMicros - x.pnlMicros || x.symbol.localeCompare(y.symbol));
}

/**
 * Profit factor and the per-trade Sharpe ratio of the closed trades (formulas in `BLOTTER_NOTES`):
 * PF = Σ max(pnl, 0) / Σ max(−pnl, 0), in integer micros until the division;
 * Sharpe = mean(r) / sqrt(Σ (r − mean)² / (n − 1)), r = pnlMicros / entry-notional micros, not annualised.
 */
export function riskFiguresOf(trades: readonly TradeRow[]): RiskFigures {
  let grossProfitMicros = 0;
  let grossLossMicros = 0;
  let closed = 0;
  const returns: number[] = [];
  for (const t of trades) {
    if (t.pnlMicros === null) continue;
    closed++;
    if (t.pnlMicros > 0) grossProfitMicros += t.pnlMicros;
    else grossLossMicros -= t.pnlMicros;
    if (t.returnOnNotional !== null) returns.push(t.returnOnNotional);
  }
  const n = returns.length;
  let sharpePerTrade: number | null = null;
  if (n >= 2) {
    const mean = returns.reduce((s, r) => s + r, 0) / n;
    const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1);
    sharpePerTrade = variance > 0 ? mean / Math.sqrt(variance) : null;
  }
  return {
    grossProfitMicros: micros(grossProfitMicros, 'risk.grossProfitMicros'),
    grossLossMicros: micros(grossLossMicros, 'risk.grossLossMicros'),
    profitFactor: grossLossMicros > 0 ? grossProfitMicros / grossLossMicros : null,
    profitFactorNote: grossLossMicros > 0 ? null : closed === 0 ? 'no-trade' : 'no-loss',
    sharpePerTrade,
    sharpeSamples: n,
  };
}
