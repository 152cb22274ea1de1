/**
 * The arbitrage arithmetic, as small pure functions the engine calls per tick (V8 inlines them).
 * Prices within one call are in one currency; venue A's are converted by the caller.
 */
import { REASON_MAX_HOLDING, REASON_REVERSION, REASON_STOP_LOSS, REASON_TAKE_PROFIT } from '../ledger/fill-buffer.js';

export const NO_EXIT = -1;

/** The gross edge an entry needs, as a fraction: (entryBps + both venues' taker fees) / 10⁴. */
export function entryFactor(entryBps: number, feesBps: number): number {
  return (entryBps + feesBps) / 1e4;
}

/**
 * Whether buying at `askBuy` and selling at `bidSell` at once clears the entry threshold: the
 * edge net of both legs' fees, `(bidSell − askBuy) / askBuy − fees`, is at least `entryBps`.
 * Both prices in one currency (any: the test is a ratio); multiplied out, so no division per tick.
 */
export function clearsEntry(bidSell: number, askBuy: number, factor: number): boolean {
  return bidSell - askBuy >= askBuy * factor;
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
