/**
 * Data quality of the updates the engine receives, per venue: how many it took, when the last
 * one was stamped (event time), how many it skipped and why, and how late they arrived against
 * the venue's own clock (`VenueLag`). Counters live in preallocated typed arrays, so counting on
 * the per-tick path never allocates.
 */
import type { VenueLag, VenueQuality } from '../../../core/model/progress.js';

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
 * The clock-offset estimate's window, ms of engine time: the offset is the smallest arrival lag
 * seen over the current window and the one before it (so over the last 60 to 120 s).
 */
export const OFFSET_WINDOW_MS = 60_000;

/**
 * The arrival-lag histogram: lags in whole ms, exact below 16 ms, then 8 sub-buckets per power of
 * two (at most 1/8 = 12.5 % above the true value), up to 2^31 ms; a lag below 0 (the venue's clock
 * ahead of ours) counts in bucket 0. 232 buckets per venue, allocated once.
 */
const LAG_SUB_BITS = 3;
const LAG_SUB = 1 << LAG_SUB_BITS; // 8
const LAG_LINEAR = 2 * LAG_SUB; // 16 ms, one bucket each
export const LAG_BUCKETS = LAG_LINEAR + (31 - LAG_SUB_BITS - 1) * LAG_SUB;

/** The histogram bucket of a lag in ms. */
export function lagBucketOf(lagMs: number): number {
  const v = lagMs >= 0x7fffffff ? 0x7fffffff : lagMs > 0 ? lagMs | 0 : 0;
  if (v < LAG_LINEAR) return v;
  const exponent = 31 - Math.clz32(v); // >= 4
  return LAG_LINEAR + (exponent - LAG_SUB_BITS - 1) * LAG_SUB + ((v >>> (exponent - LAG_SUB_BITS)) - LAG_SUB);
}

/** The largest lag (ms) that falls in bucket `i`. */
export function lagBucketUpperMs(i: number): number {
  if (i < LAG_LINEAR) return i;
  const k = i - LAG_LINEAR;
  const exponent = (k >> LAG_SUB_BITS) + LAG_SUB_BITS + 1;
  return ((k & (LAG_SUB - 1)) + LAG_SUB + 1) * 2 ** (exponent - LAG_SUB_BITS) - 1;
}

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

/**
 * Counts per venue. Arrival lag (`lag`): for each update whose venue gave its own event time, the
 * arrival time minus that exchange time, ms, into a fixed histogram (p50, p99, max over this
 * generation); the clock offset estimate is the minimum lag over `OFFSET_WINDOW_MS` windows: it
 * is (our clock − the venue's) plus the shortest one-way delay seen, so it overstates our clock's
 * lead by that delay (negative: the venue's clock is ahead of ours by at least that much). A late
 * frame is one that arrived more than the venue's age bound after its exchange time
 * (`strategy.maxQuoteAge` for venues A and B, `maxFxAge` for the FX rate, none without it): the
 * engine can only refuse it; a burst is a run of late frames of one venue, ended by a frame on time.
 * Late frames and bursts are counted over the shard's life (a checkpoint keeps them); the
 * histogram and the offset start again with each generation.
 */
export class QuoteQuality {
  /** Updates taken, by quality venue (`QUALITY_A`, `QUALITY_B`, `QUALITY_FX`). */
  readonly updates = new Float64Array(QUALITY_VENUES.length);
  /** Event time of the latest update taken, ms; NaN before the first. */
  readonly lastUpdateAt = new Float64Array(QUALITY_VENUES.length).fill(Number.NaN);
  /** Updates skipped, at `venue * SKIP_REASONS.length + reason`. */
  readonly skipped = new Float64Array(QUALITY_VENUES.length * SKIP_REASONS.length);
  /** Arrival-lag histogram counts, at `venue * LAG_BUCKETS + bucket`. */
  readonly lagCounts = new Float64Array(QUALITY_VENUES.length * LAG_BUCKETS);
  /** Updates with an exchange time, per venue (this generation). */
  readonly lagSamples = new Float64Array(QUALITY_VENUES.length);
  readonly lagMax = new Float64Array(QUALITY_VENUES.length).fill(-Infinity);
  /** Minimum lag of the current and the previous offset window, and when the current one began (engine ms). */
  private readonly minLagNow = new Float64Array(QUALITY_VENUES.length).fill(Infinity);
  private readonly minLagBefore = new Float64Array(QUALITY_VENUES.length).fill(Infinity);
  private readonly windowStart = new Float64Array(QUALITY_VENUES.length).fill(-Infinity);
  /** Late frames and bursts of them, per venue, over the shard's life. */
  readonly lateFrames = new Float64Array(QUALITY_VENUES.length);
  readonly lateBursts = new Float64Array(QUALITY_VENUES.length);
  private readonly inBurst = new Uint8Array(QUALITY_VENUES.length);
  /** Each venue's late bound, ms (Infinity: none). */
  private readonly lateAfterMs: Float64Array;

  /** `maxQuoteAgeMs` bounds venues A and B, `maxFxAgeMs` the FX rate (Infinity: no late frames counted). */
  constructor(bounds: { maxQuoteAgeMs: number; maxFxAgeMs: number } = { maxQuoteAgeMs: Infinity, maxFxAgeMs: Infinity }) {
    this.lateAfterMs = Float64Array.of(bounds.maxQuoteAgeMs, bounds.maxQuoteAgeMs, bounds.maxFxAgeMs);
  }

  /**
   * One update of `venue` that arrived at `at` (engine time) with the venue's own `exchangeTs`:
   * records its lag `at − exchangeTs`. Per-tick path: a few arithmetic operations, no allocation.
   */
  arrived(venue: number, at: number, exchangeTs: number): void {
    const lag = at - exchangeTs;
    (this.lagCounts[venue * LAG_BUCKETS + lagBucketOf(lag)] as number)++;
    (this.lagSamples[venue] as number)++;
    if (lag > (this.lagMax[venue] as number)) this.lagMax[venue] = lag;
    if (at - (this.windowStart[venue] as number) >= OFFSET_WINDOW_MS) {
      this.minLagBefore[venue] = at - (this.windowStart[venue] as number) >= 2 * OFFSET_WINDOW_MS ? Infinity : (this.minLagNow[venue] as number);
      this.minLagNow[venue] = Infinity;
      this.windowStart[venue] = at;
    }
    if (lag < (this.minLagNow[venue] as number)) this.minLagNow[venue] = lag;
    if (lag > (this.lateAfterMs[venue] as number)) {
      (this.lateFrames[venue] as number)++;
      if (this.inBurst[venue] === 0) (this.lateBursts[venue] as number)++;
      this.inBurst[venue] = 1;
    } else this.inBurst[venue] = 0;
  }

  /** The arrival-lag quantile `q` (0..1) of `venue`, ms: its bucket's upper bound, capped at the largest lag seen; NaN without samples. */
  lagQuantileMs(venue: number, q: number): number {
    const n = this.lagSamples[venue] as number;
    if (n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * n));
    let seen = 0;
    for (let i = 0; i < LAG_BUCKETS; i++) {
      seen += this.lagCounts[venue * LAG_BUCKETS + i] as number;
      if (seen >= rank) return Math.min(lagBucketUpperMs(i), Math.max(0, this.lagMax[venue] as number));
    }
    return this.lagMax[venue] as number;
  }

  /** The clock offset estimate of `venue`, ms (see the class): NaN without samples. */
  clockOffsetMs(venue: number): number {
    const m = Math.min(this.minLagNow[venue] as number, this.minLagBefore[venue] as number);
    return m === Infinity ? Number.NaN : m;
  }

  /** One venue's arrival lag as the heartbeat carries it; undefined when the venue gave no exchange time and nothing late was ever counted. */
  lagOf(venue: number): VenueLag | undefined {
    const samples = this.lagSamples[venue] as number;
    const late = this.lateFrames[venue] as number;
    if (samples === 0 && late === 0) return undefined;
    const offset = this.clockOffsetMs(venue);
    return {
      samples,
      ...(samples > 0
        ? {
            p50Ms: this.lagQuantileMs(venue, 0.5),
            p99Ms: this.lagQuantileMs(venue, 0.99),
            maxMs: this.lagMax[venue] as number,
            ...(Number.isNaN(offset) ? {} : { clockOffsetMs: offset }),
          }
        : {}),
      lateFrames: late,
      lateBursts: this.lateBursts[venue] as number,
    };
  }

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
    const lag = this.lagOf(venue);
    return { updates: this.updates[venue] as number, ...(Number.isNaN(at) ? {} : { lastUpdateAt: at }), skipped, ...(lag ? { lag } : {}) };
  }

  /** Puts back counters a checkpoint kept (`venue(…)` of each); unknown reasons are ignored. */
  restore(venue: number, saved: VenueQuality): void {
    this.updates[venue] = saved.updates;
    this.lastUpdateAt[venue] = saved.lastUpdateAt ?? Number.NaN;
    SKIP_REASONS.forEach((reason, r) => {
      this.skipped[venue * SKIP_REASONS.length + r] = saved.skipped[reason] ?? 0;
    });
    this.lateFrames[venue] = saved.lag?.lateFrames ?? 0;
    this.lateBursts[venue] = saved.lag?.lateBursts ?? 0;
  }
}
