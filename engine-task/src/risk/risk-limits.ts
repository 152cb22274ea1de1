import type { RiskConfig } from '../../../core/config/campaign-config.js';
import type { Portfolio } from '../portfolio/portfolio.js';

/** Why an entry was refused. Every refusal is counted, never silently dropped. */
export const REJECT_REASONS = ['MAX_OPEN_TRADES', 'SYMBOL_OPEN_TRADES', 'SYMBOL_NOTIONAL', 'LEDGER_FULL'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const ALLOWED = -1;
export const REJECT_MAX_OPEN = 0;
export const REJECT_SYMBOL_OPEN = 1;
export const REJECT_SYMBOL_NOTIONAL = 2;
export const REJECT_LEDGER_FULL = 3;

/** Pre-trade risk checks: overall and per-symbol open trades, and open notional per symbol. */
export class RiskLimits {
  readonly maxOpenTrades: number;
  readonly maxOpenPerSymbol: number;
  readonly maxNotionalPerSymbol: number;
  /** Refusals by reason code. */
  readonly rejected = new Float64Array(REJECT_REASONS.length);
  /** Refusals by symbol. */
  readonly rejectedBySymbol: Float64Array;
  totalRejected = 0;

  constructor(config: RiskConfig, orderNotional: number, symbolCount: number) {
    this.maxOpenTrades = config.maxOpenTrades;
    this.maxOpenPerSymbol = config.maxOpenTradesPerSymbol;
    this.maxNotionalPerSymbol = config.maxNotionalPerSymbol ?? orderNotional * config.maxOpenTradesPerSymbol;
    this.rejectedBySymbol = new Float64Array(symbolCount);
  }

  /** `ALLOWED`, or the code of the first limit an entry of `notional` on `symbol` would break. */
  check(portfolio: Portfolio, symbol: number, notional: number): number {
    if (portfolio.totalOpen >= this.maxOpenTrades) return REJECT_MAX_OPEN;
    if ((portfolio.openCount[symbol] as number) >= this.maxOpenPerSymbol) return REJECT_SYMBOL_OPEN;
    if ((portfolio.openNotional[symbol] as number) + notional > this.maxNotionalPerSymbol * (1 + 1e-12)) return REJECT_SYMBOL_NOTIONAL;
    return ALLOWED;
  }

  /** Counts a refusal. */
  reject(symbol: number, reason: number): void {
    this.rejected[reason]++;
    this.rejectedBySymbol[symbol]++;
    this.totalRejected++;
  }
}
