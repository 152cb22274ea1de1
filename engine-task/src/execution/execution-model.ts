import type { ExecutionConfig, ExecutionModel } from '../../../core/config/campaign-config.js';
import { MAX_BOOK_LEVELS } from '../../../core/data/quote-record.js';

/**
 * The paper execution models (issue 19), the one place their rules live. Anchors: nautilus_trader's
 * fill models (market orders walk the recorded L2 levels; `liquidity_consumption` remembers the
 * displayed size already taken), QuantConnect's pluggable fill and latency models, Hummingbot's
 * paper exchange (fills against the venue's order book).
 *
 * - `top` (the shipped rule, the default): a leg fills its whole quantity at the top price;
 *   sizes are not read (unlimited size).
 * - `top-size`: a leg takes at most the displayed size at the top, less what earlier fills took
 *   from it since the venue's last update. Entries: the rest is **not filled** (an immediate-or-
 *   cancel order at the top price).
 * - `depth`: a leg walks the recorded levels (Upbit's 15 units, ccxt snapshots; a top-of-book
 *   source has one), best first, skipping what earlier fills took; its price is the volume-
 *   weighted mean of the levels taken. Entries: the rest beyond the last level is not filled.
 *   A level priced better than the one before it (an unsorted or crossed record) ends the walk:
 *   the levels from it on are not there, so no leg fills better than the top.
 * - Exits always fire (the engine's rule): an exit leg fills its whole open quantity; the part
 *   beyond the displayed size (`top-size`: the top; `depth`: every level walked) is priced at the
 *   last level walked, as if the book refilled there. That part is counted: the close fill carries
 *   it as `beyondBookQty` (base asset; 0 when the book showed enough), so the report can say how
 *   much the exits took beyond the book. A shortfall within 1e-9 of the leg's quantity
 *   (`BEYOND_BOOK_TOLERANCE`) is floating-point rounding of the walk's sum, not size beyond it.
 * - No size recorded (candles, a file without size columns): the leg fills in full at the top
 *   and is flagged `unsized` (the report says fills assumed unlimited size).
 *
 * Entry sizing and leg risk (`PaperExecution`): the decision at t sizes the trade to what both
 * venues show then, q = min(order quantity, what A's side gives, what B's side gives); q = 0 is an
 * entry refused `no-size`. Both legs are sent for q at t; each reaches its venue `latency` later
 * and fills against that venue's book then (in event time: every update recorded up to then is
 * applied first), so a leg may fill worse, partially or not at all while the other filled
 * (the trade's legs then have different quantities, 0 for a missed leg); both legs missed is an
 * entry refused `legs-missed`. With no latency both legs fill q at the decision's prices. An open
 * trade's P&L in bps (take-profit, stop-loss) and its open notional (the per-symbol cap) are
 * measured on what filled, not on the order (`portfolio.ts` `filledNotional`: the larger leg's).
 * The latency is waited in engine time, by one rule: a leg due at t + latency fills on its venue's
 * book with every update stamped up to its due time applied and none stamped after, and the fill
 * is stamped with its due time. In a replay, it fills just before the first update recorded after
 * its due time (reading ahead in the recorded data comes to the same fills), or at a timer turn at
 * or after it. Live, engine time is the arrival time, so the leg waits for real: it fills just
 * before the first frame that arrived after its due time, or at the runner's first turn after it
 * (the loop wakes 1 ms after the due time on the monotonic clock; a live turn fills only legs due
 * before it, since a frame stamped the current millisecond may still arrive: `Engine.onTimer`).
 * While a leg is in flight its trade's slot counts against the risk limits, and
 * an exit in flight keeps the trade open: no new entry takes its place until the legs fill. An
 * order still in flight at a checkpoint is carried in it (`in-flight-orders.ts`).
 */
export const MODEL_TOP = 0;
export const MODEL_TOP_SIZE = 1;
export const MODEL_DEPTH = 2;

const MODEL_CODES: Record<ExecutionModel, number> = { top: MODEL_TOP, 'top-size': MODEL_TOP_SIZE, depth: MODEL_DEPTH };

/** The execution settings as the engine uses them: a model code and per-venue latencies in ms. */
export interface ExecutionSettings {
  model: number;
  latencyAMs: number;
  latencyBMs: number;
}

export const PLAIN_TOP: ExecutionSettings = { model: MODEL_TOP, latencyAMs: 0, latencyBMs: 0 };

export function executionSettingsOf(config: ExecutionConfig): ExecutionSettings {
  return { model: MODEL_CODES[config.model], latencyAMs: config.latency.a * 1000, latencyBMs: config.latency.b * 1000 };
}

/** Levels the book must keep a side for a model: none for `top`, the top for `top-size`, `MAX_BOOK_LEVELS` for `depth`. */
export function bookLevelsFor(model: number): number {
  return model === MODEL_TOP ? 0 : model === MODEL_TOP_SIZE ? 1 : MAX_BOOK_LEVELS;
}

/** What one side of a book gave a leg (a reused object: nothing allocates per fill). */
export class Take {
  /** Quantity taken, base asset. */
  qty = 0;
  /** Sum of price × quantity over the levels taken, in the venue's quote currency. */
  cost = 0;
  /** The side had no recorded size: the leg took its whole quantity at the top. */
  unsized = false;
  /**
   * With `fillRest` (an exit), the part taken beyond the displayed size (base asset), priced at the
   * last level walked; 0 when the levels held it all (within `BEYOND_BOOK_TOLERANCE`), and for `top`
   * or an unsized side (no displayed size to go beyond).
   */
  beyond = 0;
}

/** A shortfall of an exit's walk at most this fraction of its quantity is rounding of the sum of the parts, not size beyond the book. */
export const BEYOND_BOOK_TOLERANCE = 1e-9;

/**
 * Takes up to `want` from one side of a book under `model`: `px`/`sz` the side's levels from
 * `base` (`count` recorded, 0 = unsized), `buys` true for the asks (a buy), false for the bids,
 * `taken` the size already taken since the last update, `top` the side's top price. `fillRest`
 * (exits) prices the part beyond the displayed size at the last level walked instead of leaving
 * it unfilled. Levels are best first: a level priced better than the one before it (an ask below,
 * a bid above: an unsorted or crossed record) ends the walk, so no leg fills better than the top.
 * Writes `out`; allocation-free.
 */
export function take(
  model: number,
  px: Float64Array,
  sz: Float64Array,
  base: number,
  count: number,
  buys: boolean,
  taken: number,
  top: number,
  want: number,
  fillRest: boolean,
  out: Take,
): void {
  if (model === MODEL_TOP || count === 0) {
    out.qty = want;
    out.cost = want * top;
    out.unsized = model !== MODEL_TOP;
    out.beyond = 0;
    return;
  }
  const levels = model === MODEL_TOP_SIZE ? 1 : count;
  let skip = taken;
  let qty = 0;
  let cost = 0;
  let last = top;
  for (let k = 0; k < levels && qty < want; k++) {
    const price = px[base + k] as number;
    if (buys ? price < last : price > last) break;
    last = price;
    let available = sz[base + k] as number;
    if (skip > 0) {
      const used = Math.min(skip, available);
      available -= used;
      skip -= used;
    }
    const part = Math.min(available, want - qty);
    if (part > 0) {
      qty += part;
      cost += part * price;
    }
  }
  let beyond = 0;
  if (fillRest && qty < want) {
    if (want - qty > want * BEYOND_BOOK_TOLERANCE) beyond = want - qty;
    cost += (want - qty) * last;
    qty = want;
  }
  out.beyond = beyond;
  out.qty = qty;
  out.cost = cost;
  out.unsized = false;
}
