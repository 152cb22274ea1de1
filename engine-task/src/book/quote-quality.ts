/**
 * Data quality of the updates the engine receives, per venue: how many it took, when the last
 * one was stamped (event time), and how many it skipped and why. Counters live in preallocated
 * typed arrays, so counting on the per-tick path never allocates.
 */
import type { VenueQuality } from '../../../core/model/progress.js';

/** Quality rows: venue A's quotes, venue B's quotes, the FX rate. */
export const QUALITY_A = 0;
export const QUALITY_B = 1;
export const QUALITY_FX = 2;
export const QUALITY_VENUES = ['a', 'b', 'fx'] as const;

/** Why an update was skipped (the keys of `VenueQuality.skipped`). */
export const SKIP_REASONS = ['crossed', 'non-positive', 'non-finite', 'fx-jump'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export const QUOTE_OK = -1;
/** bid > ask (a locked book, bid = ask, is taken). */
export const SKIP_CROSSED = 0;
/** A zero or negative price. */
export const SKIP_NON_POSITIVE = 1;
/** NaN or ±Infinity. */
export const SKIP_NON_FINITE = 2;
/** An FX print more than `strategy.fxJumpBps` from the last accepted rate, held until confirmed. */
export const SKIP_FX_JUMP = 3;

/**
 * `QUOTE_OK`, or why the quote cannot be traded on. Checked in this order: non-finite (`x − x`
 * is 0 only for finite numbers), non-positive, crossed.
 */
export function classifyQuote(bid: number, ask: number): number {
  if (bid - bid !== 0 || ask - ask !== 0) return SKIP_NON_FINITE;
  if (bid <= 0 || ask <= 0) return SKIP_NON_POSITIVE;
  if (bid > ask) return SKIP_CROSSED;
  return QUOTE_OK;
}

/** `QUOTE_OK`, or why an FX rate cannot be used (non-finite, then non-positive). */
export function classifyRate(rate: number): number {
  if (rate - rate !== 0) return SKIP_NON_FINITE;
  if (rate <= 0) return SKIP_NON_POSITIVE;
  return QUOTE_OK;
}

export class QuoteQuality {
  /** Updates taken, by quality venue (`QUALITY_A`, `QUALITY_B`, `QUALITY_FX`). */
  readonly updates = new Float64Array(QUALITY_VENUES.length);
  /** Event time of the latest update taken, ms; NaN before the first. */
  readonly lastUpdateAt = new Float64Array(QUALITY_VENUES.length).fill(Number.NaN);
  /** Updates skipped, at `venue * SKIP_REASONS.length + reason`. */
  readonly skipped = new Float64Array(QUALITY_VENUES.length * SKIP_REASONS.length);

  taken(venue: number, ts: number): void {
    (this.updates[venue] as number)++;
    this.lastUpdateAt[venue] = ts;
  }

  /** Moves the venue's last update time to `ts` if it is later (NaN counts as never). */
  noteLatest(venue: number, ts: number): void {
    const at = this.lastUpdateAt[venue] as number;
    if (!(ts <= at)) this.lastUpdateAt[venue] = ts;
  }

  skip(venue: number, reason: number): void {
    (this.skipped[venue * SKIP_REASONS.length + reason] as number)++;
  }

  /** One venue's counters as the heartbeat carries them (every reason listed, zeros included). */
  venue(venue: number): VenueQuality {
    const skipped: Record<string, number> = {};
    SKIP_REASONS.forEach((reason, r) => {
      skipped[reason] = this.skipped[venue * SKIP_REASONS.length + r] as number;
    });
    const at = this.lastUpdateAt[venue] as number;
    return { updates: this.updates[venue] as number, ...(Number.isNaN(at) ? {} : { lastUpdateAt: at }), skipped };
  }

  /** Puts back counters a checkpoint kept (`venue(…)` of each); unknown reasons are ignored. */
  restore(venue: number, saved: VenueQuality): void {
    this.updates[venue] = saved.updates;
    this.lastUpdateAt[venue] = saved.lastUpdateAt ?? Number.NaN;
    SKIP_REASONS.forEach((reason, r) => {
      this.skipped[venue * SKIP_REASONS.length + r] = saved.skipped[reason] ?? 0;
    });
  }
}
