/**
 * The premium of venue A over venue B and its baseline: what the premium-aware rule trades.
 *
 * Premium, mid to mid, as a fraction (×10⁴ for bps), with venue A's mid converted into venue B's
 * currency by the FX rate (units of A's quote per unit of B's):
 *
 *     premium = (midA / fx) / midB − 1,   mid = (bid + ask) / 2
 *
 * Baseline `b` (`strategy.premiumBaseline`), the level the premium is expected to return to:
 * - `none`: no baseline; the engine keeps the shipped spread rule (`spread.ts`) and reports b = 0;
 * - `fixed { bps }`: b = bps / 10⁴;
 * - `ewma { halfLife }`: an exponentially weighted mean of the premium in EVENT time, decayed by
 *   the time elapsed between observations, not per tick: on an observation p at time t, with
 *   Δt = t − t_prev, `b ← b + (1 − 2^(−Δt / halfLife)) · (p − b)`; the first observation sets b = p;
 *   observations at the same instant count as one, the latest.
 *   An observation is taken on a quote update only when both venues' quotes of the symbol are at
 *   most `maxQuoteAge` old (a premium built on a stale price is no observation).
 * On real Upbit/Binance data the premium sits between about −170 and +170 bps with a half-life
 * of about two days (`../shared/data/real/README.md`), hence a drifting baseline.
 *
 * Deviation d = premium − b. Entry with a baseline, e = (entryBps + feeA + feeB) / 10⁴, on the
 * executable prices (a sale at the bid, a purchase at the ask), multiplied out so the per-tick
 * test has no division:
 * - sell A / buy B when (bidA / fx) / askB − 1 − b ≥ e  ⇔  bidA ≥ fx · askB · (1 + b + e);
 * - buy A / sell B when b − ((askA / fx) / bidB − 1) ≥ e  ⇔  askA ≤ fx · bidB · (1 + b − e).
 * Exit on reversion when the deviation in the trade's direction is back within `exitBps`:
 * d ≤ exitBps / 10⁴ for a trade that sold A, −d ≤ exitBps / 10⁴ for one that bought A;
 * stop-loss, take-profit and max holding stay as they are (`exitReason`).
 */
import type { PremiumBaselineConfig } from '../../../core/config/campaign-config.js';

export const BASELINE_NONE = 0;
export const BASELINE_FIXED = 1;
export const BASELINE_EWMA = 2;

/** (midA / fx) / midB − 1 as a fraction, from the two mids with venue B's already times fx (so both in A's currency). */
export function premiumOf(midA: number, midBInA: number): number {
  return midA / midBInA - 1;
}

/** Whether selling at `bidA` and buying at `askBInA` (venue B's ask × fx) clears the entry over baseline `b` (fractions). */
export function clearsSellA(bidA: number, askBInA: number, b: number, e: number): boolean {
  return bidA >= askBInA * (1 + b + e);
}

/** Whether buying at `askA` and selling at `bidBInA` (venue B's bid × fx) clears the entry under baseline `b` (fractions). */
export function clearsBuyA(askA: number, bidBInA: number, b: number, e: number): boolean {
  return askA <= bidBInA * (1 + b - e);
}

/**
 * The per-symbol baseline of the premium, in bps, in preallocated arrays. Kept in bps (not as a
 * fraction) so the checkpoint carries the exact number the engine uses: a restart resumes it bit
 * for bit.
 */
export class PremiumBaseline {
  readonly kind: number;
  /** Baseline per symbol, bps; NaN before the first observation (`ewma`). */
  readonly value: Float64Array;
  /** Event time of each symbol's last observation, ms (`ewma`); NaN before the first. */
  readonly at: Float64Array;
  /** The baseline before the current instant's observation, and that step's weight (`ewma`). */
  private readonly before: Float64Array;
  private readonly weight: Float64Array;
  /** ln 2 / halfLife, per ms (`ewma`). */
  private readonly decayPerMs: number;

  constructor(config: PremiumBaselineConfig, symbolCount: number) {
    this.value = new Float64Array(symbolCount).fill(config.kind === 'fixed' ? config.bps : config.kind === 'none' ? 0 : Number.NaN);
    this.at = new Float64Array(symbolCount).fill(Number.NaN);
    this.before = new Float64Array(symbolCount);
    this.weight = new Float64Array(symbolCount);
    this.kind = config.kind === 'none' ? BASELINE_NONE : config.kind === 'fixed' ? BASELINE_FIXED : BASELINE_EWMA;
    this.decayPerMs = config.kind === 'ewma' ? Math.LN2 / (config.halfLife * 1000) : 0;
  }

  /**
   * Takes premium `p` (bps) observed at event time `ts` into the `ewma` baseline; a no-op for
   * the other kinds. Several observations at the same instant (venue A's and B's quotes stamped
   * alike) count as one, the latest: the step from the previous instant is redone with it.
   */
  observe(symbol: number, p: number, ts: number): void {
    if (this.kind !== BASELINE_EWMA) return;
    const at = this.at[symbol] as number;
    if (at !== at) {
      this.value[symbol] = p;
      this.before[symbol] = p;
      this.weight[symbol] = 1;
      this.at[symbol] = ts;
      return;
    }
    if (ts > at) {
      this.before[symbol] = this.value[symbol] as number;
      this.weight[symbol] = 1 - Math.exp(-(ts - at) * this.decayPerMs);
      this.at[symbol] = ts;
    } else if (ts < at) {
      return; // out of order: no weight to give it
    }
    const b = this.before[symbol] as number;
    this.value[symbol] = b + (this.weight[symbol] as number) * (p - b);
  }

  /**
   * Puts back one symbol's `ewma` state from a checkpoint (bps and event time). A further
   * observation at that same instant then leaves it as it is (the step is not redone).
   */
  restore(symbol: number, bps: number, at: number): void {
    if (this.kind !== BASELINE_EWMA) return;
    this.value[symbol] = bps;
    this.before[symbol] = bps;
    this.weight[symbol] = 0;
    this.at[symbol] = at;
  }
}
