/**
 * Continuous trading on the wall clock: the run is cut into consecutive 5-minute windows from the
 * campaign's start and each should see a trade open (an `OPEN` fill of some quantity in some shard's ledger). A
 * trailing stretch shorter than a window joins the window before it, so every window is judged on
 * at least five minutes; a run shorter than one window is judged as a single window. A
 * `clock: virtual` campaign is judged in recorded time instead (`trading-tail.ts`): its wall time
 * is seconds for days of data, one window that any single trade passes.
 */
import type { Fill } from '../model/fill.js';
import type { RunWindow } from './run-window.js';

/**
 * Whether `fill` opened a position: an `OPEN` leg that filled something. A leg sent that found
 * nothing to take is a fill of qty 0 (leg risk, `core/model/fill.ts`); an entry whose legs all
 * filled nothing traded nothing, so the trading rows do not count it as a trade opened.
 */
export function opensPosition(fill: Fill): boolean {
  return fill.kind === 'OPEN' && fill.qty > 0;
}

/** The length of a trade window. */
export const TRADE_WINDOW_SEC = 300;

/** Trades opened per window of the run. */
export interface TradeWindows {
  /** True when the run was shorter than one window and is judged as one. */
  shortRun: boolean;
  /** `OPEN` fills per window, in order; window `i` starts at `i × TRADE_WINDOW_SEC`. */
  openFills: number[];
}

/** Counts `OPEN` fills of `ledgers` per trade window of `window`, by `wallTs` (else `ts`); fills outside the run are ignored. */
export function tradeWindowsOf(window: RunWindow, ledgers: Iterable<readonly Fill[]>): TradeWindows {
  const count = Math.max(1, Math.floor(window.ranSec / TRADE_WINDOW_SEC));
  const openFills = new Array<number>(count).fill(0);
  for (const ledger of ledgers) {
    for (const fill of ledger) {
      // The run window is wall time: a fill's wall time of decision (its engine time is the recorded time of a replay).
      const at = fill.wallTs ?? fill.ts;
      if (!opensPosition(fill) || at < window.startMs || at > window.endMs) continue;
      const index = Math.min(count - 1, Math.floor((at - window.startMs) / (TRADE_WINDOW_SEC * 1000)));
      openFills[index] = (openFills[index] as number) + 1;
    }
  }
  return { shortRun: window.ranSec < TRADE_WINDOW_SEC, openFills };
}
