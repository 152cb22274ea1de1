import type { SyntheticFeedConfig } from '../../../core/config/campaign-config.js';
import type { SymbolSpec } from '../../../core/config/resolve-campaign.js';
import type { MarketFeed, QuoteSink } from '../../../core/data/market-feed.js';
import { Prng } from './prng.js';

const BPS = 1e-4;

/**
 * A seeded, deterministic market for a shard's symbols on two venues. Each symbol has a fair
 * price (a random walk, in venue B's currency) and a dislocation between the venues (an
 * Ornstein-Uhlenbeck process that decays with the configured half-life), so opportunities open
 * and close; an FX series converts venue B's prices into venue A's currency. Instruments update
 * round-robin: A then B for symbol 0, then symbol 1, ...; every full round moves the FX rate.
 */
export class SyntheticFeed implements MarketFeed {
  private readonly n: number;
  private readonly fair: Float64Array;
  private readonly dislocation: Float64Array;
  private prng: Prng;
  /** Ticks emitted so far (the feed's position). */
  private k: number;
  private startMs: number;
  private fx: number;
  private readonly tickIntervalMs: number;
  private readonly stepSec: number;
  private readonly walkSigma: number;
  private readonly decay: number;
  private readonly shockSigma: number;
  private readonly halfSpread: number;
  private readonly fxSigma: number;

  constructor(config: SyntheticFeedConfig, symbols: readonly SymbolSpec[], fxRate: number, startMs: number, shardIndex = 0) {
    this.n = symbols.length;
    this.fair = Float64Array.from(symbols, (s) => s.refPrice);
    this.dislocation = new Float64Array(this.n);
    this.prng = new Prng((config.seed + Math.imul(shardIndex, 0x9e3779b1)) >>> 0);
    this.k = 0;
    this.startMs = startMs;
    this.fx = fxRate;
    this.tickIntervalMs = 1000 / (config.ticksPerSecond * 2 * this.n);
    // Each symbol moves once per round of its two instruments.
    this.stepSec = 1 / config.ticksPerSecond;
    this.walkSigma = config.volatilityBps * BPS * Math.sqrt(this.stepSec);
    const lambda = Math.LN2 / config.dislocationHalfLife;
    this.decay = Math.exp(-lambda * this.stepSec);
    this.shockSigma = config.dislocationBps * BPS * Math.sqrt(1 - this.decay * this.decay);
    this.halfSpread = (config.bookSpreadBps * BPS) / 2;
    this.fxSigma = config.fxVolatilityBps * BPS * Math.sqrt(this.stepSec);
  }

  emitUntil(untilMs: number, maxTicks: number, sink: QuoteSink): number {
    const instruments = this.n * 2;
    let emitted = 0;
    while (emitted < maxTicks) {
      const ts = this.startMs + this.k * this.tickIntervalMs;
      if (ts > untilMs) break;
      const instrument = this.k % instruments;
      const symbol = instrument >> 1;
      let fair = this.fair[symbol] as number;
      let d = this.dislocation[symbol] as number;
      if ((instrument & 1) === 0) {
        if (instrument === 0 && this.fxSigma > 0) {
          this.fx *= 1 + this.fxSigma * this.prng.nextGaussian();
          sink.onFx(this.fx, ts);
        }
        fair *= 1 + this.walkSigma * this.prng.nextGaussian();
        d = d * this.decay + this.shockSigma * this.prng.nextGaussian();
        this.fair[symbol] = fair;
        this.dislocation[symbol] = d;
        // Venue A sits half a dislocation below fair, quoted in A's currency.
        const mid = fair * (1 - d / 2) * this.fx;
        sink.onQuote(instrument, mid * (1 - this.halfSpread), mid * (1 + this.halfSpread), ts);
      } else {
        const mid = fair * (1 + d / 2);
        sink.onQuote(instrument, mid * (1 - this.halfSpread), mid * (1 + this.halfSpread), ts);
      }
      this.k++;
      emitted++;
    }
    return emitted;
  }

  nextTickAt(): number {
    return this.startMs + this.k * this.tickIntervalMs;
  }

  rebase(ms: number): void {
    this.startMs = ms - this.k * this.tickIntervalMs;
  }

  state(): Record<string, unknown> {
    return {
      kind: 'synthetic',
      k: this.k,
      startMs: this.startMs,
      fx: this.fx,
      fair: Array.from(this.fair),
      dislocation: Array.from(this.dislocation),
      prng: this.prng.state(),
    };
  }

  /** Puts the feed back where a checkpoint found it (same symbols, same config). */
  restore(state: Record<string, unknown>): void {
    const fair = state.fair as number[];
    if (state.kind !== 'synthetic' || fair.length !== this.n) {
      throw new Error(`checkpoint feed state does not match this shard (${String(state.kind)}, ${fair.length} symbols vs ${this.n})`);
    }
    this.k = state.k as number;
    this.startMs = state.startMs as number;
    this.fx = state.fx as number;
    this.fair.set(fair);
    this.dislocation.set(state.dislocation as number[]);
    this.prng = Prng.fromState(state.prng as number[]);
  }
}
