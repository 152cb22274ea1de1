/**
 * The arbitrage arithmetic, as small pure functions the engine calls per tick (V8 inlines them).
 * All prices here are already in the reporting currency (venue B's quote).
 */
import {
  REASON_MAX_HOLDING,
  REASON_REVERSION,
  REASON_STOP_LOSS,
  REASON_TAKE_PROFIT,
} from '../ledger/fill-buffer.js';

export const NO_EXIT = -1;

/** Converts a venue-A price into the reporting currency (`fxRate` = A's units per B's unit). */
export function toReporting(priceA: number, fxRate: number): number {
  return priceA / fxRate;
}

/** The edge of buying at `askBuy` and selling at `bidSell` at once, in bps of the purchase, net of both legs' fees. */
export function netEdgeBps(bidSell: number, askBuy: number, feesBps: number): number {
  return ((bidSell - askBuy) / askBuy) * 1e4 - feesBps;
}

/** The mid-to-mid spread of the rich venue over the cheap one, in bps of the cheap one. */
export function midSpreadBps(bidRich: number, askRich: number, bidCheap: number, askCheap: number): number {
  const cheap = (bidCheap + askCheap) / 2;
  return (((bidRich + askRich) / 2 - cheap) / cheap) * 1e4;
}

/** Thresholds of the exit rule (from the strategy config, holding time in ms). */
export interface ExitThresholds {
  exitBps: number;
  takeProfitBps: number;
  stopLossBps: number;
  maxHoldingMs: number;
}

/**
 * Why an open trade should close now, or `NO_EXIT`. The stop-loss is checked first, then the
 * take-profit, the reversion of the spread, and last the holding time, which guarantees every
 * trade closes: exits always fire.
 */
export function exitReason(pnlBps: number, spreadBps: number, heldMs: number, t: ExitThresholds): number {
  if (pnlBps <= -t.stopLossBps) return REASON_STOP_LOSS;
  if (pnlBps >= t.takeProfitBps) return REASON_TAKE_PROFIT;
  if (spreadBps <= t.exitBps) return REASON_REVERSION;
  if (heldMs >= t.maxHoldingMs) return REASON_MAX_HOLDING;
  return NO_EXIT;
}
