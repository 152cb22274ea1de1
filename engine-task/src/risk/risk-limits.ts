import type { RiskConfig, StrategyConfig } from '../../../core/config/campaign-config.js';
import type { Portfolio } from '../portfolio/portfolio.js';

/**
 * Why an entry was refused (the keys of `Progress.refusals`). Every refusal is counted, never
 * silently dropped. The data gates come first: a quote or FX rate too old, or an FX jump not yet
 * confirmed (`FxGuard`); then the risk limits; then a full ledger buffer.
 */
export const REJECT_REASONS = [
  'max-open-trades',
  'symbol-open-trades',
  'symbol-notional',
  'ledger-full',
  'stale-quote-a',
  'stale-quote-b',
  'stale-fx',
  'fx-unconfirmed',
  'no-size',
  'legs-missed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const ALLOWED = -1;
export const REJECT_MAX_OPEN = 0;
export const REJECT_SYMBOL_OPEN = 1;
export const REJECT_SYMBOL_NOTIONAL = 2;
export const REJECT_LEDGER_FULL = 3;
/** Venue A's quote of the symbol is older than `strategy.maxQuoteAge` (event time). */
export const REJECT_STALE_QUOTE_A = 4;
export const REJECT_STALE_QUOTE_B = 5;
/** The FX rate is older than `strategy.maxFxAge` (a configured rate never ages). */
export const REJECT_STALE_FX = 6;
/** An FX jump beyond `strategy.fxJumpBps` waits for its confirmation. */
export const REJECT_FX_UNCONFIRMED = 7;
/** The execution model (`top-size`, `depth`) found no displayed size left on a venue at the decision (`execution/execution-model.ts`). */
export const REJECT_NO_SIZE = 8;
/** Both legs of a sent entry reached their venues after their latency and found nothing to take. */
export const REJECT_LEGS_MISSED = 9;

/** The data gates' bounds, ms (from `strategy.maxQuoteAge` and `strategy.maxFxAge`; Infinity when unbounded). */
export interface DataLimits {
  maxQuoteAgeMs: number;
  maxFxAgeMs: number;
}

export function dataLimitsOf(strategy: StrategyConfig): DataLimits {
  return { maxQuoteAgeMs: strategy.maxQuoteAge * 1000, maxFxAgeMs: strategy.maxFxAge === undefined ? Infinity : strategy.maxFxAge * 1000 };
}

/** Pre-trade checks: the data gates, overall and per-symbol open trades, and open notional per symbol. */
export class RiskLimits {
  readonly maxOpenTrades: number;
  readonly maxOpenPerSymbol: number;
  readonly maxNotionalPerSymbol: number;
  readonly maxQuoteAgeMs: number;
  readonly maxFxAgeMs: number;
  /** Refusals by reason code. */
  readonly rejected = new Float64Array(REJECT_REASONS.length);
  /** Refusals by symbol. */
  readonly rejectedBySymbol: Float64Array;
  totalRejected = 0;

  constructor(config: RiskConfig, orderNotional: number, symbolCount: number, data: DataLimits = { maxQuoteAgeMs: Infinity, maxFxAgeMs: Infinity }) {
    this.maxOpenTrades = config.maxOpenTrades;
    this.maxOpenPerSymbol = config.maxOpenTradesPerSymbol;
    this.maxNotionalPerSymbol = config.maxNotionalPerSymbol ?? orderNotional * config.maxOpenTradesPerSymbol;
    this.maxQuoteAgeMs = data.maxQuoteAgeMs;
    this.maxFxAgeMs = data.maxFxAgeMs;
    this.rejectedBySymbol = new Float64Array(symbolCount);
  }

  /**
   * `ALLOWED`, or the data gate an entry would break: quote ages of venue A and B and the FX
   * rate's age, ms of event time (a NaN FX age, the configured rate, never breaks the bound).
   * An age equal to the bound passes.
   */
  checkData(ageAMs: number, ageBMs: number, fxAgeMs: number, fxHeld: boolean): number {
    if (ageAMs > this.maxQuoteAgeMs) return REJECT_STALE_QUOTE_A;
    if (ageBMs > this.maxQuoteAgeMs) return REJECT_STALE_QUOTE_B;
    if (fxAgeMs > this.maxFxAgeMs) return REJECT_STALE_FX;
    if (fxHeld) return REJECT_FX_UNCONFIRMED;
    return ALLOWED;
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
    (this.rejected[reason] as number)++;
    (this.rejectedBySymbol[symbol] as number)++;
    this.totalRejected++;
  }

  /** Refusals by reason name, every reason listed (zeros included). */
  refusals(): Record<string, number> {
    const out: Record<string, number> = {};
    REJECT_REASONS.forEach((reason, i) => {
      out[reason] = this.rejected[i] as number;
    });
    return out;
  }

  /** Puts back refusals by reason a checkpoint kept; unknown reasons are ignored. */
  restoreRefusals(saved: Record<string, number>): void {
    REJECT_REASONS.forEach((reason, i) => {
      this.rejected[i] = saved[reason] ?? 0;
    });
  }
}
