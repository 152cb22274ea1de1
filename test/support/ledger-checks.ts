import { fillCashMicros, type Fill } from '../../core/model/fill.js';

/** Groups fills by trade id, in ledger order. */
export function tradesOf(fills: readonly Fill[]): Map<number, Fill[]> {
  const trades = new Map<number, Fill[]>();
  for (const fill of fills) {
    const legs = trades.get(fill.tradeId) ?? [];
    legs.push(fill);
    trades.set(fill.tradeId, legs);
  }
  return trades;
}

/**
 * Realised P&L recomputed from the ledger alone, in micro-units: the cash of every fill of every
 * closed trade (four fills), each rounded by the published rule.
 */
export function realizedMicrosFromLedger(fills: readonly Fill[]): number {
  let total = 0;
  for (const legs of tradesOf(fills).values()) {
    if (legs.some((f) => f.kind === 'CLOSE')) for (const leg of legs) total += fillCashMicros(leg);
  }
  return total;
}
